"""Metrics for monitoring systems, fed from the one place column records are made (``Telemetry.record``).

Prometheus (:mod:`nearhit.metrics.prometheus`) is always on: counters in memory, scraped at ``/metrics``.
OpenTelemetry metrics (:mod:`nearhit.metrics.otel`) are exported over OTLP only when configured, like the
traces. Both count the same things under the same names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nearhit.metrics import otel, prometheus

if TYPE_CHECKING:
    from nearhit.service.telemetry import ColumnRecord

__all__ = ["observe", "redis_error"]


def observe(record: ColumnRecord) -> None:
    """Count one column answer in every metrics backend that is on."""
    prometheus.observe(record)
    otel.observe(record)


def redis_error(operation: str) -> None:
    """Count a Redis failure nearhit absorbed (``lookup``, ``telemetry``, ``scrape``)."""
    prometheus.redis_error(operation)
    otel.redis_error(operation)
