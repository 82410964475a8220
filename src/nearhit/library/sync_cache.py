"""The sync library face: the same cache for code without asyncio (scripts, Flask, Django, notebooks' threads).

It owns a private event loop on a daemon thread (:class:`LoopThread`) and runs the async face there, so every
thread of the application shares one engine and one Redis pool, and the results are the async face's own.
The methods are generated from :class:`AsyncCache`'s by :func:`_blocking` (same signature and docstring), so
the two faces cannot drift apart; only :meth:`Cache.answer` and :meth:`Cache.cached` are written here, as
they take a synchronous LLM function.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import functools
import weakref
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar, Unpack

from nearhit.config import Settings
from nearhit.library.async_cache import Answer, AsyncCache, ScopeArgs, check_llm_function
from nearhit.library.loop_thread import LoopThread

T = TypeVar("T")
P = ParamSpec("P")


def _blocking(
    method: Callable[Concatenate[AsyncCache, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[Cache, P], T]:
    """``AsyncCache.method`` as a blocking method of :class:`Cache`: run on the cache's loop thread."""

    @functools.wraps(method)
    def blocking(self: Cache, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._thread.run(method(self.inner, *args, **kwargs))

    return blocking


class Cache:
    """Exact + semantic cache of LLM answers on Redis, for synchronous code. Open with :meth:`open`.

    Thread-safe. Calling it from inside a running event loop raises :class:`SyncCallInEventLoop`: use
    :class:`AsyncCache` there.
    """

    def __init__(self, inner: AsyncCache, thread: LoopThread) -> None:
        self.inner = inner
        self._thread = thread
        # A cache never closed (`set_llm_cache(NearhitCache())`) is closed at exit, while its loop still runs:
        # its counters and background stores are written, and no pending task is destroyed noisily.
        self._close_at_exit = functools.partial(_close_if_alive, weakref.ref(self))
        atexit.register(self._close_at_exit)

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        model: str | None = None,
        tenant: str = "default",
        settings: Settings | None = None,
        **overrides: Any,
    ) -> Cache:
        """Connect and check (or create) the index; the arguments are :meth:`AsyncCache.open`'s."""
        thread = LoopThread()
        try:
            inner = thread.run(
                AsyncCache._open(url, model=model, tenant=tenant, settings=settings, overrides=overrides)
            )
        except BaseException:
            thread.stop()
            raise
        return cls(inner, thread)

    @property
    def settings(self) -> Settings:
        return self.inner.settings

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def tenant(self) -> str:
        return self.inner.tenant

    lookup = _blocking(AsyncCache.lookup)
    store = _blocking(AsyncCache.store)
    search = _blocking(AsyncCache.search)
    delete = _blocking(AsyncCache.delete)
    clear = _blocking(AsyncCache.clear)
    stats = _blocking(AsyncCache.stats)

    def answer(
        self,
        prompt: str,
        call_llm: Callable[[str], str],
        *,
        threshold: float | None = None,
        ttl: int | None = None,
        **scope: Unpack[ScopeArgs],
    ) -> Answer:
        """Lookup, else ``call_llm(prompt)`` (in a worker thread) and store its text; concurrent misses on the
        same prompt, from any thread, share one call."""
        check_llm_function(call_llm)

        async def call(text: str) -> str:
            return await asyncio.to_thread(_carried, call_llm, text)

        try:
            return self._thread.run(self.inner.answer(prompt, call, threshold=threshold, ttl=ttl, **scope))
        except _Escaped as escaped:
            raise escaped.raised from None

    def cached(self, function: Callable[[str], str]) -> Callable[[str], str]:
        """Decorator: ``function(prompt)`` answered through :meth:`answer` (this cache's scope)."""

        @functools.wraps(function)
        def wrapper(prompt: str) -> str:
            return self.answer(prompt, function).text

        return wrapper

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start a coroutine of :attr:`inner` on this cache's loop, without waiting: for adapters that serve both
        sync callers (``.result()``) and async ones (``await asyncio.wrap_future(...)``) with one cache."""
        return self._thread.submit(coroutine)

    def close(self) -> None:
        """Write pending counters and background work, disconnect, stop the loop thread; idempotent."""
        atexit.unregister(self._close_at_exit)
        if self._thread.running:
            try:
                self._thread.run(self.inner.close())
            finally:
                self._thread.stop()

    def __enter__(self) -> Cache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Escaped(Exception):
    """What the LLM function raised that is no ``Exception`` (``SystemExit``, ``KeyboardInterrupt``, a
    framework's cancellation), carried through the loop as one: raised as itself there, it would end the loop
    thread, leaving this call and every later one waiting for ever. Raised as itself in the caller's thread."""

    def __init__(self, raised: BaseException) -> None:
        super().__init__(repr(raised))
        self.raised = raised


def _carried(call_llm: Callable[[str], str], text: str) -> str:
    try:
        return call_llm(text)
    except Exception:
        raise
    except BaseException as exc:
        raise _Escaped(exc) from None


def _close_if_alive(ref: weakref.ReferenceType[Cache]) -> None:
    cache = ref()
    if cache is not None:
        cache.close()
