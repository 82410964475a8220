"""OpenTelemetry spans: off and free by default; with a provider, a span per request and per cache/LLM stage."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from nearhit import tracing
from nearhit.cache import Scope, SemanticCache
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service.runtime import Runtime
from tests.support.live import fast_llm, serve
from tests.support.sse import ask_stream
from tests.support.waiting import eventually


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on, into memory, for one test."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.shutdown()


def named(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name]


def attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


# --- off ------------------------------------------------------------------------------------------------


def test_off_by_default_costs_nothing() -> None:
    assert not tracing.enabled()
    first, second = tracing.span("a", x=1), tracing.span("b")
    assert first is second  # one shared no-op object: nothing allocated per call
    with first as current:
        tracing.set_attributes(current, match="exact")
        assert not current.is_recording()

    async def events() -> Any:
        yield 1

    stream = events()
    assert tracing.traced_stream("llm.stream", stream) is stream  # the stream itself, not a wrapper


def test_off_imports_no_sdk() -> None:
    """Without an exporter configured, starting the app imports neither the tracing SDK nor an exporter.

    (redis-py imports parts of ``opentelemetry.sdk`` for its own metrics when the package is installed: not
    ours to control, and not the tracer.)"""
    code = (
        "import os, sys\n"
        "for k in ('OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',"
        " 'APPLICATIONINSIGHTS_CONNECTION_STRING'): os.environ.pop(k, None)\n"
        "from nearhit import tracing\n"
        "from nearhit.api.app import create_app\n"
        "assert tracing.configure() is False\n"
        "create_app()\n"
        "ours = ('opentelemetry.sdk.trace', 'opentelemetry.exporter', 'azure.monitor')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(ours))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=x"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}, False),
    ],
)
def test_wanted_from_the_environment(environ: dict[str, str], wanted: bool) -> None:
    assert tracing.wanted(environ) is wanted


def test_configure_picks_the_exporters(monkeypatch: pytest.MonkeyPatch) -> None:
    """OTLP for an OTLP endpoint, Azure Monitor for a connection string; nothing is exported here."""
    monkeypatch.setenv("APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL", "true")  # no calls home from the exporter
    environ = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9/",
        "APPLICATIONINSIGHTS_CONNECTION_STRING": (
            "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/"
        ),
        "OTEL_SERVICE_NAME": "nearhit-test",
    }
    try:
        assert tracing.configure(environ) is True
        assert tracing.enabled()
        provider = tracing._provider
        assert provider is not None
        assert provider.resource.attributes["service.name"] == "nearhit-test"
        exporters = {
            type(processor.span_exporter).__name__  # type: ignore[attr-defined]
            for processor in provider._active_span_processor._span_processors
        }
        assert exporters == {"OTLPSpanExporter", "AzureMonitorTraceExporter"}
    finally:
        tracing.shutdown()
    assert not tracing.enabled()


def test_span_attributes_are_prefixed_and_none_dropped(spans: InMemorySpanExporter) -> None:
    with tracing.span("work", match="semantic", similarity=0.93, rejected_by=None) as current:
        tracing.set_attributes(current, **{"gen_ai.usage.output_tokens": 7})
    (span,) = named(spans, "work")
    assert attrs(span) == {"nearhit.match": "semantic", "nearhit.similarity": 0.93, "gen_ai.usage.output_tokens": 7}


# --- the engine's stages ----------------------------------------------------------------------------------


async def test_lookup_spans_per_stage(spans: InMemorySpanExporter, cache: SemanticCache) -> None:
    scope = Scope.build(model="gpt-4o", tenant="t")
    await cache.store("What is the capital of France?", "Paris.", scope)

    exact = await cache.lookup("what is the capital of france", scope)
    semantic = await cache.lookup("Tell me the capital city of France", scope, threshold=0.5)
    miss = await cache.lookup("How do I bake sourdough bread?", scope, threshold=0.99)
    assert (exact.match, semantic.match, miss.match) == ("exact", "semantic", None)

    lookups = named(spans, "cache.lookup")
    assert [attrs(s)["nearhit.match"] for s in lookups] == ["exact", "semantic", "miss"]
    assert attrs(lookups[0])["nearhit.similarity"] == 1.0
    assert attrs(lookups[1])["nearhit.similarity"] == pytest.approx(semantic.similarity)
    assert attrs(lookups[1])["nearhit.threshold"] == 0.5
    assert attrs(lookups[0])["nearhit.tenant"] == "t"

    # An exact hit stops after the first stage; the others run all four, each a child of its lookup.
    children: dict[int, list[str]] = {}
    for span in spans.get_finished_spans():
        if span.parent is not None:
            children.setdefault(span.parent.span_id, []).append(span.name)
    assert children[lookups[0].context.span_id] == ["cache.exact"]
    for lookup in lookups[1:]:
        assert children[lookup.context.span_id] == ["cache.exact", "cache.embed", "cache.knn", "cache.guards"]

    guards = named(spans, "cache.guards")
    assert attrs(guards[0])["nearhit.match"] == "semantic"
    assert attrs(guards[0])["nearhit.similarity"] == pytest.approx(semantic.similarity)
    assert attrs(guards[1])["nearhit.match"] == "miss"
    assert attrs(named(spans, "cache.exact")[0]) == {"nearhit.match": "exact", "nearhit.similarity": 1.0}
    assert attrs(named(spans, "cache.knn")[0])["nearhit.candidates"] >= 1


# --- a request, end to end ---------------------------------------------------------------------------------


async def test_request_spans_end_to_end(
    spans: InMemorySpanExporter, settings: Settings, local_embedder: LocalEmbedder
) -> None:
    runtime = Runtime(settings, local_embedder, fast_llm())
    body = {"prompt": "What is the capital of Peru?", "tenant": "tracing"}
    async with serve(settings, runtime) as server:
        await ask_stream(server.client, body)
        await eventually(lambda: named(spans, "cache.store"))  # the store's span ends after the stream
        second = await ask_stream(server.client, body)
        health = await server.client.get("/health")
    await runtime.close()
    documents = [data for kind, data in second if kind == "cache_document"]
    assert documents[0]["match"] == "exact"
    assert health.status_code == 200

    requests = named(spans, "HTTP POST /ask/stream")
    assert len(requests) == 2
    first = requests[0]
    assert first.kind.name == "SERVER"
    assert attrs(first)["http.route"] == "/ask/stream"
    assert attrs(first)["http.response.status_code"] == 200
    assert named(spans, "HTTP GET /health")

    # The first request: a miss, then both columns asked the LLM; the answer was stored.
    trace_id = first.context.trace_id
    in_first = [s for s in spans.get_finished_spans() if s.context.trace_id == trace_id]
    lookups = [s for s in in_first if s.name == "cache.lookup"]
    assert [attrs(s)["nearhit.match"] for s in lookups] == ["miss"]
    llm = {attrs(s)["nearhit.column"]: s for s in in_first if s.name == "llm.stream"}
    assert set(llm) == {"raw", "cache"}
    for span in llm.values():
        assert attrs(span)["nearhit.provider"] == runtime.provider.name
        assert attrs(span)["gen_ai.usage.output_tokens"] > 0
        assert attrs(span)["gen_ai.response.finish_reasons"] == ("stop",)
        assert attrs(span)["nearhit.ttft_ms"] >= 0
    assert [s.name for s in in_first if s.name == "cache.store"] == ["cache.store"]

    # The second request: an exact hit and only the raw column's LLM call.
    in_second = [s for s in spans.get_finished_spans() if s.context.trace_id == requests[1].context.trace_id]
    assert [attrs(s)["nearhit.match"] for s in in_second if s.name == "cache.lookup"] == ["exact"]
    assert [attrs(s)["nearhit.column"] for s in in_second if s.name == "llm.stream"] == ["raw"]


async def test_request_joins_the_callers_trace(
    spans: InMemorySpanExporter, settings: Settings, local_embedder: LocalEmbedder
) -> None:
    runtime = Runtime(settings, local_embedder, fast_llm())
    parent_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    async with serve(settings, runtime) as server:
        await server.client.get("/health", headers={"traceparent": f"00-{parent_trace}-00f067aa0ba902b7-01"})
    await runtime.close()
    (span,) = named(spans, "HTTP GET /health")
    assert format(span.context.trace_id, "032x") == parent_trace
