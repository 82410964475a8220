"""The library faces on their own fresh index of the real test Redis, dropped afterwards."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from nearhit import AsyncCache, Cache
from nearhit.cache.index import drop_index
from nearhit.config import Settings


async def _drop(settings: Settings) -> None:
    from nearhit.service import bootstrap

    redis = await bootstrap.connect_redis(settings)
    try:
        await drop_index(redis, settings.index_name, delete_entries=True)
        await redis.delete(f"nearhit:{settings.index_name}:stats")
    finally:
        await redis.aclose()


@pytest.fixture
async def acache(settings: Settings) -> AsyncIterator[AsyncCache]:
    async with AsyncCache.open(settings=settings) as cache:
        yield cache
    await _drop(settings)


@pytest.fixture
def sync_cache(settings: Settings) -> Iterator[Cache]:
    with Cache.open(settings=settings) as cache:
        yield cache
    asyncio.run(_drop(settings))


def answer_in_a_thread(
    cache: Cache, prompt: str, call_llm: Callable[[str], str]
) -> tuple[threading.Thread, list[BaseException]]:
    """``cache.answer(prompt, call_llm)`` running on a daemon thread, and the list that gets what it raised."""
    raised: list[BaseException] = []

    def ask() -> None:
        try:
            cache.answer(prompt, call_llm)
        except BaseException as exc:  # the test reports what was raised
            raised.append(exc)

    caller = threading.Thread(target=ask, daemon=True)
    caller.start()
    return caller, raised
