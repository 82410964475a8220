"""The admin operations after the index went away under the cache (another client's ``FLUSHDB`` or
``FT.DROPINDEX``): ``stats`` and ``clear`` re-create it as a lookup does, and count or delete the entries still
there, instead of raising "no such index" (``clear`` of a tenant) or reporting none (``stats``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from redis.asyncio import Redis

from nearhit import redis_server
from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index, index_info
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.errors import ClearIncomplete
from nearhit.service import bootstrap
from tests.support.reindexing import dropped_over_copies, indexing_held
from tests.support.waiting import eventually

ACME = Scope.build(model="gpt-4o", tenant="acme")
GLOBEX = Scope.build(model="gpt-4o", tenant="globex")
COPIES = 500
"""Copies of one entry: enough that a re-created index takes a while to read them (a clear must wait for it)."""
HELD_COPIES = 20
"""Copies left for a clear whose index is held from reading them (:func:`indexing_held`): a few are enough."""


async def test_after_another_client_s_flushdb_stats_and_clear_answer_and_the_cache_works_on(
    settings: Settings, local_embedder: LocalEmbedder, tmp_path: Path
) -> None:
    """On a Redis of its own: a flush of the shared one drops every test's index."""
    server, _ = redis_server.ensure_running(tmp_path)
    cache = await bootstrap.open_cache(settings.model_copy(update={"redis_url": server.url}), local_embedder)
    try:
        await cache.store("What is the capital of France?", "Paris.", ACME)
        await cache.store("What is the capital of Spain?", "Madrid.", GLOBEX)
        other = Redis.from_url(server.url)
        await other.flushdb()
        await other.aclose()
        assert await cache.clear(tenant="acme") == 0  # raised ResponseError: no such index
        assert (await cache.stats()).entries == 0
        assert await cache.clear() == 0
        await cache.store("What is the capital of France?", "Paris.", ACME)
        assert (await cache.lookup("What is the capital of France?", ACME)).match == "exact"
        assert (await cache.stats()).entries == 1
    finally:
        await cache.close()
        redis_server.stop(tmp_path)


async def test_after_the_index_was_dropped_the_entries_left_are_counted_and_a_tenant_s_cleared_whole(
    cache: SemanticCache,
) -> None:
    """``FT.DROPINDEX`` without ``DD`` keeps the keys: ``stats`` re-creates the index and counts them (it said 0),
    and a clear of one tenant waits for the re-created index to read them all, then deletes every one of its own."""
    acme = await cache.store("What is the capital of France?", "Paris.", ACME)
    await cache.store("What is the capital of Spain?", "Madrid.", GLOBEX)
    await dropped_over_copies(cache, acme, COPIES)
    total = COPIES + 2

    first = await cache.stats()
    assert first.entries == total or first.indexing, first
    assert await index_info(cache.redis, cache.spec.name) is not None

    async def counted() -> bool:
        return (await cache.stats()).entries == total

    await eventually(counted, timeout=20, interval=0.1)

    await drop_index(cache.redis, cache.spec.name, delete_entries=False)
    assert await cache.clear(tenant="acme") == COPIES + 1
    assert [hit.tenant for hit in await cache.search(text="capital of a country", top_k=10)] == ["globex"]


async def test_a_clear_waiting_for_the_index_stops_at_its_deadline_says_how_far_and_can_be_run_again(
    cache: SemanticCache,
) -> None:
    """The wait for a re-created index is bounded: past the deadline the clear fails, saying how many keys the index
    has read and how many entries it deleted (the others all still there, none lost between the two); run again,
    it deletes the rest. The progress callback is told the keys read as it waits. The index's reading is held (none
    read), so the clear finds it reading whatever the load: no setup tried again until Redis is slow enough."""
    await cache.store("What is the capital of Spain?", "Madrid.", GLOBEX)
    acme = await cache.store("What is the capital of France?", "Paris.", ACME)
    await dropped_over_copies(cache, acme, HELD_COPIES)
    told: list[tuple[int, float]] = []
    async with indexing_held(cache.redis):
        with pytest.raises(ClearIncomplete) as raised:  # the clear re-creates the index (a search finds it missing)
            await cache.clear(tenant="acme", indexing_timeout=0, progress=lambda read, part: told.append((read, part)))
    message = str(raised.value)
    found = re.search(
        r"has read ([\d,]+) keys so far \((\d+)%\); ([\d,]+) of the tenant's entries were deleted", message
    )
    assert found is not None and "Run the clear again" in message, message
    assert (found[1], found[2], found[3]) == ("0", "0", "0"), message  # held: nothing read, so nothing deleted
    assert told == [(0, 0.0)]
    left = [key async for key in cache.redis.scan_iter(match=cache.keys.entry_pattern, count=1000)]
    assert len(left) == HELD_COPIES + 2  # what was not said deleted is all there

    assert await cache.clear(tenant="acme") == HELD_COPIES + 1
    assert [hit.tenant for hit in await cache.search(text="capital of a country", top_k=10)] == ["globex"]
