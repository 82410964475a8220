"""Entries that have expired but are still listed by the index: the state a search meets between a key's
TTL passing and Redis deleting it (active expiry samples keys; a busy or large keyspace lags behind).

``CLIENT PAUSE ... WRITE`` holds that state still: while it lasts Redis neither expires keys actively nor
deletes them on read, so the index keeps listing them and their fields read back nil. Reads (``HMGET``,
``FT.SEARCH``) go through; writes wait until the pause ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterable

from redis.asyncio import Redis


async def server_ms(redis: Redis) -> int:
    seconds, micros = await redis.time()
    return int(seconds) * 1000 + int(micros) // 1000


@contextlib.asynccontextmanager
async def expired_but_listed(redis: Redis, keys: Iterable[str], *, pause_ms: int = 3000) -> AsyncIterator[None]:
    """Expire ``keys`` (1 ms TTL) and, for the block, keep them expired-but-present; writes wait for the end
    of the block (or ``pause_ms``, whichever comes first)."""
    keys = list(keys)
    for key in keys:
        assert await redis.pexpire(key, 1), f"{key} does not exist"
    await redis.execute_command("CLIENT", "PAUSE", pause_ms, "WRITE")
    try:
        target = await server_ms(redis) + 3
        deadline = time.monotonic() + 2
        while await server_ms(redis) <= target:  # wait on the server's clock, never touching the keys
            assert time.monotonic() < deadline, "the server clock did not move"
            await asyncio.sleep(0.002)
        yield
    finally:
        await redis.execute_command("CLIENT", "UNPAUSE")
