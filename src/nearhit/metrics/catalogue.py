"""What nearhit counts, declared once, and how one column record turns into measurements.

Each backend (Prometheus, OpenTelemetry) builds its instruments from :data:`CATALOGUE` and applies the
measurements :func:`measurements` derives from a record, so both always count the same things.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from nearhit.service.telemetry import ColumnRecord

Kind = Literal["counter", "histogram"]


@dataclass(frozen=True)
class Metric:
    """One metric: Prometheus calls it ``nearhit_<name>`` (counters get ``_total``), OpenTelemetry
    ``nearhit.<name>`` with ``unit``."""

    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()
    unit: str = "1"


LOOKUPS = Metric(
    "lookups",
    "counter",
    "Cache-column requests by what the cache did: exact, semantic, miss, bypass (no-cache) or degraded "
    "(Redis unusable, answered by the LLM). Requests whose LLM call failed are in llm_errors.",
    ("result",),
)
REQUESTS = Metric(
    "requests", "counter", "Completed column answers (raw = the LLM baseline, cache = nearhit)", ("column",)
)
GUARD_REJECTIONS = Metric(
    "guard_rejections", "counter", "Semantic candidates above the threshold a look-alike guard refused", ("guard",)
)
TOKENS_SAVED = Metric("tokens_saved", "counter", "Prompt + completion tokens not sent to the LLM thanks to hits")
COST_SAVED = Metric(
    "cost_saved_usd", "counter", "LLM spend avoided by hits, priced as the configured model", unit="USD"
)
COST = Metric("cost_usd", "counter", "LLM spend, priced as the configured model", ("column",), unit="USD")
LLM_CALLS = Metric("llm_calls", "counter", "LLM generations started (a single-flight join is not one)", ("column",))
LLM_ERRORS = Metric("llm_errors", "counter", "Answers that ended with an LLM error", ("column",))
FLIGHT_JOINS = Metric(
    "singleflight_joins", "counter", "Misses that joined a generation already running for the same prompt"
)
REDIS_ERRORS = Metric(
    "redis_errors",
    "counter",
    "Redis failures nearhit absorbed: lookup (answered degraded), telemetry (event dropped), scrape",
    ("operation",),
)
REWRITES = Metric(
    "rewrites",
    "counter",
    "Calls to the standalone rewrite model (NEARHIT_REWRITE_MODEL) for conversations that missed, failed ones "
    "too; a rewrite kept in Redis is not one",
)
REWRITE_COST = Metric("rewrite_cost_usd", "counter", "Spend on the standalone rewrite model's calls", unit="USD")
REWRITE_SECONDS = Metric("rewrite_seconds", "histogram", "Time of the standalone rewrite model's calls", (), "s")
VERIFIES = Metric(
    "verifies",
    "counter",
    "Calls to the model that checks a conversation's semantic hit (NEARHIT_VERIFY_MODEL), failed ones too; a "
    "verdict kept in Redis is not one",
)
REWRITES_SKIPPED = Metric(
    "rewrites_skipped",
    "counter",
    "Standalone rewrites not asked because the rewrite model kept failing (the lookup went on without one)",
)
VERIFIES_SKIPPED = Metric(
    "verifies_skipped",
    "counter",
    "Checks of a conversation's semantic hit not asked because the check's model kept failing (the hit refused)",
)
VERIFY_COST = Metric("verify_cost_usd", "counter", "Spend on the check of conversation hits", unit="USD")
VERIFY_SECONDS = Metric("verify_seconds", "histogram", "Time of the check of conversation hits' calls", (), "s")
LOOKUP_SECONDS = Metric(
    "lookup_seconds", "histogram", "Cache lookup time (exact read, embedding, KNN, guards), by result", ("result",), "s"
)
FIRST_CHUNK_SECONDS = Metric(
    "first_chunk_seconds", "histogram", "Time to the first chunk of the answer, by column", ("column",), "s"
)
ANSWER_SECONDS = Metric("answer_seconds", "histogram", "Time to the whole answer, by column", ("column",), "s")

CATALOGUE = (
    LOOKUPS,
    REQUESTS,
    GUARD_REJECTIONS,
    TOKENS_SAVED,
    COST_SAVED,
    COST,
    LLM_CALLS,
    LLM_ERRORS,
    FLIGHT_JOINS,
    REDIS_ERRORS,
    REWRITES,
    REWRITE_COST,
    VERIFIES,
    VERIFY_COST,
    REWRITES_SKIPPED,
    VERIFIES_SKIPPED,
    LOOKUP_SECONDS,
    FIRST_CHUNK_SECONDS,
    ANSWER_SECONDS,
    REWRITE_SECONDS,
    VERIFY_SECONDS,
)
# From a sub-millisecond exact hit to a slow LLM answer.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

Measurement = tuple[Metric, tuple[str, ...], float]
"""A metric, its label values (in the metric's label order) and the amount to add or observe."""


def measurements(record: ColumnRecord) -> Iterator[Measurement]:
    """Everything one column answer adds to the metrics."""
    column = record.column
    yield REQUESTS, (column,), 1
    yield ANSWER_SECONDS, (column,), record.total_ms / 1000
    if record.ttft_ms is not None:
        yield FIRST_CHUNK_SECONDS, (column,), record.ttft_ms / 1000
    if record.cost_usd:
        yield COST, (column,), record.cost_usd
    if record.outcome == "error":
        yield LLM_ERRORS, (column,), 1
    if record.outcome in ("llm", "miss", "bypass", "error") and not record.joined:
        yield LLM_CALLS, (column,), 1
    if column != "cache":
        return
    if record.joined:
        yield FLIGHT_JOINS, (), 1
    if record.degraded:
        yield REDIS_ERRORS, ("lookup",), 1
    if record.outcome != "error":
        result = "degraded" if record.degraded else record.outcome
        yield LOOKUPS, (result,), 1
        if record.lookup_ms is not None:
            yield LOOKUP_SECONDS, (result,), record.lookup_ms / 1000
    if record.rewrite_ms is not None:
        yield REWRITES, (), 1
        yield REWRITE_SECONDS, (), record.rewrite_ms / 1000
        if record.rewrite_cost_usd:
            yield REWRITE_COST, (), record.rewrite_cost_usd
    if record.verify_ms is not None:
        yield VERIFIES, (), 1
        yield VERIFY_SECONDS, (), record.verify_ms / 1000
        if record.verify_cost_usd:
            yield VERIFY_COST, (), record.verify_cost_usd
    if record.rewrite_skipped:
        yield REWRITES_SKIPPED, (), 1
    if record.verify_skipped:
        yield VERIFIES_SKIPPED, (), 1
    if record.rejected_by:
        yield GUARD_REJECTIONS, (record.rejected_by,), 1
    if record.tokens_saved:
        yield TOKENS_SAVED, (), record.tokens_saved
    if record.cost_saved_usd:
        yield COST_SAVED, (), record.cost_saved_usd
