"""The key table: which tenant an API key belongs to (``NEARHIT_GATEWAY_KEYS``), keys kept as SHA-256 digests.

A JSON or TOML file mapping API key -> tenant, or inline ``key1=tenantA,key2=tenantB``; unset, every caller
shares ``NEARHIT_GATEWAY_TENANT`` and any key is accepted (``nearhit.api.access`` applies it).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nearhit import validate
from nearhit.errors import ConfigError, InvalidInput


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _shown(key: str) -> str:
    """A key named in an error by its first characters only: the message may reach a log."""
    return repr(key.strip()[:4] + "...")


def _once(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON key table's object, each key once (Python's json keeps the last of two silently)."""
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {_shown(key)} is listed twice")
        seen[key] = value
    return seen


@dataclass(frozen=True)
class KeyTable:
    """Which tenant an API key belongs to. Keys are kept as SHA-256 digests, never in clear."""

    tenants: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, keys: Mapping[str, str]) -> KeyTable:
        table: dict[str, str] = {}
        for key, tenant in keys.items():
            if not isinstance(key, str) or not key.strip() or not isinstance(tenant, str):
                raise ConfigError("NEARHIT_GATEWAY_KEYS: every entry must map a non-empty key to a tenant name")
            digest = _digest(key.strip())
            if digest in table:  # " k" and "k" are one key: which tenant it serves would be the last line's
                raise ConfigError(f"NEARHIT_GATEWAY_KEYS: the key {_shown(key)} is listed twice")
            try:
                table[digest] = validate.label(tenant.strip(), "tenant")
            except InvalidInput as exc:
                raise ConfigError(f"NEARHIT_GATEWAY_KEYS: {exc}") from None
        if not table:
            raise ConfigError("NEARHIT_GATEWAY_KEYS is set but holds no keys")
        return cls(table)

    @classmethod
    def parse(cls, spec: str) -> KeyTable:
        """A ``.json`` or ``.toml`` file of ``{"key": "tenant"}``, or inline ``key1=tenantA,key2=tenantB``."""
        path = Path(spec).expanduser()
        if path.suffix.lower() in (".json", ".toml") or path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
                toml = path.suffix.lower() == ".toml"  # TOML refuses a key given twice by itself
                data = tomllib.loads(text) if toml else json.loads(text, object_pairs_hook=_once)
            except (OSError, ValueError, RecursionError) as exc:  # RecursionError: nested past the limit
                raise ConfigError(f"NEARHIT_GATEWAY_KEYS: cannot read the key table {path}: {exc}") from None
            if not isinstance(data, dict):
                raise ConfigError(f"NEARHIT_GATEWAY_KEYS: {path} must hold an object mapping key -> tenant")
            return cls.from_mapping(data)
        pairs: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key, sep, tenant = item.partition("=")
            if not sep:
                raise ConfigError(
                    "NEARHIT_GATEWAY_KEYS: expected a .json/.toml file or 'key1=tenantA,key2=tenantB', "
                    f"got an item without '=' ({item[:4]}...)"
                )
            if key.strip() in pairs:
                raise ConfigError(f"NEARHIT_GATEWAY_KEYS: the key {_shown(key)} is listed twice")
            pairs[key.strip()] = tenant
        return cls.from_mapping(pairs)

    def tenant_for(self, key: str | None) -> str | None:
        """The tenant of ``key``, or None when it is not in the table."""
        return self.tenants.get(_digest(key)) if key else None
