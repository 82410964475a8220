"""The sync library face: the same cache for code without asyncio (scripts, Flask, Django, notebooks' threads).

It owns a private event loop on a daemon thread (:class:`LoopThread`) and runs the async face there, so every
thread of the application shares one engine and one Redis pool, and the results are the async face's own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

from nearhit.cache import CacheStats, LookupResult, SearchHit
from nearhit.config import Settings
from nearhit.library.async_cache import Answer, AsyncCache, History
from nearhit.library.loop_thread import LoopThread

T = TypeVar("T")


class Cache:
    """Exact + semantic cache of LLM answers on Redis, for synchronous code. Open with :meth:`open`.

    Thread-safe. Calling it from inside a running event loop raises :class:`SyncCallInEventLoop`: use
    :class:`AsyncCache` there.
    """

    def __init__(self, inner: AsyncCache, thread: LoopThread) -> None:
        self.inner = inner
        self._thread = thread

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

    def lookup(
        self,
        prompt: str,
        *,
        model: str | None = None,
        tenant: str | None = None,
        system_prompt: str | None = None,
        history: History = (),
        threshold: float | None = None,
    ) -> LookupResult:
        """Exact match first, then the nearest entry in scope above the threshold that passes the guards."""
        return self._thread.run(
            self.inner.lookup(
                prompt, model=model, tenant=tenant, system_prompt=system_prompt, history=history, threshold=threshold
            )
        )

    def store(
        self,
        prompt: str,
        response: str,
        *,
        model: str | None = None,
        tenant: str | None = None,
        system_prompt: str | None = None,
        history: History = (),
        ttl: int | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> str:
        """Store ``response`` as the answer to ``prompt``; returns the entry's id (for :meth:`delete`)."""
        return self._thread.run(
            self.inner.store(
                prompt,
                response,
                model=model,
                tenant=tenant,
                system_prompt=system_prompt,
                history=history,
                ttl=ttl,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
            )
        )

    def answer(
        self,
        prompt: str,
        call_llm: Callable[[str], str],
        *,
        model: str | None = None,
        tenant: str | None = None,
        system_prompt: str | None = None,
        history: History = (),
        threshold: float | None = None,
        ttl: int | None = None,
    ) -> Answer:
        """Lookup, else ``call_llm(prompt)`` (in a worker thread) and store its text; concurrent misses on the
        same prompt, from any thread, share one call."""

        async def call(text: str) -> str:
            return await asyncio.to_thread(call_llm, text)

        return self._thread.run(
            self.inner.answer(
                prompt,
                call,
                model=model,
                tenant=tenant,
                system_prompt=system_prompt,
                history=history,
                threshold=threshold,
                ttl=ttl,
            )
        )

    def cached(self, function: Callable[[str], str]) -> Callable[[str], str]:
        """Decorator: ``function(prompt)`` answered through :meth:`answer` (this cache's scope)."""

        @functools.wraps(function)
        def wrapper(prompt: str) -> str:
            return self.answer(prompt, function).text

        return wrapper

    def search(
        self, text: str, *, top_k: int = 5, threshold: float | None = None, tenant: str | None = None
    ) -> list[SearchHit]:
        """The stored entries nearest to ``text``, nearest first: every scope, or one tenant's."""
        return self._thread.run(self.inner.search(text, top_k=top_k, threshold=threshold, tenant=tenant))

    def delete(self, doc_id: str) -> bool:
        """Delete one entry by the id :meth:`store` returned; False if there was none."""
        return self._thread.run(self.inner.delete(doc_id))

    def clear(self, *, tenant: str | None = None, prompt_pattern: str | None = None) -> int:
        """Delete every entry, one tenant's, or those whose prompt matches a glob; returns how many."""
        return self._thread.run(self.inner.clear(tenant=tenant, prompt_pattern=prompt_pattern))

    def stats(self) -> CacheStats:
        """Entries, index and memory sizes, hit and miss counters."""
        return self._thread.run(self.inner.stats())

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start a coroutine of :attr:`inner` on this cache's loop, without waiting: for adapters that serve both
        sync callers (``.result()``) and async ones (``await asyncio.wrap_future(...)``) with one cache."""
        return self._thread.submit(coroutine)

    def close(self) -> None:
        """Write pending counters and background work, disconnect, stop the loop thread; idempotent."""
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
