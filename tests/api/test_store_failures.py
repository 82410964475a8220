"""Redis refuses writes (``maxmemory`` reached with ``noeviction``): answers keep coming, and the failing
stores are visible in the column, ``/cache/stats``, ``/metrics`` and ``/readiness``; when Redis takes writes
again, caching resumes by itself."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from tests.api.conftest import LiveServer
from tests.support.sse import ask_stream


@contextlib.asynccontextmanager
async def out_of_memory(redis: Redis) -> AsyncIterator[None]:
    """Redis at its memory limit with ``noeviction``: every write that may grow memory is refused (OOM)."""
    before = await redis.config_get("maxmemory")
    policy = await redis.config_get("maxmemory-policy")
    await redis.config_set("maxmemory-policy", "noeviction")
    await redis.config_set("maxmemory", 1)
    try:
        yield
    finally:
        await redis.config_set("maxmemory", before["maxmemory"])
        await redis.config_set("maxmemory-policy", policy["maxmemory-policy"])


async def cache_column(live: LiveServer, prompt: str) -> dict:
    stream = await ask_stream(live.client, {"prompt": prompt, "include_raw": False})
    return next(d for k, d in stream if k == "column_complete" and d["column"] == "cache")


@pytest.mark.slow
async def test_refused_writes_are_counted_degrade_readiness_and_caching_resumes(live: LiveServer) -> None:
    redis = (await live.runtime.cache()).redis
    limit = live.runtime.settings.store_failures_degraded
    prompts = [f"Question number {i} about the refused writes" for i in range(limit)]
    async with out_of_memory(redis):
        for count, prompt in enumerate(prompts, start=1):
            readiness = (await live.client.get("/readiness")).json()
            assert readiness["status"] == "ready" and readiness["store"]["ok"] is True
            done = await cache_column(live, prompt)
            assert done["status"] == "done" and done["completion_tokens"] > 0  # the answer still came
            assert done["store"] == "failed" and "maxmemory" in done["store_reason"]
            assert live.runtime.stores.consecutive_failures == count
        readiness = await live.client.get("/readiness")
        assert readiness.status_code == 200  # still serving: degraded, not unready
        assert readiness.json()["ready"] is True and readiness.json()["status"] == "degraded"
        assert f"last {limit} answers could not be stored" in readiness.json()["store"]["error"]
        assert "maxmemory" in readiness.json()["store"]["error"]
        stats = (await live.client.get("/cache/stats")).json()
        assert stats["store_failures"] == limit and "maxmemory" in stats["last_store_error"]
        metrics = (await live.client.get("/metrics")).json()
        assert metrics["store_failures"] == limit and metrics["consecutive_store_failures"] == limit
        assert (await cache_column(live, prompts[0]))["outcome"] == "miss"  # nothing was stored

    done = await cache_column(live, prompts[0])
    assert done["outcome"] == "miss" and done["store"] == "stored" and done["store_reason"] is None
    readiness = (await live.client.get("/readiness")).json()
    assert readiness["status"] == "ready" and readiness["store"]["consecutive_store_failures"] == 0
    assert (await cache_column(live, prompts[0]))["outcome"] == "exact"  # stored when the column said so
    stats = (await live.client.get("/cache/stats")).json()
    assert stats["store_failures"] == limit + 1 and stats["stores_ok"] == 1


async def test_the_store_outcome_of_a_miss_a_hit_and_a_no_store(live: LiveServer) -> None:
    prompt = "What does the store outcome say?"
    done = await cache_column(live, prompt)
    assert done["store"] == "stored"
    assert (await cache_column(live, prompt))["store"] is None  # a hit: nothing to store
    stream = await ask_stream(live.client, {"prompt": "Another question", "include_raw": False, "no_store": True})
    done = next(d for k, d in stream if k == "column_complete")
    assert done["store"] == "skipped" and "no-store" in done["store_reason"]
    raw = next(d for k, d in stream if k == "column_complete")
    assert raw["column"] == "cache"
    response = await live.client.post("/ask", json={"prompt": "A third question"})
    assert response.json()["cache"]["store"] == "stored" and response.json()["raw"]["store"] is None


HEX_KEY = re.compile(r"[0-9a-f]{64}")


async def test_a_store_on_a_full_redis_says_what_failed_that_redis_is_full_and_what_to_do(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """``POST /cache/store`` answered 503 with redis-py's "Command # 2 (HSET nearhit:q_idx:entry:<64 hex>...) of
    pipeline caused error: command not allowed when used memory > 'maxmemory'", and the background fill of each
    request's embeddings logged "background work failed" with the same words, once per request. Now the client is
    told the answer was not stored, that Redis is full and where the remedy is, with no key; the fill's failure
    is logged once, naming the fill, until it succeeds again."""
    cache = await live.runtime.cache()
    async with out_of_memory(cache.redis):
        reply = await live.client.post(
            "/cache/store", json={"prompt": "What is the capital of Peru?", "response": "Lima."}
        )
        assert reply.status_code == 503
        detail = reply.json()["detail"]
        assert "Redis is full" in detail and "the answer was not stored" in detail and "docs/deploy.md" in detail
        assert not HEX_KEY.search(detail) and "pipeline" not in detail
        done = await cache_column(live, "What is the capital of Chile?")
        assert done["store"] == "failed" and "Redis is full" in done["store_reason"]
        assert not HEX_KEY.search(done["store_reason"]) and "pipeline" not in done["store_reason"]
        for n in range(3):
            await cache_column(live, f"What is the capital of country number {n}?")
            await cache.background.drain()
    failed = [r.getMessage() for r in caplog.records if "background work failed" in r.getMessage()]
    assert len(failed) == 1, failed
    assert "the embedding store's fill" in failed[0] and "Redis is full" in failed[0]
    assert "texts were not kept" in failed[0]
