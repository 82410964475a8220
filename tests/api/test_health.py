"""``/health`` answers from the status checked in the background: a probe never waits behind Redis."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from tests.api.live import LiveServer


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
