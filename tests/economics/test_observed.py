"""Observed mode: calculator inputs from a telemetry summary (pure)."""

from __future__ import annotations

import asyncio
import json

import pytest

from nearhit.config import Settings
from nearhit.economics.observed import from_summary
from nearhit.errors import InvalidInput


def summary(**totals: object) -> dict[str, object]:
    return {"all_time": totals, "priced_as": "gpt-4o"}


def test_means_come_from_the_llm_answers_only() -> None:
    # 10 requests: 3 exact + 2 semantic hits, 5 misses; the misses spent 600 prompt and 1,500 completion tokens
    # → 600 / 5 = 120 in, 1,500 / 5 = 300 out; hit rate 5 / 10 = 0.5.
    observed = from_summary(
        summary(
            cache_requests=10,
            hit_rate=0.5,
            exact_hits=3,
            semantic_hits=2,
            misses=5,
            cache_prompt_tokens=600,
            cache_completion_tokens=1500,
            latency={"raw": {"total_ms": {"p50": 2100.0}}},
        )
    )
    assert (observed.requests, observed.hit_rate) == (10, 0.5)
    assert (observed.input_tokens, observed.output_tokens) == (120, 300)
    assert observed.llm_latency_ms == 2100.0 and observed.model == "gpt-4o"


def test_errors_are_not_llm_answers() -> None:
    # 5 requests: 1 error (no answer), 4 answered by the LLM (2 of them degraded misses) → 40 / 4, 80 / 4
    observed = from_summary(summary(cache_requests=5, hit_rate=0.0, misses=4, degraded=2, errors=1,
                                    cache_prompt_tokens=40, cache_completion_tokens=80))  # fmt: skip
    assert (observed.input_tokens, observed.output_tokens) == (10, 20)
    assert observed.llm_latency_ms is None


@pytest.mark.parametrize(
    ("totals", "message"),
    [({}, "no telemetry yet"), ({"cache_requests": 3, "hit_rate": 1.0, "exact_hits": 3}, "no cache miss yet")],
)
def test_not_enough_telemetry_is_a_clear_error(totals: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        from_summary(summary(**totals))


async def test_calc_observed_reads_the_service_telemetry(settings: Settings) -> None:
    """Two LLM answers and one hit recorded in the real Redis → `nearhit calc --observed` uses them."""
    from click.testing import CliRunner

    from nearhit.cache.keys import KeySpace
    from nearhit.cli import main
    from nearhit.service import bootstrap
    from nearhit.service.telemetry import ColumnRecord, Telemetry

    redis = await bootstrap.connect_redis(settings)
    telemetry = Telemetry(lambda: redis, KeySpace(settings.index_name))
    common = {"column": "cache", "source": "ask", "model": "simulated-gpt-4o", "priced_as": "gpt-4o",
              "simulated": True, "tenant": "t", "cost_usd": 0.0, "cost_saved_usd": 0.0, "total_ms": 5.0}  # fmt: skip
    for outcome, prompt, completion in (("miss", 100, 200), ("miss", 300, 400), ("exact", 0, 0)):
        telemetry.record(
            ColumnRecord(outcome=outcome, prompt_tokens=prompt, completion_tokens=completion, tokens_saved=0, **common)
        )
    await telemetry.flush()
    env = {"REDIS_URL": settings.redis_url or "", "VECTOR_INDEX_NAME": settings.index_name}
    args = ["calc", "--observed", "--output-tokens", "250", "--json"]
    result = await asyncio.to_thread(CliRunner().invoke, main, args, env=env)  # the CLI runs its own loop
    await redis.delete(KeySpace(settings.index_name).telemetry_stream, KeySpace(settings.index_name).telemetry_totals)
    await redis.aclose()
    assert result.exit_code == 0, result.output
    # hit rate 1/3; input mean (100 + 300) / 2 = 200; output 250 as given explicitly (explicit options win)
    assert "observed over 3 requests: hit rate 33.3%, 200 in / 300 out" in result.stderr
    data = json.loads(result.stdout)
    assert data["scenario"]["hit_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert data["scenario"]["input_tokens"] == 200 and data["scenario"]["output_tokens"] == 250
    assert data["scenario"]["model"] == "gpt-4o"


def test_calc_observed_without_telemetry_is_a_clear_error(settings: Settings) -> None:
    from click.testing import CliRunner

    from nearhit.cli import main

    env = {"REDIS_URL": settings.redis_url or "", "VECTOR_INDEX_NAME": settings.index_name}
    result = CliRunner().invoke(main, ["calc", "--observed"], env=env)
    assert result.exit_code == 1 and "no telemetry yet" in result.output
