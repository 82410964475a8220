"""The model table: which model names the gateway serves, and how each is called and cached.

``NEARHIT_MODELS``: a ``.json`` or ``.yaml`` file, or inline JSON, mapping a model name to its route::

    {"gpt-4o": {"upstream": "my-gpt4o-deployment", "provider": "azure", "priced_as": "gpt-4o",
                "cache": true, "threshold": 0.9},
     "gpt-4o-mini": {}}

Unset, any model name passes through to the one configured provider, under its own name. An entry's
``provider`` may name any provider nearhit can build (``simulated``, ``openai``, ``azure``); the runtime builds
each one the table names at start-up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast, get_args

from nearhit import validate
from nearhit.errors import ConfigError, InvalidInput
from nearhit.llm import ProviderName

_FIELDS = {"upstream", "provider", "priced_as", "cache", "threshold"}
_VARIABLE = "NEARHIT_MODELS"
PROVIDERS: tuple[str, ...] = get_args(ProviderName)


@dataclass(frozen=True)
class ModelRoute:
    """How a requested model is served: ``upstream`` is the name sent to the provider (an Azure deployment,
    an alias's target), ``priced_as`` the model whose price counts it, ``cache`` off to always call upstream,
    ``threshold`` the default similarity threshold for it."""

    name: str
    upstream: str
    priced_as: str | None = None
    cache: bool = True
    threshold: float | None = None
    provider: ProviderName | None = None
    """The provider that answers it; None for the configured one (``NEARHIT_LLM``)."""


@dataclass(frozen=True)
class ModelTable:
    """The configured routes; None stands for the default (every name passes through)."""

    routes: Mapping[str, ModelRoute]

    @classmethod
    def parse(cls, spec: str, provider: str) -> ModelTable:
        """Read at start-up, so a bad table stops the service naming the variable and the entry at fault."""
        text = spec.strip()
        if not text.startswith("{"):
            path = Path(text).expanduser()
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"{_VARIABLE}: cannot read the model table {path}: {exc}") from None
            if path.suffix.lower() in (".yaml", ".yml"):
                return cls.from_mapping(_yaml(text, path), provider)
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # nested past the recursion limit: no ValueError
            raise ConfigError(f"{_VARIABLE}: not valid JSON ({exc})") from None
        return cls.from_mapping(data, provider)

    @classmethod
    def from_mapping(cls, data: Any, provider: str) -> ModelTable:
        if not isinstance(data, dict) or not data:
            raise ConfigError(f"{_VARIABLE} must map model names to their settings, and list at least one")
        return cls({name: _route(name, entry, provider) for name, entry in data.items()})

    def resolve(self, model: str) -> ModelRoute | None:
        return self.routes.get(model)

    def providers(self) -> dict[str, ProviderName]:
        """entry name -> provider, for the entries routed away from the configured provider."""
        return {name: route.provider for name, route in self.routes.items() if route.provider is not None}


def pass_through(model: str) -> ModelRoute:
    """The route of a model name when no table is set: called upstream under its own name."""
    return ModelRoute(model, model)


def _route(name: str, entry: Any, provider: str) -> ModelRoute:
    where = f"{_VARIABLE}: entry {name!r}"
    if entry is None:
        entry = {}
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be an object of settings ({', '.join(sorted(_FIELDS))})")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise ConfigError(f"{where}: unknown setting {sorted(unknown)[0]!r} (known: {', '.join(sorted(_FIELDS))})")
    try:
        validate.label(name, "the model name")
        upstream = validate.label(entry.get("upstream", name), "upstream")
        priced_as = entry.get("priced_as")
        if priced_as is not None:
            validate.label(priced_as, "priced_as")
        threshold = entry.get("threshold")
        if threshold is not None:
            threshold = validate.threshold(threshold)
    except InvalidInput as exc:
        raise ConfigError(f"{where}: {exc}") from None
    routed = entry.get("provider", provider)
    if routed not in PROVIDERS:
        raise ConfigError(f"{where}: unknown provider {routed!r} (known: {', '.join(PROVIDERS)})")
    cache = entry.get("cache", True)
    if not isinstance(cache, bool):
        raise ConfigError(f"{where}: 'cache' must be true or false")
    return ModelRoute(
        name, upstream, priced_as, cache, threshold, None if routed == provider else cast(ProviderName, routed)
    )


def _yaml(text: str, path: Path) -> Any:
    try:
        import yaml
    except ImportError:
        raise ConfigError(f"{_VARIABLE}: {path} is YAML but PyYAML is not installed; use JSON") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{_VARIABLE}: cannot read the model table {path}: {exc}") from None
