"""The cost model: a year of LLM, embedding and Redis spend with and without the cache.

Unlike the seed's calculator, the embedding call is paid on every request, hits and misses alike (the
lookup embeds the prompt before it knows whether it will hit), and Redis is priced from the SKU the
working set actually needs. Prices are resolved first (:func:`resolve_prices`); everything after that is
arithmetic on frozen values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from nearhit.economics.footprint import EntryFootprint, WorkingSet, entry_footprint, working_set
from nearhit.economics.prices import TokenPrice, chat_price, embedding_price
from nearhit.economics.scenario import Scenario
from nearhit.economics.skus import PriceTable, SkuPrice, annual_cost, choose_sku, load_price_table

DAYS_PER_YEAR = 365
MS_PER_HOUR = 3_600_000
CURVE_STEPS = 20  # hit rates 0, 0.05, ..., 1

ChatPrices = Callable[[str, int, int, date | None], TokenPrice]
"""(model, input tokens, output tokens, as of) -> price: where chat prices come from."""
EmbeddingPrices = Callable[[str, int, date | None], TokenPrice]
"""(model, tokens, as of) -> price: where embedding prices come from."""


@dataclass(frozen=True, slots=True)
class Prices:
    """Every price the model uses, each with its source and date."""

    chat: TokenPrice
    embedding: TokenPrice
    redis: PriceTable


@dataclass(frozen=True, slots=True)
class Year:
    """One year of traffic at one hit rate."""

    requests_per_day: float
    hit_rate: float
    requests: float
    hits: float
    token_spend_without_cache: float
    token_spend_with_cache: float
    """LLM spend on the misses only."""
    embedding_spend: float
    """One embedding per request, hits and misses alike."""
    redis_spend: float
    total_spend_with_cache: float
    net_savings: float
    working_set: WorkingSet
    sku: SkuPrice
    sku_count: int
    """More than one when even the largest SKU in the table cannot hold the working set."""


@dataclass(frozen=True, slots=True)
class Breakeven:
    """The hit rate (in %) at which the cache pays for itself."""

    seed_pct: float | None
    """The seed's formula: annual Redis cost / no-cache annual token spend × 100 (None: no spend to save)."""
    seed_exceeds_100: bool
    full_pct: float | None
    """(Redis + embedding spend) / no-cache token spend × 100: what the hit rate must save."""
    full_exceeds_100: bool


@dataclass(frozen=True, slots=True)
class Latency:
    """Time users wait less (hits) and more (the lookup before each miss), per year."""

    llm_ms: float
    hit_ms: float
    saved_hours: float
    added_hours: float
    net_saved_hours: float


@dataclass(frozen=True, slots=True)
class Estimate:
    """Everything the calculator answers for one scenario."""

    scenario: Scenario
    """The scenario with its derived defaults filled in."""
    prices: Prices
    footprint: EntryFootprint
    annual: Year
    breakeven: Breakeven
    latency: Latency
    curve: tuple[Year, ...]
    """Year one at hit rates 0, 0.05, ..., 1: points for the savings-versus-hit-rate chart."""
    projection: tuple[Year, ...]
    """Years 1..N with traffic growing by ``yearly_growth`` each year."""


def resolve_prices(
    scenario: Scenario,
    redis_table: Path | None = None,
    *,
    chat_prices: ChatPrices = chat_price,
    embedding_prices: EmbeddingPrices = embedding_price,
) -> Prices:
    """Look up the chat, embedding and Redis prices, then apply the caller's overrides. The token prices come
    from genai-prices unless other sources are given (tests pin their arithmetic to a table of their own)."""
    s = scenario.resolved()
    assert s.embedding_tokens is not None
    chat = _override(
        chat_prices(s.model, s.input_tokens, s.output_tokens, s.as_of),
        s.input_price_per_mtok,
        s.output_price_per_mtok,
    )
    embedding = _override(
        embedding_prices(s.embedding_model, s.embedding_tokens, s.as_of), s.embedding_price_per_mtok, None
    )
    table = load_price_table(s.region, redis_table)
    if s.redis_price_per_node_hour is not None:
        override = s.redis_price_per_node_hour
        skus = (replace(sku, usd_per_node_hour=override, kind="override", source="user override") for sku in table.skus)
        table = replace(table, skus=tuple(skus))
    return Prices(chat=chat, embedding=embedding, redis=table)


