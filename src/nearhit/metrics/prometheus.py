"""Prometheus metrics: the catalogue's counters and histograms in ``prometheus_client``, plus the index size.

A scrape renders counters held in memory (in files shared by the workers, in multi-process mode); it never
reads the telemetry stream, so it costs the same with 100k events stored as with none. The only Redis call
per scrape is one ``FT.INFO`` for the index size (made by the route).

Multi-process mode: ``nearhit serve --workers N`` sets ``PROMETHEUS_MULTIPROC_DIR`` to a fresh directory
before the workers start (``prometheus_client`` reads it at import), and a scrape of any worker sums all of
them. With one worker the metrics live in this process's registry.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder

from nearhit.metrics.catalogue import CATALOGUE, LATENCY_BUCKETS, REDIS_ERRORS, Metric, measurements

if TYPE_CHECKING:
    from nearhit.service.telemetry import ColumnRecord

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REGISTRY = CollectorRegistry(auto_describe=True)


def _build(metric: Metric) -> Counter | Histogram:
    name = f"nearhit_{metric.name}"
    if metric.kind == "counter":
        return Counter(name, metric.help, metric.labels, registry=REGISTRY)
    return Histogram(name, metric.help, metric.labels, buckets=LATENCY_BUCKETS, registry=REGISTRY)


_INSTRUMENTS = {metric: _build(metric) for metric in CATALOGUE}
INDEX_ENTRIES = Gauge(
    "nearhit_index_entries",
    "Entries in the vector index (read at scrape time)",
    multiprocess_mode="mostrecent",
    registry=REGISTRY,
)


# The child of each (metric, label values) met so far: ``labels()`` validates and locks on every call, a dict
# lookup does not (the label values are few: columns, outcomes, guard names, Redis operations).
_BOUND: dict[tuple[Metric, tuple[str, ...]], Counter | Histogram] = {}


def _apply(metric: Metric, labels: tuple[str, ...], amount: float) -> None:
    target = _BOUND.get((metric, labels))
    if target is None:
        instrument = _INSTRUMENTS[metric]
        target = _BOUND[metric, labels] = instrument.labels(*labels) if labels else instrument
    if isinstance(target, Counter):
        target.inc(amount)
    else:
        target.observe(amount)


def observe(record: ColumnRecord) -> None:
    """Count one column answer. Pure memory (or an mmap'd file): cheap enough for every request."""
    for metric, labels, amount in measurements(record):
        _apply(metric, labels, amount)


def redis_error(operation: str) -> None:
    _apply(REDIS_ERRORS, (operation,), 1)


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
