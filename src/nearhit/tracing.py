"""OpenTelemetry traces: a span per request and per cache/LLM stage, when an exporter is configured.

Tracing is on when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set, which
exports over OTLP/HTTP, and/or when ``APPLICATIONINSIGHTS_CONNECTION_STRING`` is set, which exports to Azure
Monitor. ``OTEL_SDK_DISABLED=true`` turns it off whatever else is set. Otherwise it is off and costs nothing:
the OpenTelemetry packages are not imported, :func:`span` hands back one shared no-op object and
:func:`traced_stream` returns the stream it was given. The exporters come with ``pip install 'nearhit[otel]'``.

The spans:

- ``HTTP <method> <route>`` (server kind): one per request, for the whole response, streams included;
  a W3C ``traceparent`` header from the caller makes it a child of the caller's trace.
- ``cache.lookup``: ``nearhit.cache.match`` (``exact``, ``semantic`` or ``miss``), ``nearhit.cache.similarity``,
  ``nearhit.cache.threshold``; its children ``cache.exact``, ``cache.embed``, ``cache.knn``, ``cache.guards``
  (the stages that ran) carry the match and similarity decided at that stage.
- ``llm.stream``: provider, model, column, time to the first chunk, tokens, finish reason.
- ``cache.store``: the background write of a new answer.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Tracer
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

T = TypeVar("T")
AttributeValue = str | bool | int | float
_PREFIX = "nearhit."

_tracer: Tracer | None = None
_provider: TracerProvider | None = None


class SpanLike(Protocol):
    """What callers may do with the object :func:`span` yields (an OpenTelemetry span, or a no-op)."""

    def set_attribute(self, key: str, value: Any) -> Any: ...

    def add_event(self, name: str, attributes: Any = None, timestamp: int | None = None) -> Any: ...

    def is_recording(self) -> bool: ...


class _NoopSpan:
    __slots__ = ()

    def set_attribute(self, key: str, value: Any) -> None:
        return None

    def add_event(self, name: str, attributes: Any = None, timestamp: int | None = None) -> None:
        return None

    def is_recording(self) -> bool:
        return False

    def __enter__(self) -> _NoopSpan:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


_NOOP = _NoopSpan()


def enabled() -> bool:
    """True when spans are being recorded and exported."""
    return _tracer is not None


def wanted(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment asks for tracing (an OTLP endpoint or an Application Insights connection)."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return bool(
        env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or env.get("APPLICATIONINSIGHTS_CONNECTION_STRING")
    )


def configure(environ: Mapping[str, str] | None = None) -> bool:
    """Turn tracing on if the environment asks for it; returns whether it is on. Safe to call twice.

    A missing package or a bad connection string is logged once and leaves tracing off: telemetry must never
    keep the service from starting.
    """
    if _tracer is not None:
        return True
    env = os.environ if environ is None else environ
    if not wanted(env):
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning("tracing is configured but OpenTelemetry is not installed: pip install 'nearhit[otel]'")
        return False
    from nearhit import __version__

    resource = Resource.create(
        {"service.name": env.get("OTEL_SERVICE_NAME") or "nearhit", "service.version": __version__}
    )
    provider = TracerProvider(resource=resource)
    exporters: list[str] = []
    if env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # reads OTEL_EXPORTER_OTLP_*
            exporters.append("otlp")
        except ImportError:
            log.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but the OTLP exporter is not installed")
    connection = env.get("APPLICATIONINSIGHTS_CONNECTION_STRING")
    if connection:
        try:
            from azure.monitor.opentelemetry.exporter import AzureMonitorTraceExporter

            azure = AzureMonitorTraceExporter.from_connection_string(connection)
            provider.add_span_processor(BatchSpanProcessor(azure))
            exporters.append("azure-monitor")
        except ImportError:
            log.warning("APPLICATIONINSIGHTS_CONNECTION_STRING is set but azure-monitor-opentelemetry-exporter is not")
        except ValueError as exc:
            log.warning("APPLICATIONINSIGHTS_CONNECTION_STRING is not usable: %s", exc)
    if not exporters:
        provider.shutdown()
        return False
    trace.set_tracer_provider(provider)
    install(provider)
    log.info("tracing on: exporting spans to %s", " and ".join(exporters))
    return True


def install(provider: TracerProvider) -> None:
    """Record spans with ``provider`` (``configure`` calls this; tests pass one with an in-memory exporter)."""
    global _tracer, _provider
    from nearhit import __version__

    _provider = provider
    _tracer = provider.get_tracer("nearhit", __version__)


def shutdown() -> None:
    """Flush and stop the exporters (on process exit), and turn tracing off."""
    global _tracer, _provider
    provider, _provider, _tracer = _provider, None, None
    if provider is not None:
        provider.shutdown()


def span(name: str, **attributes: AttributeValue | None) -> AbstractContextManager[SpanLike]:
    """A span around a block, made the current one so that spans inside it are its children.

    Off: one shared no-op object, no allocation. ``None`` attribute values are left out; names without a dot
    get the ``nearhit.`` prefix (``match`` -> ``nearhit.match``).
    """
    if _tracer is None:
        return _NOOP
    return _tracer.start_as_current_span(name, attributes=_attributes(attributes))


def set_attributes(target: SpanLike, **attributes: AttributeValue | None) -> None:
    """Set attributes on a span from :func:`span` (nothing when tracing is off)."""
    if _tracer is None or not target.is_recording():
        return
    for key, value in _attributes(attributes).items():
        target.set_attribute(key, value)


def traced_stream(name: str, events: AsyncIterator[T], **attributes: AttributeValue | None) -> AsyncIterator[T]:
    """``events`` inside a span that lasts until the stream ends. Off: ``events`` itself, untouched.

    The span is not made current (a stream is resumed across awaits and tasks); it records the time to the
    first event and, from an event that has them (the LLM's ``StreamEnd``), ``finish_reason`` and ``usage``.
    """
    if _tracer is None:
        return events
    return _traced(_tracer, name, events, _attributes(attributes))


async def _traced(
    tracer: Tracer, name: str, events: AsyncIterator[T], attributes: dict[str, AttributeValue]
) -> AsyncIterator[T]:
    from opentelemetry.trace import Status, StatusCode

    started = time.perf_counter()
    current = tracer.start_span(name, attributes=attributes)
    count = 0
    try:
        async for event in events:
            if count == 0:
                current.set_attribute(_PREFIX + "ttft_ms", round((time.perf_counter() - started) * 1000, 3))
            count += 1
            finish = getattr(event, "finish_reason", None)
            if isinstance(finish, str):
                current.set_attribute("gen_ai.response.finish_reasons", [finish])
                usage = getattr(event, "usage", None)
                for field in ("prompt_tokens", "completion_tokens"):
                    value = getattr(usage, field, None)
                    if isinstance(value, int):
                        key = "input_tokens" if field == "prompt_tokens" else "output_tokens"
                        current.set_attribute(f"gen_ai.usage.{key}", value)
            yield event
    except BaseException as exc:
        if not isinstance(exc, GeneratorExit):
            current.record_exception(exc)
            current.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        current.set_attribute(_PREFIX + "events", count)
        current.end()


def _attributes(attributes: Mapping[str, AttributeValue | None]) -> dict[str, AttributeValue]:
    result: dict[str, AttributeValue] = {}
    for key, value in attributes.items():
        if value is None:
            continue
        name = key if "." in key else _PREFIX + key
        result[name] = value
    return result


class RequestSpans:
    """ASGI middleware: one server span per HTTP request, ended when the response (or stream) is done.

    Added by the app only when tracing is on.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tracer = _tracer
        if scope["type"] != "http" or tracer is None:
            await self.app(scope, receive, send)
            return
        from opentelemetry import propagate
        from opentelemetry.trace import SpanKind, Status, StatusCode

        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        parent = propagate.extract(headers)
        method = scope.get("method", "GET")
        attributes = {"http.request.method": method, "url.path": scope.get("path", "")}
        with tracer.start_as_current_span(
            f"HTTP {method}", context=parent, kind=SpanKind.SERVER, attributes=attributes
        ) as current:
            status = 500

            async def send_and_watch(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    current.set_attribute("http.response.status_code", status)
                await send(message)

            try:
                await self.app(scope, receive, send_and_watch)
            finally:
                route = getattr(scope.get("route"), "path", None)
                if isinstance(route, str):
                    current.set_attribute("http.route", route)
                    current.update_name(f"HTTP {method} {route}")
                if status >= 500:
                    current.set_status(Status(StatusCode.ERROR))
