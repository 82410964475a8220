"""``/health`` answers from the status checked in the background: a probe never waits behind Redis."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from nearhit.cache.index import drop_index
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap
from nearhit.service.runtime import Runtime
from tests.support.index_shapes import create_in_shape, swap
from tests.support.live import LiveServer, fast_llm, serve
from tests.support.sse import ask_stream


async def test_health_answers_at_once_while_redis_is_stalled(live: LiveServer, redis_url: str) -> None:
    assert (await live.client.get("/health")).status_code == 200
    admin = Redis.from_url(redis_url)
    await admin.execute_command("CLIENT", "PAUSE", 1500, "ALL")  # every Redis command now waits 1.5 s
    try:
        started = time.perf_counter()
        health = await live.client.get("/health")
        elapsed = time.perf_counter() - started
    finally:
        await admin.execute_command("CLIENT", "UNPAUSE")
        await admin.aclose()
    assert health.status_code == 200 and health.json()["redis"]["ok"] is True
    assert elapsed < 0.2
    assert 0 <= health.json()["checked_s_ago"] < 15


@pytest.mark.slow
async def test_health_stays_up_while_requests_hold_every_pooled_connection(live: LiveServer) -> None:
    """A burst that holds the whole shared pool makes requests wait, but Redis itself is fine: the health
    check has a connection of its own."""
    pool = (await live.runtime.cache()).redis.connection_pool
    held = [await pool.get_connection() for _ in range(pool.max_connections)]
    try:
        statuses = []
        until = time.monotonic() + 3.5  # past a background check that would wait out the pool's 2 s timeout
        while time.monotonic() < until:
            statuses.append((await live.client.get("/health")).status_code)
            await asyncio.sleep(0.1)  # sampling /health through the window is the test, not a wait
    finally:
        for connection in held:
            await pool.release(connection)
    assert set(statuses) == {200}


async def test_an_index_of_another_shape_is_reported_as_the_index_not_as_redis(
    settings: Settings, local_embedder: LocalEmbedder, redis_client: Redis
) -> None:
    """Redis answers but the index was made with an L2 metric: readiness says Redis is up and the index unusable,
    in the start-up refusal's words (what differs, ``nearhit cache rebuild``), not "no Redis" (an operator would
    restart Redis for nothing); the raw LLM path keeps answering."""
    spec = bootstrap.index_spec(settings, local_embedder)
    await create_in_shape(redis_client, spec, swap("COSINE", "L2"))
    runtime = Runtime(settings, local_embedder, fast_llm())
    try:
        async with serve(settings, runtime) as live:
            for path in ("/readiness", "/health"):
                answer = await live.client.get(path)
                assert answer.status_code == 503, path
                body = answer.json()
                assert body["redis"]["ok"] is True, (path, body)
                index = body["index"]
                assert index["ok"] is False and index["name"] == settings.index_name, (path, body)
                assert "vector distance metric L2 (wanted COSINE)" in index["error"], (path, body)
                assert "nearhit cache rebuild" in index["error"], (path, body)
            stream = await ask_stream(live.client, {"prompt": "Is the raw path still answering?"})
            raw = next(d for k, d in stream if k == "column_complete" and d["column"] == "raw")
            assert raw["status"] == "done"
    finally:
        await runtime.close()
        await drop_index(redis_client, spec.name, delete_entries=True)


async def test_an_index_dropped_or_remade_in_another_shape_while_serving_is_reported(
    settings: Settings, local_embedder: LocalEmbedder, redis_client: Redis
) -> None:
    """The service is up, then another client drops the index: /readiness says it is missing (and the check makes
    it again). Then another client drops it and makes it in another shape (an L2 metric): /readiness names the index
    as unusable in the start-up refusal's words, as it does when the service starts on such an index (rv64)."""
    spec = bootstrap.index_spec(settings, local_embedder)
    runtime = Runtime(settings, local_embedder, fast_llm())
    try:
        async with serve(settings, runtime) as live:
            assert (await live.client.get("/readiness")).status_code == 200
            await drop_index(redis_client, spec.name, delete_entries=False)
            missing = await live.client.get("/readiness")
            assert missing.status_code == 503 and "index missing" in missing.json()["index"]["error"], missing.json()
            assert (await live.client.get("/readiness")).status_code == 200  # made again by the check before
            await drop_index(redis_client, spec.name, delete_entries=False)
            await create_in_shape(redis_client, spec, swap("COSINE", "L2"))
            remade = await live.client.get("/readiness")
            body = remade.json()
            assert remade.status_code == 503 and body["redis"]["ok"] is True, body
            assert "vector distance metric L2 (wanted COSINE)" in body["index"]["error"], body
    finally:
        await runtime.close()
        await drop_index(redis_client, spec.name, delete_entries=True)
