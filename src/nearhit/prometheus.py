"""Prometheus metrics, fed from the one place column records are made (``Telemetry.record``).

A scrape renders counters held in memory (in files shared by the workers, in multi-process mode); it never
reads the telemetry stream, so it costs the same with 100k events stored as with none. The only Redis call
per scrape is one ``FT.INFO`` for the index size.

Multi-process mode: ``nearhit serve --workers N`` sets ``PROMETHEUS_MULTIPROC_DIR`` to a fresh directory
before the workers start (``prometheus_client`` reads it at import), and a scrape of any worker sums all of
them. With one worker the metrics live in this process's registry.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder

if TYPE_CHECKING:
    from nearhit.telemetry import ColumnRecord

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# From a sub-millisecond exact hit to a slow LLM answer.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REGISTRY = CollectorRegistry(auto_describe=True)

LOOKUPS = Counter(
    "nearhit_lookups",
    "Cache-column requests by what the cache did: exact, semantic, miss, bypass (no-cache) or degraded "
    "(Redis unusable, answered by the LLM). Requests whose LLM call failed are in nearhit_llm_errors.",
    ["result"],
    registry=REGISTRY,
)
REQUESTS = Counter(
    "nearhit_requests",
    "Completed column answers (raw = the LLM baseline, cache = through nearhit)",
    ["column"],
    registry=REGISTRY,
)
GUARD_REJECTIONS = Counter(
    "nearhit_guard_rejections",
    "Semantic candidates above the threshold that a look-alike guard refused, by the guard that refused",
    ["guard"],
    registry=REGISTRY,
)
TOKENS_SAVED = Counter(
    "nearhit_tokens_saved", "Prompt + completion tokens not sent to the LLM thanks to cache hits", registry=REGISTRY
)
COST_SAVED = Counter(
    "nearhit_cost_saved_usd", "LLM spend avoided by cache hits, priced as the configured model", registry=REGISTRY
)
COST = Counter("nearhit_cost_usd", "LLM spend, priced as the configured model", ["column"], registry=REGISTRY)
LLM_CALLS = Counter(
    "nearhit_llm_calls", "LLM generations started (a single-flight join is not one)", ["column"], registry=REGISTRY
)
LLM_ERRORS = Counter("nearhit_llm_errors", "Answers that ended with an LLM error", ["column"], registry=REGISTRY)
FLIGHT_JOINS = Counter(
    "nearhit_singleflight_joins",
    "Cache misses that joined a generation already running for the same prompt instead of starting one",
    registry=REGISTRY,
)
REDIS_ERRORS = Counter(
    "nearhit_redis_errors",
    "Redis failures that nearhit absorbed: lookup (request answered degraded) or telemetry (event dropped)",
    ["operation"],
    registry=REGISTRY,
)
LOOKUP_SECONDS = Histogram(
    "nearhit_lookup_seconds",
    "Cache lookup time (exact read, embedding, KNN, guards), by result",
    ["result"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
FIRST_CHUNK_SECONDS = Histogram(
    "nearhit_first_chunk_seconds",
    "Time to the first chunk of the answer, by column",
    ["column"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
ANSWER_SECONDS = Histogram(
    "nearhit_answer_seconds",
    "Time to the whole answer, by column",
    ["column"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
INDEX_ENTRIES = Gauge(
    "nearhit_index_entries",
    "Entries in the vector index (read at scrape time)",
    multiprocess_mode="mostrecent",
    registry=REGISTRY,
)


def observe(record: ColumnRecord) -> None:
    """Count one column answer. Pure memory (or an mmap'd file): cheap enough for every request."""
    column = record.column
    REQUESTS.labels(column).inc()
    ANSWER_SECONDS.labels(column).observe(record.total_ms / 1000)
    if record.ttft_ms is not None:
        FIRST_CHUNK_SECONDS.labels(column).observe(record.ttft_ms / 1000)
    if record.cost_usd:
        COST.labels(column).inc(record.cost_usd)
    if record.outcome == "error":
        LLM_ERRORS.labels(column).inc()
    if record.outcome in ("llm", "miss", "bypass", "error") and not record.joined:
        LLM_CALLS.labels(column).inc()
    if column != "cache":
        return
    if record.joined:
        FLIGHT_JOINS.inc()
    if record.degraded:
        REDIS_ERRORS.labels("lookup").inc()
    if record.outcome != "error":
        result = "degraded" if record.degraded else record.outcome
        LOOKUPS.labels(result).inc()
        if record.lookup_ms is not None:
            LOOKUP_SECONDS.labels(result).observe(record.lookup_ms / 1000)
    if record.rejected_by:
        GUARD_REJECTIONS.labels(record.rejected_by).inc()
    if record.tokens_saved:
        TOKENS_SAVED.inc(record.tokens_saved)
    if record.cost_saved_usd:
        COST_SAVED.inc(record.cost_saved_usd)


def redis_error(operation: str) -> None:
    REDIS_ERRORS.labels(operation).inc()


def render(accept: str | None, *, index_entries: int | None = None) -> tuple[bytes, str]:
    """The exposition the ``Accept`` header asks for (OpenMetrics, else the 0.0.4 text format) and its type."""
    if index_entries is not None:
        INDEX_ENTRIES.set(index_entries)
    encoder, content_type = choose_encoder(accept or "")
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return encoder(registry), content_type
    return encoder(REGISTRY), content_type


def wants_prometheus(accept: str | None) -> bool:
    """True for a Prometheus scraper (text/plain or OpenMetrics, without asking for JSON)."""
    accept = (accept or "").lower()
    if "application/json" in accept:
        return False
    return "application/openmetrics-text" in accept or "text/plain" in accept
