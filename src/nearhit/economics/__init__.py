"""The cost & sizing model: what a semantic cache saves, what it costs, and the Redis it needs.

Pure functions over frozen dataclasses; the only reads are of price data (genai-prices' bundled snapshot
and ``data/azure_managed_redis.json``), done once by :func:`resolve_prices` before any arithmetic.
"""

from nearhit.economics.estimate import Breakeven, Estimate, Latency, Prices, Year, estimate, resolve_prices
from nearhit.economics.footprint import EntryFootprint, WorkingSet, entry_footprint, working_set
from nearhit.economics.prices import ListedModel, TokenPrice, chat_price, embedding_price, listed_models
from nearhit.economics.report import as_dict, table_dict
from nearhit.economics.scenario import (
    BOUNDS,
    EMBEDDING_DIMENSIONS,
    INTEGERS,
    TEXT_MAX_CHARS,
    Bound,
    Scenario,
    input_fields,
    scenario_defaults,
)
from nearhit.economics.skus import PriceTable, SkuPrice, choose_sku, load_price_table

__all__ = [
    "BOUNDS",
    "EMBEDDING_DIMENSIONS",
    "INTEGERS",
    "TEXT_MAX_CHARS",
    "Bound",
    "Breakeven",
    "EntryFootprint",
    "Estimate",
    "Latency",
    "ListedModel",
    "PriceTable",
    "Prices",
    "Scenario",
    "SkuPrice",
    "TokenPrice",
    "WorkingSet",
    "Year",
    "as_dict",
    "chat_price",
    "choose_sku",
    "embedding_price",
    "entry_footprint",
    "estimate",
    "input_fields",
    "listed_models",
    "load_price_table",
    "resolve_prices",
    "scenario_defaults",
    "table_dict",
    "working_set",
]
