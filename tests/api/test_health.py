"""``/health`` answers from the status checked in the background: a probe never waits behind Redis."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from tests.support.live import LiveServer


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
