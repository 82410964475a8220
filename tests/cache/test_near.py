"""The near cache (``cache.near``): exact entries kept in process, each way a copy must stop being served, on a
real Redis. Changes by another client arrive as Redis's invalidations (waited for); this process's own writes
drop their copies at once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import OutOfMemoryError

from nearhit import redis_server
from nearhit.cache import Scope, SemanticCache, near, verdicts
from nearhit.cache.near import NearCache
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap
from tests.support import wire
from tests.support.stalling_proxy import StallingProxy

SCOPE = Scope.build(model="gpt-4o", tenant="near")
QUESTION = "What is the capital of France?"


async def _until(condition: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    for _ in range(500):
        outcome = condition()
        if await outcome if isinstance(outcome, Awaitable) else outcome:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"waited 5 s for: {what}")


@pytest.fixture
async def kept(cache: SemanticCache) -> AsyncIterator[str]:
    """An entry whose exact hit is kept in process: its key."""
    key = await cache.store(QUESTION, "Paris.", SCOPE)
    assert cache.near.active
    first = await cache.lookup(QUESTION, SCOPE)
    assert first.match == "exact" and cache.near.get(key) is not None
    yield key


@contextlib.asynccontextmanager
async def _on_own_redis(
    settings: Settings, local_embedder: LocalEmbedder, folder: Path
) -> AsyncIterator[tuple[SemanticCache, Redis]]:
    """A cache on a Redis of its own (what a test does to the database moves every test's keys), and another
    client of that Redis; both closed and the Redis stopped afterwards."""
    server, _ = redis_server.ensure_running(folder)
    cache = await bootstrap.open_cache(settings.model_copy(update={"redis_url": server.url}), local_embedder)
    other = Redis.from_url(server.url)
    try:
        yield cache, other
    finally:
        await cache.close()
        await other.aclose()
        redis_server.stop(folder)


async def _answer(cache: SemanticCache) -> str | None:
    result = await cache.lookup(QUESTION, SCOPE)
    return result.answer.response if result.match == "exact" and result.answer is not None else None


async def test_a_kept_hit_is_the_same_hit(cache: SemanticCache, kept: str) -> None:
    again = await cache.lookup(QUESTION, SCOPE)
    assert again.match == "exact" and again.answer is not None and again.answer.response == "Paris."
    assert again.answer.doc_id == kept


def _invalidations_late(cache: SemanticCache, monkeypatch: pytest.MonkeyPatch) -> None:
    """Redis's word on a key comes on another connection, maybe after the next lookup: here, never."""
    monkeypatch.setattr(cache.near, "_invalidated", lambda message: None)


async def test_this_process_s_own_writes_are_read_at_once(
    cache: SemanticCache, kept: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _invalidations_late(cache, monkeypatch)
    await cache.store(QUESTION, "Paris, on the Seine.", SCOPE)
    assert await _answer(cache) == "Paris, on the Seine."
    await _answer(cache)  # kept again
    assert await cache.delete(kept)
    assert await _answer(cache) is None
    await cache.store(QUESTION, "Paris.", SCOPE)
    await _answer(cache)
    assert await cache.clear(tenant="near") == 1
    assert await _answer(cache) is None


async def test_a_wrong_verdict_retires_the_kept_entry(
    cache: SemanticCache, kept: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _invalidations_late(cache, monkeypatch)
    recorded = await verdicts.give(cache, "wrong", tenant=None, doc_id=kept)
    assert recorded.action == "entry retired"
    assert await _answer(cache) is None


async def test_another_client_s_change_or_delete_stops_the_copy(
    cache: SemanticCache, kept: str, redis_client: Redis
) -> None:
    await redis_client.hset(kept, "response", "Lyon?")  # another worker, the CLI, another replica
    await _until(lambda: cache.near.get(kept) is None, "Redis names the key written")
    assert await _answer(cache) == "Lyon?"
    await redis_client.unlink(kept)
    await _until(lambda: cache.near.get(kept) is None, "Redis names the key deleted")
    assert await _answer(cache) is None


@pytest.mark.slow
async def test_a_copy_ends_with_its_entry_s_ttl(cache: SemanticCache, monkeypatch: pytest.MonkeyPatch) -> None:
    _invalidations_late(cache, monkeypatch)  # the copy's own deadline (the PTTL read with it) ends it
    key = await cache.store(QUESTION, "Paris.", SCOPE, ttl=1)
    assert await _answer(cache) == "Paris."
    await cache.background.drain()  # its PTTL, read after the hit
    assert cache.near.get(key) is not None
    await _until(lambda: cache.near.get(key) is None, "the TTL runs out")
    # the PTTL is whole milliseconds: Redis may keep the key up to one more, and serve it itself meanwhile
    await _until(lambda: _gone(cache, key), "Redis expires the key")
    assert await _answer(cache) is None


async def _gone(cache: SemanticCache, key: str) -> bool:
    return not await cache.redis.exists(key)


async def test_tenants_never_share_a_copy(cache: SemanticCache, kept: str) -> None:
    other = Scope.build(model="gpt-4o", tenant="someone else")
    result = await cache.lookup(QUESTION, other)
    assert result.match is None


async def test_a_lost_connection_drops_every_copy(
    cache: SemanticCache, kept: str, redis_client: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(near, "RETRY_S", 0.05)
    tracking = [c["id"] for c in await redis_client.client_list() if c.get("redir", "-1") not in ("-1", "0")]
    assert tracking
    for client_id in tracking:
        await redis_client.client_kill_filter(_id=client_id)
    await _until(lambda: not cache.near.active or cache.near.get(kept) is None, "the lost connection is seen")
    assert cache.near.get(kept) is None
    await _until(lambda: cache.near.active, "tracking opened again")
    assert await _answer(cache) == "Paris." and cache.near.get(kept) is not None


def _tracking(size: int) -> NearCache:
    """A near cache as if its tracking connection had just been heard from."""
    kept = NearCache(size)
    kept.active = True
    kept._heard = time.monotonic()
    return kept


def test_a_flush_drops_every_copy() -> None:
    """Redis says "everything" (keys: nil) on FLUSHDB/FLUSHALL. Not sent for real here: a flush of any database
    drops the search indexes of every test."""
    kept = _tracking(4)
    for key in ("a", "b"):
        kept.put(key, [b"prompt", b"answer"], -1, kept.epoch)
    kept._invalidated([b"message", near.CHANNEL, [b"a"]])
    assert kept.get("a") is None and kept.get("b") is not None
    kept._invalidated([b"message", near.CHANNEL, None])
    assert len(kept) == 0


async def test_a_read_that_raced_an_invalidation_is_not_kept() -> None:
    kept = _tracking(2)
    sent_at = kept.epoch
    kept.drop("some other key")  # an invalidation arrived while the read was on the wire
    kept.put("key", [b"prompt", b"answer"], -1, sent_at)
    assert kept.get("key") is None
    kept.put("key", [b"prompt", b"answer"], -1, kept.epoch)
    kept.put("key2", [b"p", b"a"], -1, kept.epoch)
    kept.put("key3", [b"p", b"a"], -1, kept.epoch)
    assert len(kept) == 2 and kept.get("key") is None  # bounded: the least recently used went first
    kept.put("gone", [b"p", b"a"], -2, kept.epoch)  # PTTL -2: the key was already gone
    assert kept.get("gone") is None


async def test_tracking_that_reports_nothing_is_never_trusted(
    redis_client: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server (or a proxy) that accepts ``CLIENT TRACKING`` but does not report writes (here: the probe write
    never reaches Redis, so nothing is reported) fails the probe at start: the near cache stays off."""
    monkeypatch.setattr(near, "PROBE_WAIT_S", 0.2)
    trusted = NearCache(4)
    await trusted.start(redis_client, "nearhit-test-near:")
    assert trusted.active  # its own probe write was reported
    await trusted.close()

    async def unreported(*args: object, **kwargs: object) -> None:
        return None

    monkeypatch.setattr(redis_client, "set", unreported)
    deaf = NearCache(4)
    await deaf.start(redis_client, "nearhit-test-near:")
    assert not deaf.active
    deaf.put("nearhit-test-near:key", [b"prompt", b"answer"], -1, deaf.epoch)
    assert deaf.get("nearhit-test-near:key") is None
    await deaf.close()


async def test_a_tracking_connection_dead_without_a_word_stops_the_copies(
    redis_client: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A NAT or load balancer that drops an idle flow closes nothing: the tracking connection waited for ever, and
    a copy was served after another client changed its entry (for ever, for an entry without a TTL). Quiet for
    HEARTBEAT_S, it is sent a PING; no reply, it is lost: no copy, and it is opened again."""
    monkeypatch.setattr(near, "HEARTBEAT_S", 0.3)
    monkeypatch.setattr(near, "PROBE_WAIT_S", 0.3)
    monkeypatch.setattr(near, "RETRY_S", 0.05)
    address = redis_client.connection_pool.connection_kwargs
    key = "nearhit-test-near:silent"
    async with StallingProxy().running(address["host"], address["port"]) as proxy:
        through = Redis(host="127.0.0.1", port=proxy.port, protocol=2)
        kept = NearCache(4)
        try:
            await kept.start(through, "nearhit-test-near:")
            assert kept.active
            kept.put(key, [b"prompt", b"answer"], -1, kept.epoch)
            await asyncio.sleep(1.0)  # quiet for longer than a heartbeat: a live connection keeps its copies
            assert kept.get(key) == [b"prompt", b"answer"]
            proxy.silent = True
            await redis_client.set(key, b"changed by another client", px=5000)  # its invalidation never arrives
            await _until(lambda: kept.get(key) is None, "the copy stops being served")
            await _until(lambda: not kept.active, "the connection is taken as lost")
            proxy.silent = False
            await _until(lambda: kept.active, "tracking opened again")
        finally:
            await kept.close()
            await through.aclose()
            await redis_client.delete(key)


async def test_a_swapdb_drops_the_copies_within_a_heartbeat(
    settings: Settings, local_embedder: LocalEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis tells the tracking connection nothing of a ``SWAPDB``: the kept copy of an entry now in another
    database was served for ever. The marker key, read every HEARTBEAT_S, is gone after the swap: the copy is
    dropped, and the lookup reads the database as it is. On a Redis of its own (a swap moves every test's keys)."""
    monkeypatch.setattr(near, "HEARTBEAT_S", 0.3)
    async with _on_own_redis(settings, local_embedder, tmp_path) as (cache, other):
        key = await cache.store(QUESTION, "Paris.", SCOPE)
        assert await _answer(cache) == "Paris." and cache.near.get(key) is not None
        await asyncio.sleep(1.0)  # heartbeats with the marker in place keep the copy
        assert cache.near.get(key) is not None
        await other.swapdb(0, 9)
        assert not await other.exists(key)
        started = time.monotonic()
        await _until(lambda: cache.near.get(key) is None, "the marker read finds the swap")
        assert time.monotonic() - started < 0.3 + 0.5
        assert await _answer(cache) is None
        await _until(lambda: cache.near.active and cache.near.get(key) is None, "tracking still on")


async def test_close_ends_the_tracking_even_when_a_cancel_is_lost(
    redis_client: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python 3.11's ``wait_for`` (redis-py sends each command under one when a socket timeout is set) returns its
    inner result to a task cancelled in the turn that result came (CPython gh-86296): the tracking task read on, and
    ``close`` waited for it for ever (a service stopped as the tracking reconnected after a Redis restart, under
    load: test_degradation's 120 s timeout). Here the marker's read loses one cancel so; ``close`` still ends it."""
    monkeypatch.setattr(near, "HEARTBEAT_S", 0.2)
    kept = NearCache(4)
    await kept.start(redis_client, "nearhit-test-near:", markers="nearhit-test-near-marker:")
    check = kept._check_marker
    lost: list[asyncio.CancelledError] = []
    waiting = asyncio.Event()

    async def losing_a_cancel(redis: Redis) -> None:
        await check(redis)
        waiting.set()
        try:
            await asyncio.Event().wait()  # the turn the reply comes in
        except asyncio.CancelledError as exc:
            if lost:
                raise
            lost.append(exc)  # the cancel that came with the reply, lost as wait_for loses it

    monkeypatch.setattr(kept, "_check_marker", losing_a_cancel)
    await asyncio.wait_for(waiting.wait(), 5)
    started = time.monotonic()
    async with asyncio.timeout(5):
        await kept.close()
    assert lost and time.monotonic() - started < 2


async def test_an_evicted_marker_is_told_as_an_eviction_not_a_swapdb(
    settings: Settings,
    local_embedder: LocalEmbedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Under an ``allkeys-*`` policy Redis at its maxmemory evicts the marker with the entries: the log said "(a
    SWAPDB?)", sending an operator after a command nobody ran. Redis's count of evicted keys grew since the last
    heartbeat: the log says Redis evicted keys, entries too, and where the remedy is. On a Redis of its own."""
    monkeypatch.setattr(near, "HEARTBEAT_S", 0.3)
    async with _on_own_redis(settings, local_embedder, tmp_path) as (cache, other):
        key = await cache.store(QUESTION, "Paris.", SCOPE)
        assert await _answer(cache) == "Paris."
        await _until(lambda: cache.near._evicted is not None, "a heartbeat read the count of evicted keys")
        await other.config_set("maxmemory-policy", "allkeys-lru")
        await other.config_set("maxmemory", 1)
        with contextlib.suppress(OutOfMemoryError):  # every key evicted, and still over the limit
            await other.set("nearhit-test-filler", "x" * 1000)
        await other.config_set("maxmemory", 0)
        assert not await other.exists(key)
        await _until(lambda: "marker" in caplog.text, "the marker read finds it evicted")
        assert "evicted keys" in caplog.text and "noeviction: docs/deploy.md" in caplog.text
        assert "SWAPDB" not in caplog.text


async def test_the_heartbeat_reads_the_marker_and_the_eviction_count_in_one_round_trip(
    redis_client: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis's count of evicted keys (``INFO stats``) was read in a round trip of its own after the marker's at every
    heartbeat: it rides in the marker's now (each write to a socket is one round trip's commands)."""
    monkeypatch.setattr(near, "HEARTBEAT_S", 0.2)
    sent = wire.record(monkeypatch, wire.command_names)
    kept = NearCache(4)
    await kept.start(redis_client, "nearhit-test-near:", markers="nearhit-test-near-marker:")
    try:
        await _until(lambda: sum("GETEX" in names for names in sent) >= 2, "two heartbeats")
        await _until(lambda: kept._evicted is not None, "the count of evicted keys read")
    finally:
        await kept.close()
    heartbeats = [names for names in sent if "GETEX" in names]
    assert all(names == ["GETEX", "INFO"] for names in heartbeats), heartbeats
    assert ["INFO"] not in sent, sent
