"""OpenTelemetry metrics over OTLP/HTTP, when an OTLP endpoint is configured (the same switch as traces).

On when ``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`` is set, unless
``OTEL_SDK_DISABLED=true`` or ``OTEL_METRICS_EXPORTER=none``; exported every ``OTEL_METRIC_EXPORT_INTERVAL``
ms (SDK default 60 s) and once more at exit. The instruments are the catalogue's (``nearhit.lookups``,
``nearhit.lookup_seconds``, ...), so a dashboard reads the same names as Prometheus's with dots. Off, it
imports nothing and :func:`observe` returns at once. Needs ``pip install 'nearhit[otel]'``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from nearhit.metrics.catalogue import CATALOGUE, LATENCY_BUCKETS, REDIS_ERRORS, Metric, measurements

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider

    from nearhit.service.telemetry import ColumnRecord

log = logging.getLogger(__name__)

_instruments: dict[Metric, Any] | None = None
_provider: MeterProvider | None = None


def wanted(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_METRICS_EXPORTER", "").strip().lower() == "none":
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"))


def configure(environ: Mapping[str, str] | None = None) -> bool:
    """Export metrics if the environment asks for it; returns whether they are exported. Safe to call twice;
    a missing package is logged and leaves them off (metrics never keep the service from starting)."""
    if _instruments is not None:
        return True
    if not wanted(environ):
        return False
    try:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import Resource
    except ImportError:
        log.warning("OTLP metrics are configured but OpenTelemetry is not installed: pip install 'nearhit[otel]'")
        return False
    from nearhit import __version__

    env = os.environ if environ is None else environ
    resource = Resource.create(
        {"service.name": env.get("OTEL_SERVICE_NAME") or "nearhit", "service.version": __version__}
    )
    reader = PeriodicExportingMetricReader(OTLPMetricExporter())  # reads OTEL_EXPORTER_OTLP_*
    install(MeterProvider(resource=resource, metric_readers=[reader]))
    log.info("metrics on: exporting to OTLP every %s ms", env.get("OTEL_METRIC_EXPORT_INTERVAL", "60000"))
    return True


def install(provider: MeterProvider) -> None:
    """Record into ``provider`` (``configure`` calls this; tests pass one with an in-memory reader)."""
    global _instruments, _provider
    from nearhit import __version__

    meter = provider.get_meter("nearhit", __version__)
    instruments: dict[Metric, Any] = {}
    for metric in CATALOGUE:
        name = f"nearhit.{metric.name}"
        if metric.kind == "counter":
            instruments[metric] = meter.create_counter(name, unit=metric.unit, description=metric.help)
        else:
            instruments[metric] = meter.create_histogram(
                name,
                unit=metric.unit,
                description=metric.help,
                explicit_bucket_boundaries_advisory=list(LATENCY_BUCKETS),
            )
    _provider, _instruments = provider, instruments


def shutdown() -> None:
    """Export what is pending and stop."""
    global _instruments, _provider
    provider, _provider, _instruments = _provider, None, None
    if provider is not None:
        provider.shutdown()


def observe(record: ColumnRecord) -> None:
    if _instruments is None:
        return
    for metric, labels, amount in measurements(record):
        _apply(_instruments, metric, labels, amount)


def redis_error(operation: str) -> None:
    if _instruments is not None:
        _apply(_instruments, REDIS_ERRORS, (operation,), 1)


def _apply(instruments: dict[Metric, Any], metric: Metric, labels: tuple[str, ...], amount: float) -> None:
    attributes = dict(zip(metric.labels, labels, strict=True))
    if metric.kind == "counter":
        instruments[metric].add(amount, attributes)
    else:
        instruments[metric].record(amount, attributes)
