"""The gateway's configuration: the key table (:mod:`nearhit.gateway.keys`), the model table and the limits.

``NEARHIT_GATEWAY_KEYS``: a JSON or TOML file mapping API key -> tenant, or inline ``key1=tenantA,key2=tenantB``;
unset, every caller shares ``NEARHIT_GATEWAY_TENANT`` and any key is accepted (``nearhit.api.access`` applies it).
``NEARHIT_GATEWAY_MAX_TEMPERATURE``: requests sampled hotter than this bypass the cache.
``NEARHIT_GATEWAY_MAX_N``: the most choices (``n``) one request may ask for: each is an upstream generation.
``NEARHIT_MODELS``: the model table (:mod:`nearhit.gateway.models`); unset, any model name passes through.
``NEARHIT_GATEWAY_SCOPE_USER``: the OpenAI ``user`` field scopes cached answers (off: users share them).
"""

from __future__ import annotations

from dataclasses import dataclass

from nearhit import validate
from nearhit.config import Settings
from nearhit.errors import ConfigError, InvalidInput
from nearhit.gateway.keys import KeyTable
from nearhit.gateway.models import ModelRoute, ModelTable, pass_through


@dataclass(frozen=True)
class GatewayConfig:
    """The settings with the key table read: built once per app."""

    shared_tenant: str
    max_temperature: float
    keys: KeyTable | None
    max_n: int = 4
    models: ModelTable | None = None
    scope_user: bool = False

    def route(self, model: str) -> ModelRoute | None:
        """How ``model`` is served; None when a table is set and does not list it."""
        return pass_through(model) if self.models is None else self.models.resolve(model)

    @classmethod
    def from_settings(cls, settings: Settings) -> GatewayConfig:
        """Read at start-up, so a bad key table stops the service with a clear message."""
        try:
            tenant = validate.label(settings.gateway_tenant, "NEARHIT_GATEWAY_TENANT")
        except InvalidInput as exc:
            raise ConfigError(str(exc)) from None
        keys = KeyTable.parse(settings.gateway_keys) if settings.gateway_keys else None
        models = ModelTable.parse(settings.gateway_models, settings.resolved_llm) if settings.gateway_models else None
        return cls(
            tenant,
            settings.gateway_max_temperature,
            keys,
            max_n=settings.gateway_max_n,
            models=models,
            scope_user=settings.gateway_scope_user,
        )
