"""A cache closed while an ``answer()`` is still in flight (fourteenth round of hostile testing): the store of an
answer begun before the close lands before the disconnect; an answer whose LLM returns after it is given to its
caller and not stored (it reconnected the closed pool, a connection nobody closed); the sync face's callers still
waiting are told at once that the cache was closed, and nothing is left half-way on its stopped loop (seen as
"Exception ignored in SemanticCache.store ... Event loop is closed")."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
import time

import pytest
from redis.asyncio import Redis

from nearhit import AsyncCache, Cache, CacheClosed
from nearhit.config import Settings
from tests.library.conftest import _drop, answer_in_a_thread
from tests.support.waiting import eventually


def _connected(cache: AsyncCache) -> list[object]:
    """The connections of the cache's pool still open."""
    pool = cache.engine.redis.connection_pool
    return [c for c in {*pool._in_use_connections, *pool._available_connections} if c.is_connected]


async def test_an_answer_whose_llm_returns_after_close_is_given_and_not_stored(settings: Settings) -> None:
    release = asyncio.Event()

    async def llm(prompt: str) -> str:
        await release.wait()
        return "An answer that came late."

    cache = await AsyncCache.open(settings=settings)
    try:
        asking = asyncio.create_task(cache.answer("Is a closed cache still written to?", llm))
        await eventually(lambda: cache._flights.started == 1)
        await cache.close()
        release.set()
        assert (await asking).text == "An answer that came late."  # the caller is answered
        assert _connected(cache) == [], "the closed pool was reconnected"
        async with AsyncCache.open(settings=settings) as fresh:
            assert not (await fresh.lookup("Is a closed cache still written to?")).hit
    finally:
        await _drop(settings)


async def test_a_store_in_progress_lands_before_close_disconnects(
    settings: Settings, redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    cache = await AsyncCache.open(settings=settings)
    caplog.set_level(logging.WARNING)
    llm_done = asyncio.Event()

    async def llm(prompt: str) -> str:
        await cache.engine._flush_counts()  # the miss's count written: the close has nothing to write first
        await redis_client.execute_command("CLIENT", "PAUSE", 1500, "WRITE")  # the store waits on its write
        llm_done.set()
        return "Stored before the close."

    try:
        asking = asyncio.create_task(cache.answer("Does close wait for a store?", llm))
        await llm_done.wait()
        await asyncio.sleep(0.2)  # the store is sent, held by the pause
        await cache.close()
        assert (await asking).text == "Stored before the close."
        assert _connected(cache) == [], "the store reconnected the pool after close"
        assert not [r.getMessage() for r in caplog.records if "not stored" in r.getMessage()]
        async with AsyncCache.open(settings=settings) as fresh:
            assert (await fresh.lookup("Does close wait for a store?")).match == "exact"
    finally:
        await redis_client.execute_command("CLIENT", "UNPAUSE")
        await _drop(settings)


async def test_lookups_in_flight_at_close_end_before_the_disconnect(
    settings: Settings, redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """300 answers, close under them (fifteenth round): the lookups in flight went on in the pool the close had
    disconnected, which opened 64 connections nobody closed ("Connection closed by server" for some)."""
    cache = await AsyncCache.open(settings=settings)
    caplog.set_level(logging.WARNING)

    async def llm(prompt: str) -> str:
        await asyncio.sleep(0.01)
        return f"The answer to {prompt}"

    try:
        await redis_client.execute_command("CLIENT", "PAUSE", 300, "ALL")  # every lookup sent, held
        asking = [asyncio.create_task(cache.answer(f"Question {i % 40} on topic {i % 7}?", llm)) for i in range(300)]
        await asyncio.sleep(0.1)
        await cache.close()
        answers = await asyncio.gather(*asking, return_exceptions=True)
        assert all(not isinstance(a, BaseException) and a.text.startswith("The answer") for a in answers)
        assert _connected(cache) == [], "a lookup reconnected the pool after close"
        assert not [r.getMessage() for r in caplog.records if "Connection closed" in r.getMessage()]
    finally:
        await _drop(settings)


def test_a_sync_cache_closed_under_a_waiting_answer_tells_its_caller_and_leaves_nothing_pending(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    cache = Cache.open(settings=settings)
    release = threading.Event()
    unraisable: list[str] = []
    hook = sys.unraisablehook
    sys.unraisablehook = lambda seen: unraisable.append(f"{seen.exc_value!r} in {seen.object!r}")
    caplog.set_level(logging.ERROR, logger="asyncio")
    try:
        caller, raised = answer_in_a_thread(cache, "Who is told of the close?", lambda prompt: str(release.wait(30)))
        deadline = time.monotonic() + 10
        while cache.inner._flights.started == 0:
            assert time.monotonic() < deadline, "the answer never started"
            time.sleep(0.02)
        cache.close()
        caller.join(timeout=0.9)  # told at once, not by the one-second check that the loop thread still runs
        assert not caller.is_alive(), "answer() was not told of the close"
        assert len(raised) == 1 and isinstance(raised[0], CacheClosed), raised
        assert "closed while the call was in progress" in str(raised[0])
        release.set()
        gc.collect()
        assert unraisable == []
        assert not [r.getMessage() for r in caplog.records if "destroyed" in r.getMessage()]
    finally:
        release.set()
        sys.unraisablehook = hook
        asyncio.run(_drop(settings))
