"""An index dropped under the cache (``FT.DROPINDEX`` without ``DD``, keys kept) over copies of one entry: the index
re-created then has to read them, which is what a tenant's clear waits for; and a hold on that reading, so a test
sees the clear waiting whatever the machine's load (no race with Redis reading them first)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

from nearhit.cache import SemanticCache
from nearhit.cache.client import RedisClient
from nearhit.cache.index import drop_index, index_info

HOLD_KEYS = 50_000
"""Filler keys each blocker's scan walks: ~0.1 s of Redis's time idle, ~0.4 s at load 25 (2 cores)."""
HOLD_BLOCKERS = 40
"""Blockers queued: a hold of seconds idle, far more than a clear's few round trips (or a CLI's start) need."""

HOLD_CHUNK = 10_000
"""Filler keys written (or deleted) by one script: each blocks Redis for ms, not for a client's timeout."""

_EACH = "for i = tonumber(ARGV[2]), tonumber(ARGV[3]) do redis.call(ARGV[4], ARGV[1] .. i, unpack(ARGV, 5)) end"


async def dropped_over_copies(cache: SemanticCache, doc_id: str, copies: int) -> None:
    """Drop the cache's index, keeping its keys, and add ``copies`` copies of entry ``doc_id`` (unindexed)."""
    dumped = await cache.redis.dump(doc_id)
    await drop_index(cache.redis, cache.spec.name, delete_entries=False)
    async with cache.redis.pipeline(transaction=False) as pipe:  # copies not indexed one by one as they come
        for _ in range(copies):
            pipe.restore(f"{cache.keys.entry_prefix}{uuid.uuid4().hex}{uuid.uuid4().hex}", 0, dumped)
        await pipe.execute()


@contextlib.asynccontextmanager
async def indexing_held(redis: RedisClient) -> AsyncIterator[None]:
    """While the block runs, an index created (or re-created) in it reads no key: it reports ``indexing`` with 0
    read. The search module reads the keys there for one new index at a time, in the order they were made, each
    walking the whole keyspace; :data:`HOLD_BLOCKERS` indexes (matching no key) over :data:`HOLD_KEYS` filler keys,
    made first, keep its turn away. Redis 8.2's module (2.10) has no switch that pauses the reading (``FT.DEBUG``'s
    ``BG_SCAN_CONTROLLER`` came later) and ``CLIENT PAUSE`` does not stop it. The hold is checked to have lasted
    the whole block: a machine so slow that the blockers finished first fails here, saying so, not as a race."""
    name = f"hold_{uuid.uuid4().hex[:12]}"
    blockers = [f"{name}_{n}" for n in range(HOLD_BLOCKERS)]
    await _each_filler(redis, f"{name}:", "SET", "")
    try:
        for blocker in blockers:
            await redis.execute_command(
                "FT.CREATE", blocker, "ON", "HASH", "PREFIX", 1, f"{name}:none:", "SCHEMA", "f", "TAG"
            )
        yield
        info = await index_info(redis, blockers[-1])
        assert info is not None and int(info["indexing"]), (
            "the hold ended before the block did: the code in it waited the hold out (its deadline gone?), or this "
            "machine read the filler faster than HOLD_BLOCKERS allows"
        )
    finally:
        for blocker in blockers:
            await drop_index(redis, blocker, delete_entries=False)
        await _each_filler(redis, f"{name}:", "UNLINK")


async def _each_filler(redis: RedisClient, prefix: str, *command: str) -> None:
    """``command`` (its key, then the rest) run on each filler key, :data:`HOLD_CHUNK` keys a script."""
    for start in range(0, HOLD_KEYS, HOLD_CHUNK):
        await redis.eval(_EACH, 0, prefix, start, start + HOLD_CHUNK - 1, *command)
