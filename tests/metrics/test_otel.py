"""OpenTelemetry metrics: off by default; with an OTLP endpoint, exported over real OTLP/HTTP to a receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from nearhit.metrics import otel
from tests.support.live import LiveServer


class Receiver(ThreadingHTTPServer):
    """An OTLP/HTTP endpoint on loopback that keeps every metrics export it is sent."""

    def __init__(self) -> None:
        self.exports: list[ExportMetricsServiceRequest] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/v1/metrics":
                    request = ExportMetricsServiceRequest()
                    request.ParseFromString(body)
                    receiver.exports.append(request)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    def points(self, name: str) -> list[Any]:
        found = []
        for export in self.exports:
            for resource in export.resource_metrics:
                for scope in resource.scope_metrics:
                    for metric in scope.metrics:
                        if metric.name == name:
                            data = metric.sum if metric.HasField("sum") else metric.histogram
                            found.extend(data.data_points)
        return found


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield server
    finally:
        otel.shutdown()
        server.shutdown()


def attributes(point: Any) -> dict[str, str]:
    return {kv.key: kv.value.string_value for kv in point.attributes}


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://collector:4318/v1/metrics"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_METRICS_EXPORTER": "none"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}, False),
        ({"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=x"}, False),  # traces only
    ],
)
def test_wanted_only_with_an_otlp_endpoint(environ: dict[str, str], wanted: bool) -> None:
    assert otel.wanted(environ) is wanted


def test_off_by_default() -> None:
    assert otel.configure({}) is False and otel._instruments is None


async def test_a_served_answer_reaches_the_collector(receiver: Receiver, live: LiveServer) -> None:
    assert otel.configure() is True
    response = await live.client.post("/ask", json={"prompt": "Is OTLP on?", "include_raw": False})
    assert response.status_code == 200, response.text
    assert otel._provider is not None and otel._provider.force_flush(10_000)
    lookups = {attributes(p)["result"]: p.as_int for p in receiver.points("nearhit.lookups")}
    assert lookups.get("miss", 0) >= 1
    [answer] = [p for p in receiver.points("nearhit.answer_seconds") if attributes(p) == {"column": "cache"}]
    assert answer.count >= 1 and list(answer.explicit_bounds)[:2] == [0.0005, 0.001]
    assert [p.as_int for p in receiver.points("nearhit.llm_calls")] == [1]
