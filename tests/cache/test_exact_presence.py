"""The record of which entry keys may exist (``NEARHIT_EXACT_PRESENCE``, :mod:`nearhit.cache.near`), on a real
Redis: a lookup whose key is known absent makes no exact read; a key written before the record was made, by this
process, or by another client is read again (another client's once Redis has named it); a lost tracking connection
leaves no record until the keys are scanned again, and so does a flush of any database or a reload; the record stays
bounded under a stream of new keys; the clear counts still guard the store of a miss that skipped the read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from nearhit.cache import Scope, SemanticCache
from nearhit.cache import near as near_module
from nearhit.cache.index import drop_index
from nearhit.cache.near import NearCache
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.errors import StoreCleared
from nearhit.service import bootstrap
from tests.support import wire
from tests.support.plain_redis import plain_redis
from tests.support.waiting import eventually

SCOPE = Scope.build(model="gpt-4o", tenant="presence")
QUESTION = "How long does a passport renewal take?"


async def _open(settings: Settings, embedder: LocalEmbedder, keys: int = 500_000) -> SemanticCache:
    update = {"exact_presence": True, "exact_presence_keys": keys}
    cache = await bootstrap.open_cache(settings.model_copy(update=update), embedder)
    key = cache.keys.entry(SCOPE, "the record is made")
    await eventually(lambda: cache.near.absent(key))  # the entry keys scanned
    return cache


@pytest.fixture
async def tracked(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[SemanticCache]:
    cache = await _open(settings, local_embedder)
    yield cache
    await drop_index(cache.redis, cache.spec.name, delete_entries=True)
    await cache.close()


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    return wire.record(monkeypatch, wire.command_names)


async def test_a_key_known_absent_is_not_read_before_the_embedding(
    tracked: SemanticCache, sends: list[list[str]]
) -> None:
    await tracked.background.drain()
    sends.clear()
    result = await tracked.lookup(QUESTION, SCOPE)
    assert result.match is None
    trips = [names for names in sends if "HINCRBY" not in names]
    # One round trip: the KNN, its labels probe, the two clear counts and the twins' mark; no HMGET first.
    assert trips[0] == ["HMGET", "FT.SEARCH", "GET", "GET", "EXISTS"], trips


async def test_keys_written_before_by_this_process_and_by_another_client_are_read(
    tracked: SemanticCache, settings: Settings, local_embedder: LocalEmbedder, redis_client: Redis
) -> None:
    other = await bootstrap.open_cache(settings, local_embedder)  # another process's cache: no record
    try:
        before = await other.store("Where do I renew a passport?", "At the passport office.", SCOPE)
        late = await _open(settings, local_embedder)  # made after the entry was written: its scan finds it
        try:
            assert not late.near.absent(before)
            assert (await late.lookup("Where do I renew a passport?", SCOPE)).match == "exact"
        finally:
            await late.close()
        # Written by another client: read again once Redis has named it on the tracking connection.
        written = "What documents does a passport renewal need?"
        key = tracked.keys.entry(SCOPE, tracked.prepare(written, SCOPE).text)
        assert tracked.near.absent(key)
        await other.store(written, "Your old passport and a photo.", SCOPE)
        await eventually(lambda: not tracked.near.absent(key))  # Redis named it on the tracking connection
        assert (await tracked.lookup(written, SCOPE)).match == "exact"
    finally:
        await other.close()


async def test_a_lost_tracking_connection_leaves_no_record_until_the_scan_again(
    tracked: SemanticCache, redis_client: Redis
) -> None:
    key = tracked.keys.entry(SCOPE, tracked.prepare(QUESTION, SCOPE).text)
    await redis_client.hset(key, "prompt", "x")  # another client's write, named by Redis
    await eventually(lambda: not tracked.near.absent(key))  # Redis named it
    await redis_client.execute_command("CLIENT", "KILL", "TYPE", "pubsub")  # the tracking connection
    await eventually(lambda: not tracked.near.active)  # the loss seen
    assert not tracked.near.absent(tracked.keys.entry(SCOPE, "never written"))  # no record: every key may exist
    await eventually(lambda: tracked.near.absent(tracked.keys.entry(SCOPE, "never written")))  # scanned again
    assert not tracked.near.absent(key)  # found by the new scan
    await redis_client.delete(key)


async def test_a_clear_still_drops_the_answer_of_a_miss_that_read_no_entry(tracked: SemanticCache) -> None:
    query = tracked.prepare(QUESTION, SCOPE)
    assert tracked.near.absent(tracked.keys.entry(SCOPE, query.text))
    assert not (await tracked.lookup(query)).hit
    assert query.clears is not None  # read with the KNN
    await tracked.clear(tenant="presence")
    with pytest.raises(StoreCleared):
        await tracked.store(query, "About six weeks.")


async def test_this_process_s_own_write_is_read_before_redis_names_it(
    tracked: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracked.near, "_invalidated", lambda message: None)  # Redis's word never read
    key = await tracked.store(QUESTION, "About six weeks.", SCOPE)
    assert not tracked.near.absent(key)
    assert (await tracked.lookup(QUESTION, SCOPE)).match == "exact"


async def test_the_record_stays_bounded_under_a_stream_of_new_keys(
    settings: Settings, local_embedder: LocalEmbedder, redis_client: Redis
) -> None:
    """Every key Redis names stayed in the record, deleted or expired: 400 keys written and deleted by another client
    left 400 hashes (a service's memory grew with every prompt it ever saw). Past the bound the keys are scanned
    again: the gone ones leave, the live one stays, and a key never written is still known absent."""
    cache = await _open(settings, local_embedder, keys=40)
    try:
        live = await cache.store(QUESTION, "About six weeks.", SCOPE)
        for round_ in range(2):
            keys = [cache.keys.entry(SCOPE, f"a passing question {round_} {i}") for i in range(200)]
            for key in keys:
                await redis_client.set(key, "x")
                await redis_client.delete(key)
            last = keys[-1]
            await eventually(lambda: not cache.near.absent(last))  # noqa: B023 - Redis's messages read up to it
            known = cache.near._known
            assert known is not None and len(known) <= 40, None if known is None else len(known)
        assert not cache.near.absent(live)
        assert cache.near.absent(cache.keys.entry(SCOPE, "never written"))
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


@pytest.mark.parametrize("change", ["FLUSHDB of another database", "DEBUG RELOAD", "FLUSHALL"])
async def test_a_flush_or_a_reload_is_scanned_again(tmp_path: Path, change: str) -> None:
    """Redis reports a flush of any database, a ``DEBUG RELOAD`` (and a replica's full sync) as a flush: the copies
    went, and the record was emptied, so the keys still there (another database flushed, or this one reloaded
    from disk) read as known absent until written again. On a Redis of its own: a real flush drops every test's
    search indexes."""
    with plain_redis(tmp_path, "--enable-debug-command", "local") as port:
        redis = Redis(port=port)
        near = NearCache(8, presence=True)
        try:
            await redis.set("p:kept", "1")
            await near.start(redis, "p:")
            await eventually(lambda: near.absent("p:never"))  # scanned
            assert not near.absent("p:kept")
            near.put("p:kept", [b"prompt", b"answer"], -1, near.epoch)
            if change == "FLUSHDB of another database":
                other = Redis(port=port, db=1)
                await other.flushdb()
                await other.aclose()
            elif change == "DEBUG RELOAD":
                await redis.execute_command("DEBUG", "RELOAD")
            else:
                await redis.flushall()
            await eventually(lambda: near.get("p:kept") is None)  # told
            await eventually(lambda: near.absent("p:never"))  # scanned again
            assert near.absent("p:kept") == (change == "FLUSHALL")
        finally:
            await near.close()
            await redis.aclose()


async def test_a_swapdb_is_scanned_again_once_the_marker_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key that exists only in another database reads as known absent; after a ``SWAPDB`` (which Redis does not
    report) it exists here: the marker read every HEARTBEAT_S finds the swap, and the record is made again."""
    monkeypatch.setattr(near_module, "HEARTBEAT_S", 0.3)
    with plain_redis(tmp_path) as port:
        redis, other = Redis(port=port), Redis(port=port, db=9)
        near = NearCache(8, presence=True)
        try:
            await other.set("p:elsewhere", "1")
            await near.start(redis, "p:", "marker:")
            await eventually(lambda: near.absent("p:elsewhere"))  # scanned
            await redis.swapdb(0, 9)
            await eventually(lambda: not near.absent("p:elsewhere"))  # the swap found: unknown, then scanned again
            await eventually(lambda: near.absent("p:never"))
            assert not near.absent("p:elsewhere")
        finally:
            await near.close()
            await redis.aclose()
            await other.aclose()
