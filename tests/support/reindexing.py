"""An index dropped under the cache (``FT.DROPINDEX`` without ``DD``, keys kept) over many copies of one entry: the
index re-created then takes a while to read them, which is what a tenant's clear has to wait for."""

from __future__ import annotations

import uuid

from nearhit.cache import SemanticCache
from nearhit.cache.index import drop_index


async def dropped_over_copies(cache: SemanticCache, doc_id: str, copies: int) -> None:
    """Drop the cache's index, keeping its keys, and add ``copies`` copies of entry ``doc_id`` (unindexed)."""
    dumped = await cache.redis.dump(doc_id)
    await drop_index(cache.redis, cache.spec.name, delete_entries=False)
    async with cache.redis.pipeline(transaction=False) as pipe:  # copies not indexed one by one as they come
        for _ in range(copies):
            pipe.restore(f"{cache.keys.entry_prefix}{uuid.uuid4().hex}{uuid.uuid4().hex}", 0, dumped)
        await pipe.execute()
