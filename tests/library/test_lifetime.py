"""An :class:`AsyncCache` used after ``close()``, or from an event loop other than the one it was opened on
(twelfth round of hostile testing): refused at once with a named error, never half-working."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

import pytest

from nearhit import AsyncCache, CacheClosed, WrongEventLoop
from nearhit.config import Settings
from tests.library.conftest import _drop


async def _llm(prompt: str) -> str:
    return "an answer"


CALLS: dict[str, Callable[[AsyncCache], Awaitable[object]]] = {
    "lookup": lambda cache: cache.lookup("What is a closed cache?"),
    "store": lambda cache: cache.store("What is a closed cache?", "One that was closed."),
    "answer": lambda cache: cache.answer("What is a closed cache?", _llm),
    "search": lambda cache: cache.search("closed cache"),
    "delete": lambda cache: cache.delete("nearhit:x:entry:" + "0" * 64),
    "clear": lambda cache: cache.clear(),
    "stats": lambda cache: cache.stats(),
}


@pytest.mark.parametrize("call", CALLS)
async def test_a_closed_async_cache_refuses_every_call(settings: Settings, call: str) -> None:
    cache = await AsyncCache.open(settings=settings)
    await cache.store("What was stored before closing?", "This.")
    await cache.close()
    try:
        with pytest.raises(CacheClosed, match="closed"):
            await CALLS[call](cache)
        await cache.close()  # closing twice is a no-op
    finally:
        await _drop(settings)


@pytest.mark.slow
async def test_an_async_cache_refuses_a_call_from_another_event_loop(settings: Settings) -> None:
    async with AsyncCache.open(settings=settings) as cache:
        await cache.store("Which loop am I on?", "The one that opened me.")
        failures: list[BaseException | None] = []

        def from_another_loop() -> None:
            async def look() -> object:
                return await cache.lookup("Which loop am I on?")

            try:
                asyncio.run(look())
                failures.append(None)
            except BaseException as exc:  # the test reports what was raised
                failures.append(exc)

        threads = [threading.Thread(target=from_another_loop) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(isinstance(exc, WrongEventLoop) for exc in failures), failures
        assert "nearhit.Cache" in str(failures[0])
        assert (await cache.lookup("Which loop am I on?")).match == "exact"  # its own loop is unharmed
    await _drop(settings)
