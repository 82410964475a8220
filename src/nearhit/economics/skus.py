"""The Azure Managed Redis price table and the choice of the smallest SKU that holds a working set.

The table is data (``data/azure_managed_redis.json``), dated, each price marked ``list`` or ``estimate``
with its source, so a stale or guessed figure is visible in every answer; a caller can load its own file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from nearhit.errors import InvalidInput

PriceKind = Literal["list", "estimate", "override"]


@dataclass(frozen=True, slots=True)
class SkuPrice:
    """One SKU with its price in one region."""

    name: str
    tier: str
    advertised_gb: float
    usable_bytes: int
    usd_per_node_hour: float
    kind: PriceKind
    source: str


@dataclass(frozen=True, slots=True)
class PriceTable:
    """The SKUs that can serve vector search in one region, smallest memory first."""

    name: str
    region: str
    as_of: str
    hours_per_year: int
    nodes_with_ha: int
    usable_fraction: float
    skus: tuple[SkuPrice, ...]


def load_price_table(region: str = "eastus2", path: Path | None = None) -> PriceTable:
    """Read the bundled table (or ``path``) for ``region``; Flash Optimized SKUs are dropped (no vector search)."""
    raw = _read(path)
    try:
        return _parse(raw, region)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput(f"malformed Redis price table: {type(exc).__name__} {exc}") from None


def _parse(raw: dict[str, Any], region: str) -> PriceTable:
    regions: dict[str, dict[str, dict[str, Any]]] = raw["regions"]
    if region not in regions:
        raise InvalidInput(f"unknown region {region!r}: the price table has {', '.join(sorted(regions))}")
    priced = regions[region]
    usable_fraction = _number(raw["usable_fraction"], "usable_fraction", 1.0, low=0.0)
    bytes_per_gb = int(_number(raw["bytes_per_gb"], "bytes_per_gb", 1e12, low=0.0))
    skus = [
        SkuPrice(
            name=sku["name"],
            tier=sku["tier"],
            advertised_gb=_number(sku["advertised_gb"], f"{sku['name']}'s advertised_gb", 1e6, low=0.0),
            usable_bytes=int(float(sku["advertised_gb"]) * bytes_per_gb * usable_fraction),
            usd_per_node_hour=_number(
                priced[sku["name"]]["usd_per_node_hour"], f"{sku['name']}'s usd_per_node_hour", 1e6
            ),
            kind=priced[sku["name"]]["kind"],
            source=priced[sku["name"]]["source"],
        )
        for sku in raw["skus"]
        if sku["vector_search"] and sku["name"] in priced
    ]
    if not skus:
        raise InvalidInput(f"the Redis price table prices no SKU with vector search in {region!r}")
    skus.sort(key=lambda s: (s.usable_bytes, s.usd_per_node_hour))
    return PriceTable(
        name=raw["name"],
        region=region,
        as_of=raw["as_of"],
        hours_per_year=int(_number(raw["hours_per_year"], "hours_per_year", 8784, low=0.0)),
        nodes_with_ha=int(_number(raw["nodes_with_ha"], "nodes_with_ha", 64, low=0.0)),
        usable_fraction=usable_fraction,
        skus=tuple(skus),
    )


def _number(value: Any, what: str, high: float, *, low: float | None = None) -> float:
    """A figure of the table, finite and within bounds (``low`` excluded; None: from 0 included): a NaN price
    printed "net $nan", a negative one inflated the savings, a zero usable fraction and a huge SKU were tracebacks."""
    number = float(value)
    inside = low < number <= high if low is not None else 0.0 <= number <= high
    if not inside:
        where = f"more than {low:g}" if low is not None else "at least 0"
        raise InvalidInput(f"malformed Redis price table: {what} is {value!r}; it must be {where} and at most {high:g}")
    return number


def choose_sku(table: PriceTable, required_bytes: float) -> SkuPrice | None:
    """The smallest SKU whose usable memory holds ``required_bytes`` (the cheapest among equals); None if none does."""
    return next((sku for sku in table.skus if sku.usable_bytes >= required_bytes), None)


def annual_cost(table: PriceTable, sku: SkuPrice, *, ha: bool) -> float:
    """A year of the SKU: hourly price × hours × nodes (two with high availability)."""
    nodes = table.nodes_with_ha if ha else 1
    return sku.usd_per_node_hour * table.hours_per_year * nodes


MAX_TABLE_BYTES = 2**20
"""A caller's price table is read up to this (the bundled one is 5 kB): ``/dev/zero`` was read until memory ran out."""


def _read(path: Path | None) -> dict[str, Any]:
    try:
        if path is None:
            raw = resources.files("nearhit.economics").joinpath("data/azure_managed_redis.json").read_bytes()
        else:
            with path.open("rb") as file:
                raw = file.read(MAX_TABLE_BYTES + 1)
        if len(raw) > MAX_TABLE_BYTES:
            raise OSError(f"larger than {MAX_TABLE_BYTES:,} bytes")
        data: dict[str, Any] = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InvalidInput(f"cannot read the Redis price table {path}: {exc}") from None
    return data
