"""The estimate as plain JSON data: one shape for ``nearhit calc --json`` and ``POST /calculator/estimate``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from nearhit.economics.estimate import Estimate, Year
from nearhit.economics.skus import PriceTable


def as_dict(estimate: Estimate) -> dict[str, Any]:
    """Every input (defaults resolved), price, figure and chart point, JSON-serialisable."""
    scenario = asdict(estimate.scenario)
    scenario["as_of"] = estimate.scenario.as_of.isoformat() if estimate.scenario.as_of else None
    return {
        "scenario": scenario,
        "prices": {
            "chat": asdict(estimate.prices.chat),
            "embedding": asdict(estimate.prices.embedding),
            "redis": table_dict(estimate.prices.redis, with_skus=False),
        },
        "annual": year_dict(estimate.annual),
        "sku": asdict(estimate.annual.sku),
        "breakeven": asdict(estimate.breakeven),
        "footprint": {**asdict(estimate.footprint), "total": estimate.footprint.total},
        "latency": asdict(estimate.latency),
        "curve": [year_dict(point) for point in estimate.curve],
        "projection": [year_dict(point) for point in estimate.projection],
    }


def year_dict(year: Year) -> dict[str, Any]:
    """A year's figures, naming its SKU rather than repeating the SKU's price record."""
    data = asdict(year)
    data["sku"] = year.sku.name
    return data


def table_dict(table: PriceTable, *, with_skus: bool = True) -> dict[str, Any]:
    """The price table's provenance, and its SKUs when asked."""
    data = asdict(table)
    if not with_skus:
        del data["skus"]
    return data
