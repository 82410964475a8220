"""The cost model against hand-computed years (the arithmetic is in the comments)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from nearhit.economics import Scenario, TokenPrice, estimate, load_price_table, resolve_prices
from nearhit.economics.estimate import Estimate
from nearhit.errors import InvalidInput

# The arithmetic is tested against these prices, not against genai-prices' current ones (which change with
# the package): USD per 1M tokens, in and out.
PRICE_TABLE = {
    "gpt-4o": (2.5, 10.0),
    "gpt-4o-mini": (0.15, 0.60),
    "text-embedding-3-small": (0.02, 0.0),
    "local": (0.0, 0.0),
}
TABLE_SOURCE = "the tests' price table"


def table_chat_price(model: str, input_tokens: int, output_tokens: int, as_of: date | None) -> TokenPrice:
    inp, out = PRICE_TABLE[model]
    return TokenPrice(model, "test", inp, out, TABLE_SOURCE, "2026-01-01")


def table_embedding_price(model: str, tokens: int, as_of: date | None) -> TokenPrice:
    return table_chat_price(model, tokens, 0, as_of)


def run(**kwargs: object) -> Estimate:
    args: dict[str, object] = {"requests_per_day": 100_000, "input_tokens": 500, "output_tokens": 300, "hit_rate": 0.3}
    scenario = Scenario(**(args | kwargs))  # type: ignore[arg-type]
    prices = resolve_prices(scenario, chat_prices=table_chat_price, embedding_prices=table_embedding_price)
    return estimate(scenario, prices)


def test_readme_example_gpt_4o_by_hand() -> None:
    e = run()
    a = e.annual
    # gpt-4o: $2.50 in / $10.00 out per 1M tokens (PRICE_TABLE)
    # per request: 500 × 2.5/1e6 + 300 × 10/1e6 = 0.00125 + 0.003 = $0.00425
    # a year: 100,000 × 365 = 36,500,000 requests × 0.00425 = $155,125
    assert a.requests == 36_500_000
    assert a.token_spend_without_cache == pytest.approx(155_125)
    # misses only: 0.7 × 155,125 = 108,587.50
    assert a.token_spend_with_cache == pytest.approx(108_587.50)
    assert a.embedding_spend == 0  # local embedder
    # 70,000 entries × 8,820 B × 1.25 = 0.772 GB → B1 (1 GB × 0.8 = 0.8 GB usable), $0.032/h list
    # HA: 0.032 × 8,760 h × 2 nodes = $560.64
    assert a.sku.name == "B1" and a.sku.kind == "list"
    assert a.redis_spend == pytest.approx(560.64)
    # net: 155,125 − 108,587.50 − 0 − 560.64 = 45,976.86
    assert a.net_savings == pytest.approx(45_976.86)
    # seed breakeven: 560.64 / 155,125 × 100 = 0.3614%; no embedding cost: the full one is the same
    assert e.breakeven.seed_pct == pytest.approx(0.361411, rel=1e-5)
    assert e.breakeven.full_pct == pytest.approx(e.breakeven.seed_pct)
    assert not e.breakeven.seed_exceeds_100
    # latency: 10,950,000 hits × (450 + 300/80 s = 4,200 ms − 5 ms) / 3.6e6 = 12,759.79 h saved;
    # 25,550,000 misses × 5 ms / 3.6e6 = 35.49 h added
    assert e.latency.saved_hours == pytest.approx(12_759.7917, rel=1e-6)
    assert e.latency.added_hours == pytest.approx(35.4861, rel=1e-4)


def test_paid_embedder_is_paid_on_hits_and_misses() -> None:
    e = run(embedding_model="text-embedding-3-small")
    # 36,500,000 requests × 500 tokens × $0.02/1M = $365, whatever the hit rate
    assert e.annual.embedding_spend == pytest.approx(365)
    assert e.scenario.dim == 1536
    # full breakeven: (Redis + 365) / 155,125 × 100
    expected = (e.annual.redis_spend + 365) / 155_125 * 100
    assert e.breakeven.full_pct == pytest.approx(expected)
    assert all(point.embedding_spend == pytest.approx(365) for point in e.curve)


def test_hit_rate_zero_only_costs_money() -> None:
    e = run(hit_rate=0.0)
    assert e.annual.token_spend_with_cache == pytest.approx(e.annual.token_spend_without_cache)
    assert e.annual.net_savings == pytest.approx(-e.annual.redis_spend)
    assert e.latency.saved_hours == 0


def test_hit_rate_one_pays_no_tokens() -> None:
    e = run(hit_rate=1.0)
    assert e.annual.token_spend_with_cache == 0
    assert e.annual.working_set.entries == 0  # distinct share defaults to the miss rate: 0
    assert e.annual.sku.name == "B0"  # the smallest SKU still runs: 0.016 × 8,760 × 2 = 280.32
    assert e.annual.net_savings == pytest.approx(155_125 - 280.32)


def test_no_ha_halves_redis() -> None:
    ha, single = run(), run(ha=False)
    assert single.annual.redis_spend == pytest.approx(ha.annual.redis_spend / 2)  # 0.032 × 8,760 = 280.32
    assert single.annual.redis_spend == pytest.approx(280.32)


def test_seed_breakeven_is_flagged_above_100_percent() -> None:
    # a tiny, cheap workload: 10 requests/day of gpt-4o-mini, 10 in / 10 out tokens
    # tokens: 3,650 × (10 × 0.15 + 10 × 0.60)/1e6 = $0.027375 a year; Redis B0 HA $280.32
    e = run(model="gpt-4o-mini", requests_per_day=10, input_tokens=10, output_tokens=10)
    assert e.annual.token_spend_without_cache == pytest.approx(0.027375)
    assert e.breakeven.seed_pct == pytest.approx(280.32 / 0.027375 * 100)
    assert e.breakeven.seed_exceeds_100 and e.breakeven.full_exceeds_100


def test_free_tokens_have_no_breakeven() -> None:
    e = run(input_price_per_mtok=0.0, output_price_per_mtok=0.0)
    assert e.breakeven.seed_pct is None and e.breakeven.seed_exceeds_100
    assert e.prices.chat.source.startswith("user override")


def test_overrides_replace_prices() -> None:
    e = run(input_price_per_mtok=1.0, output_price_per_mtok=2.0, redis_price_per_node_hour=1.0)
    # 36,500,000 × (500 × 1 + 300 × 2)/1e6 = 36,500,000 × 0.0011 = 40,150
    assert e.annual.token_spend_without_cache == pytest.approx(40_150)
    # B1 still (memory decides), at $1/h: 1 × 8,760 × 2 = 17,520
    assert e.annual.redis_spend == pytest.approx(17_520)
    assert e.annual.sku.kind == "override"


def test_curve_runs_from_zero_to_one_and_savings_grow() -> None:
    curve = run(embedding_model="text-embedding-3-small", distinct_share=0.5).curve
    assert [p.hit_rate for p in curve] == pytest.approx([i / 20 for i in range(21)])
    savings = [p.net_savings for p in curve]
    assert savings == sorted(savings)  # a fixed distinct share: Redis does not change with the hit rate
    # each step of 5% saves 5% of the no-cache spend: 0.05 × 155,125 = 7,756.25
    assert savings[1] - savings[0] == pytest.approx(7_756.25)


def test_projection_grows_traffic_and_resizes_redis() -> None:
    e = run(yearly_growth=1.0, years=3, ttl_seconds=7 * 86_400)
    days = [y.requests_per_day for y in e.projection]
    assert days == [100_000, 200_000, 400_000]
    # a week of 70,000 new entries a day: 490,000 × 8,820 B × 1.25 = 5.40 GB > B5's 4.8 GB usable;
    # at 12 GB (9.6 usable) M10 ($0.308/h) is cheaper than B10 ($0.312/h)
    assert e.projection[0].sku.name == "M10"
    sizes = [y.working_set.required_bytes for y in e.projection]
    assert sizes[1] == pytest.approx(2 * sizes[0], rel=1e-6)


def test_working_set_beyond_the_table_takes_several_of_the_largest() -> None:
    # 1e9 requests/day × 1.0 distinct × 1 day × ~20 KB (1536-d) ≈ 20 TB → many 120 GB SKUs
    e = run(requests_per_day=1e9, distinct_share=1.0, embedding_model="text-embedding-3-small")
    assert e.annual.sku.advertised_gb == 120
    assert e.annual.sku_count == -(-e.annual.working_set.required_bytes // e.annual.sku.usable_bytes)


def test_dates_and_sources_travel_with_prices() -> None:
    e = run()
    assert e.prices.chat.source == TABLE_SOURCE and e.prices.chat.as_of == "2026-01-01"
    assert e.prices.redis.as_of == "2026-08-01"
    assert e.annual.sku.source


def test_the_bundled_price_source_answers() -> None:
    """Without a table of its own, the estimate prices tokens from genai-prices (whatever today's figures)."""
    scenario = Scenario(
        requests_per_day=1000,
        input_tokens=500,
        output_tokens=300,
        hit_rate=0.3,
        embedding_model="text-embedding-3-small",
    )
    prices = resolve_prices(scenario)
    assert prices.chat.source.startswith("genai-prices ") and prices.embedding.source.startswith("genai-prices ")
    assert prices.chat.input_per_mtok > 0 and prices.chat.output_per_mtok > 0 and prices.embedding.input_per_mtok > 0
    assert estimate(scenario, prices).annual.token_spend_without_cache > 0


def test_custom_redis_table(tmp_path: Path) -> None:
    table = {
        "name": "mine", "as_of": "2026-12-01", "bytes_per_gb": 1_000_000_000, "usable_fraction": 0.5,
        "hours_per_year": 8760, "nodes_with_ha": 3,
        "skus": [{"name": "S1", "tier": "t", "advertised_gb": 10, "vector_search": True}],
        "regions": {"here": {"S1": {"usd_per_node_hour": 1, "kind": "list", "source": "me"}}},
    }  # fmt: skip
    path = tmp_path / "table.json"
    path.write_text(json.dumps(table))
    scenario = Scenario(requests_per_day=1000, input_tokens=10, output_tokens=10, hit_rate=0.5, region="here")
    e = estimate(scenario, resolve_prices(scenario, path))
    assert e.annual.redis_spend == pytest.approx(1 * 8760 * 3)
    path.write_text("{}")
    with pytest.raises(InvalidInput, match="malformed Redis price table"):
        load_price_table("here", path)
