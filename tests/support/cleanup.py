"""Leaving the shared test Redis as a test found it: an index, its entries and every key under its prefix."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.cache.client import RedisClient
from nearhit.cache.index import drop_index


async def forget_index(redis: RedisClient, name: str) -> None:
    """Drop index ``name`` with its entries and delete every other key under ``nearhit:<name>:`` (counters,
    telemetry, clears, marks). Call it once the cache is finished: closing flushes the counters still pending,
    and a flush after this writes them back."""
    await drop_index(redis, name, delete_entries=True)
    keys = [key async for key in redis.scan_iter(match=f"nearhit:{name}:*", count=1000)]
    if keys:
        await redis.delete(*keys)


async def close_and_forget(cache: SemanticCache) -> None:
    """Finish ``cache`` (its pending counters written), forget its index (:func:`forget_index`), then close it."""
    await cache.finish()
    await forget_index(cache.redis, cache.spec.name)
    await cache.redis.aclose()
