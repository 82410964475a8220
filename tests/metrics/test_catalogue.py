"""What one column record adds to the metrics (pure: no Redis, no server)."""

from __future__ import annotations

from dataclasses import replace

from nearhit.metrics.catalogue import measurements
from nearhit.service.telemetry import ColumnRecord

BASE = ColumnRecord(
    column="cache",
    outcome="miss",
    source="ask",
    model="simulated-gpt-4o",
    priced_as="gpt-4o",
    simulated=True,
    tenant="default",
    prompt_tokens=10,
    completion_tokens=20,
    tokens_saved=0,
    cost_usd=0.001,
    cost_saved_usd=0.0,
    total_ms=800.0,
    ttft_ms=450.0,
    lookup_ms=4.0,
)


def counted(record: ColumnRecord) -> dict[str, float]:
    return {f"{m.name}{list(labels)}": amount for m, labels, amount in measurements(record)}


def test_a_miss_is_a_lookup_and_an_llm_call() -> None:
    assert counted(BASE) == {
        "requests['cache']": 1,
        "answer_seconds['cache']": 0.8,
        "first_chunk_seconds['cache']": 0.45,
        "cost_usd['cache']": 0.001,
        "llm_calls['cache']": 1,
        "lookups['miss']": 1,
        "lookup_seconds['miss']": 0.004,
    }


def test_a_join_is_not_an_llm_call() -> None:
    joined = counted(replace(BASE, joined=True))
    assert "llm_calls['cache']" not in joined and joined["singleflight_joins[]"] == 1


def test_a_hit_saves_and_a_guard_rejection_names_its_guard() -> None:
    hit = counted(replace(BASE, outcome="semantic", cost_usd=0.0, tokens_saved=30, cost_saved_usd=0.002))
    assert hit["lookups['semantic']"] == 1 and hit["tokens_saved[]"] == 30 and hit["cost_saved_usd[]"] == 0.002
    assert "llm_calls['cache']" not in hit
    assert counted(replace(BASE, rejected_by="numbers"))["guard_rejections['numbers']"] == 1


def test_degraded_and_error() -> None:
    degraded = counted(replace(BASE, degraded=True))
    assert degraded["lookups['degraded']"] == 1 and degraded["redis_errors['lookup']"] == 1
    error = counted(replace(BASE, outcome="error"))
    assert error["llm_errors['cache']"] == 1 and not [k for k in error if k.startswith("lookups")]


def test_the_raw_column_is_an_llm_call_and_no_lookup() -> None:
    raw = counted(replace(BASE, column="raw", outcome="llm", lookup_ms=None))
    assert raw["llm_calls['raw']"] == 1 and not [k for k in raw if k.startswith(("lookup", "tokens"))]


def test_a_rewrite_call_is_counted_with_its_time_and_price() -> None:
    assert "rewrites[]" not in counted(BASE)  # none asked, or one kept in Redis
    called = counted(replace(BASE, outcome="semantic", rewrite_ms=250.0, rewrite_cost_usd=0.00008))
    assert called["rewrites[]"] == 1 and called["rewrite_seconds[]"] == 0.25
    assert called["rewrite_cost_usd[]"] == 0.00008


def test_a_check_call_is_counted_with_its_time_and_price() -> None:
    assert "verifies[]" not in counted(BASE)  # none asked, or a verdict kept in Redis
    called = counted(replace(BASE, outcome="semantic", verify_ms=120.0, verify_cost_usd=0.00004))
    assert called["verifies[]"] == 1 and called["verify_seconds[]"] == 0.12
    assert called["verify_cost_usd[]"] == 0.00004
