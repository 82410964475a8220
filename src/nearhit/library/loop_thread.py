"""A private event loop on its own thread: how the sync :class:`~nearhit.Cache` runs the async engine.

Every call is handed to the loop with ``run_coroutine_threadsafe`` and waited for, so any number of threads
(Flask, Django, a thread pool) share one engine and one Redis pool. A call from a thread that is itself
running an event loop is refused at once: blocking there would stall that loop (or, on this thread, deadlock).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from nearhit.errors import NearhitError

T = TypeVar("T")

_ALIVE_CHECK_S = 1.0
"""How often a waiting call checks that the loop thread still runs (a call answered sooner never checks)."""


class SyncCallInEventLoop(NearhitError, RuntimeError):
    """The sync face was called from async code; the async face is the one to use there."""


class CacheClosed(NearhitError, RuntimeError):
    """A call on a cache that was closed."""


class WrongEventLoop(NearhitError, RuntimeError):
    """An :class:`~nearhit.AsyncCache` called from an event loop other than the one it was opened on: its
    Redis connections belong to that loop (one ``asyncio.run`` per request would otherwise share them)."""


class LoopThread:
    """One event loop running forever on a daemon thread, until :meth:`stop`."""

    def __init__(self, name: str = "nearhit-cache") -> None:
        self._loop = asyncio.new_event_loop()
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._loop.is_closed()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start ``coroutine`` on the loop; the future can be waited on from any thread or wrapped for asyncio."""
        if not self.running:
            coroutine.close()
            raise CacheClosed("this cache is closed; open a new one")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for its result (or exception) on the calling thread."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._wait(self.submit(coroutine))
        coroutine.close()
        raise SyncCallInEventLoop(
            "nearhit.Cache (the sync face) was called from inside a running event loop (async code, or a Jupyter "
            "cell), where blocking would stall that loop. Use the async face there: "
            "`cache = await nearhit.AsyncCache.open()`, then `await cache.lookup(...)`."
        )

    def _wait(self, future: concurrent.futures.Future[T]) -> T:
        """The future's result; :class:`CacheClosed` if the loop thread ends first (a ``SystemExit`` escaping a
        coroutine ends it, and the future would then never be done)."""
        while True:
            try:
                return future.result(timeout=_ALIVE_CHECK_S)
            except concurrent.futures.CancelledError:
                if not self._stopping:
                    raise
                raise CacheClosed("this cache was closed while the call was in progress; open a new one") from None
            except concurrent.futures.TimeoutError:
                if future.done():  # the coroutine's own TimeoutError
                    raise
                if not self._thread.is_alive():
                    raise CacheClosed(
                        "this cache's event loop ended (an exception such as SystemExit escaped a coroutine on "
                        "it); open a new one"
                    ) from None

    def stop(self) -> None:
        """Stop the loop and join the thread; idempotent."""
        if not self.running:
            return
        self._stopping = True
        # The calls still running (an answer waiting on its LLM in another thread) are cancelled and end here: left
        # pending on the stopped loop, each was destroyed later half-way through its work ("Task was destroyed but
        # it is pending", "Event loop is closed"), and its caller told only after a second that the loop "ended".
        asyncio.run_coroutine_threadsafe(_cancel_the_others(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


async def _cancel_the_others() -> None:
    """Cancel every other task of the running loop and wait until each has ended."""
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