def estimate(scenario: Scenario, prices: Prices) -> Estimate:
    """Year one, the breakeven hit rates, the curve and the multi-year projection for ``scenario``."""
    s = scenario.resolved()
    assert s.dim is not None and s.hnsw_m is not None
    assert s.prompt_bytes is not None and s.response_bytes is not None
    assert s.llm_latency_ms is not None
    footprint = entry_footprint(
        s.dim,
        s.algorithm,
        hnsw_m=s.hnsw_m,
        prompt_bytes=s.prompt_bytes,
        response_bytes=s.response_bytes,
    )

    def year(requests_per_day: float, hit_rate: float) -> Year:
        # A distinct share the caller did not give is the miss rate: each miss stores one new entry.
        share = 1 - hit_rate if scenario.distinct_share is None else scenario.distinct_share
        return _year(s, prices, footprint, requests_per_day, hit_rate, share)

    annual = year(s.requests_per_day, s.hit_rate)
    curve = tuple(year(s.requests_per_day, step / CURVE_STEPS) for step in range(CURVE_STEPS + 1))
    projection = tuple(year(s.requests_per_day * (1 + s.yearly_growth) ** n, s.hit_rate) for n in range(s.years))
    return Estimate(
        scenario=s,
        prices=prices,
        footprint=footprint,
        annual=annual,
        breakeven=breakeven(annual),
        latency=latency(annual, s.llm_latency_ms, s.hit_latency_ms),
        curve=curve,
        projection=projection,
    )


def breakeven(year: Year) -> Breakeven:
    """Both breakeven hit rates; above 100% the cache cannot pay for itself at any hit rate."""
    spend = year.token_spend_without_cache
    if spend == 0:  # free tokens (a price overridden to 0): no hit rate can save money
        return Breakeven(seed_pct=None, seed_exceeds_100=True, full_pct=None, full_exceeds_100=True)
    seed = 100 * year.redis_spend / spend
    full = 100 * (year.redis_spend + year.embedding_spend) / spend
    return Breakeven(seed_pct=seed, seed_exceeds_100=seed > 100, full_pct=full, full_exceeds_100=full > 100)


def latency(year: Year, llm_ms: float, hit_ms: float) -> Latency:
    """Hits × (LLM latency − hit latency) saved; misses × hit latency added (the lookup comes first)."""
    saved = year.hits * (llm_ms - hit_ms) / MS_PER_HOUR
    added = (year.requests - year.hits) * hit_ms / MS_PER_HOUR
    return Latency(llm_ms=llm_ms, hit_ms=hit_ms, saved_hours=saved, added_hours=added, net_saved_hours=saved - added)


def _year(
    s: Scenario,
    prices: Prices,
    footprint: EntryFootprint,
    requests_per_day: float,
    hit_rate: float,
    distinct_share: float,
) -> Year:
    assert s.embedding_tokens is not None
    requests = requests_per_day * DAYS_PER_YEAR
    hits = requests * hit_rate
    per_request = _cost(prices.chat.input_per_mtok, s.input_tokens) + _cost(
        prices.chat.output_per_mtok, s.output_tokens
    )
    without = requests * per_request
    with_cache = (requests - hits) * per_request
    embedding = requests * _cost(prices.embedding.input_per_mtok, s.embedding_tokens)
    needed = working_set(
        footprint,
        requests_per_day=requests_per_day,
        distinct_share=distinct_share,
        ttl_seconds=s.ttl_seconds,
        headroom=s.headroom,
    )
    sku, count = _sku_for(prices.redis, needed.required_bytes)
    redis = count * annual_cost(prices.redis, sku, ha=s.ha)
    total = with_cache + embedding + redis
    return Year(
        requests_per_day=requests_per_day,
        hit_rate=hit_rate,
        requests=requests,
        hits=hits,
        token_spend_without_cache=without,
        token_spend_with_cache=with_cache,
        embedding_spend=embedding,
        redis_spend=redis,
        total_spend_with_cache=total,
        net_savings=without - total,
        working_set=needed,
        sku=sku,
        sku_count=count,
    )


def _sku_for(table: PriceTable, required_bytes: int) -> tuple[SkuPrice, int]:
    """The smallest SKU that fits, else as many of the largest as it takes."""
    sku = choose_sku(table, required_bytes)
    if sku is not None:
        return sku, 1
    largest = max(table.skus, key=lambda candidate: (candidate.usable_bytes, -candidate.usd_per_node_hour))
    return largest, math.ceil(required_bytes / largest.usable_bytes)


def _cost(per_mtok: float, tokens: int) -> float:
    return per_mtok * tokens / 1_000_000


def _override(price: TokenPrice, input_per_mtok: float | None, output_per_mtok: float | None) -> TokenPrice:
    if input_per_mtok is None and output_per_mtok is None:
        return price
    return replace(
        price,
        input_per_mtok=price.input_per_mtok if input_per_mtok is None else input_per_mtok,
        output_per_mtok=price.output_per_mtok if output_per_mtok is None else output_per_mtok,
        source=f"user override ({price.source} otherwise)",
    )
