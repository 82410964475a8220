"""The telemetry keys written over by another Redis client (hv61): every route that reads them still answers."""

from __future__ import annotations

import pytest

from nearhit.cache.keys import KeySpace
from tests.support.live import LiveServer

READERS = ("/telemetry/events", "/telemetry/summary", "/telemetry/stream-info", "/metrics", "/calculator/observed")
FOREIGN = [
    {"other": "field"},  # no json field
    {"json": "{not json"},
    {"json": "[1, 2]"},
    {"json": b"\xff\xfe"},  # not UTF-8
    {"json": "[" * 100_000},  # past the parser's depth
    {"json": '{"ts": "yesterday", "priced_as": 5}'},
    {"json": '{"ts": 1e999}'},  # infinite
]


async def _answered(live: LiveServer, prompt: str) -> None:
    response = await live.client.post("/ask", json={"prompt": prompt, "include_raw": False})
    assert response.status_code == 200, response.text
    await live.runtime.telemetry.flush()


async def test_entries_another_client_added_to_the_stream_are_left_out(live: LiveServer) -> None:
    """Each of these, newest in the stream, made /telemetry/events, /summary, /stream-info, /metrics and
    /calculator/observed a 500: the metrics panel and the calculator's observed mode stopped for good."""
    await _answered(live, "What is the capital of France?")
    await _answered(live, "How tall is Mount Everest?")
    own = (await live.client.get("/telemetry/events")).json()["events"]
    assert len(own) == 2
    stream = KeySpace(live.runtime.settings.index_name).telemetry_stream
    redis = live.runtime.redis
    assert redis is not None
    for fields in FOREIGN:
        await redis.xadd(stream, fields)  # type: ignore[arg-type]
    await live.runtime.telemetry.flush()  # a summary read before the entries is not reused
    replies = {path: await live.client.get(path) for path in READERS}
    assert {path: reply.status_code for path, reply in replies.items()} == dict.fromkeys(READERS, 200)
    assert replies["/telemetry/events"].json()["events"] == own
    info = replies["/telemetry/stream-info"].json()
    assert info["length"] == 2 + len(FOREIGN) and info["oldest_ts"] == own[-1]["ts"] and info["newest_ts"] is None
    assert replies["/telemetry/summary"].json()["all_time"]["misses"] == 2
    assert replies["/calculator/observed"].json()["model"] is None  # the newest entry names none


@pytest.mark.parametrize("key", ["telemetry_stream", "telemetry_totals"])
async def test_a_telemetry_key_of_another_type_is_a_503_that_the_clear_mends(live: LiveServer, key: str) -> None:
    """Another client's string under the stream's or the totals' key: the reads are a 503 naming it, /metrics
    still shows this process's own figures, and ``DELETE /telemetry/clear`` (itself a 503 before) mends it."""
    await _answered(live, "What is the capital of France?")
    redis = live.runtime.redis
    assert redis is not None
    await redis.set(getattr(KeySpace(live.runtime.settings.index_name), key), "not telemetry")
    await live.runtime.telemetry.flush()
    summary = await live.client.get("/telemetry/summary")
    assert summary.status_code == 503 and "WRONGTYPE" in summary.text, summary.text
    metrics = await live.client.get("/metrics")
    assert metrics.status_code == 200, metrics.text
    assert "WRONGTYPE" in metrics.json()["cache"]["error"] and "llm_generations" in metrics.json()
    cleared = await live.client.delete("/telemetry/clear")
    assert cleared.status_code == 200, cleared.text
    await _answered(live, "How tall is Mount Everest?")
    replies = {path: await live.client.get(path) for path in READERS}
    assert {path: reply.status_code for path, reply in replies.items()} == dict.fromkeys(READERS, 200)
    assert len(replies["/telemetry/events"].json()["events"]) == 1


async def test_aggregate_fields_another_client_added_are_no_latency_bucket(live: LiveServer) -> None:
    """``cache:ttft_ms:abc`` in the totals hash made every summary a 500 (a bucket's index read as an integer),
    and with it /metrics and /calculator/observed; a negative index or count was taken as a bucket."""
    await _answered(live, "What is the capital of France?")
    before = (await live.client.get("/telemetry/summary")).json()["all_time"]["latency"]
    redis = live.runtime.redis
    assert redis is not None
    totals = KeySpace(live.runtime.settings.index_name).telemetry_totals
    foreign = {"cache:ttft_ms:abc": 7, "cache:total_ms:-3": 5, "cache:total_ms:٣": 5, "cache:total_ms:999": 5}
    await redis.hset(totals, mapping={**foreign, "raw:total_ms:9": -4})  # type: ignore[arg-type]
    await live.runtime.telemetry.flush()
    replies = {path: await live.client.get(path) for path in READERS}
    assert {path: reply.status_code for path, reply in replies.items()} == dict.fromkeys(READERS, 200)
    assert replies["/telemetry/summary"].json()["all_time"]["latency"] == before
