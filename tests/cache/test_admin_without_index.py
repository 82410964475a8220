"""The admin operations after the index went away under the cache (another client's ``FLUSHDB`` or
``FT.DROPINDEX``): ``stats`` and ``clear`` re-create it as a lookup does, and count or delete the entries still
there, instead of raising "no such index" (``clear`` of a tenant) or reporting none (``stats``)."""

from __future__ import annotations

import uuid
from pathlib import Path

from redis.asyncio import Redis

from nearhit import redis_server
from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index, index_info
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap
from tests.support.waiting import eventually

ACME = Scope.build(model="gpt-4o", tenant="acme")
GLOBEX = Scope.build(model="gpt-4o", tenant="globex")
COPIES = 500
"""Copies of one entry: enough that a re-created index takes a while to read them (a clear must wait for it)."""


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
    dumped = await cache.redis.dump(acme)
    await drop_index(cache.redis, cache.spec.name, delete_entries=False)
    async with cache.redis.pipeline(transaction=False) as pipe:  # copies not indexed one by one as they come
        for _ in range(COPIES):
            pipe.restore(f"{cache.keys.entry_prefix}{uuid.uuid4().hex}{uuid.uuid4().hex}", 0, dumped)
        await pipe.execute()
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
