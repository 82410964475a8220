"""The async library face: the engine behind a small, documented surface with the server's settings.

``AsyncCache.open()`` wires Redis (the embedded one when no URL is given, as the CLI does), the configured
embedder and the index exactly as the server does, and stores under the server's model by default, so an
answer stored from Python is served by the UI and the gateway, and the other way round. Results are the
engine's own types (:class:`LookupResult`, :class:`SearchHit`, :class:`CacheStats`).
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import functools
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Coroutine, Generator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar, Unpack

from pydantic import AliasChoices

from nearhit import validate
from nearhit.cache import CacheStats, LookupResult, Scope, SearchHit, SemanticCache
from nearhit.cache.results import Match
from nearhit.config import Settings, load_settings
from nearhit.errors import ConfigError, InvalidInput, RedisUnavailable, StoreCleared
from nearhit.library.loop_thread import CacheClosed, WrongEventLoop
from nearhit.llm import served_model
from nearhit.service import bootstrap
from nearhit.service.singleflight import SingleFlight

if TYPE_CHECKING:
    import numpy as np

Self = TypeVar("Self", bound="AsyncCache")
History = Sequence[tuple[str, str]]


class ScopeArgs(TypedDict, total=False):
    """The scope arguments every request-path method takes: this cache's model and tenant unless given, plus
    the conversation's system prompt and earlier turns (named once here, so the faces cannot drift apart)."""

    model: str | None
    tenant: str | None
    system_prompt: str | None
    history: History


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """What :meth:`AsyncCache.answer` returns: the text, and whether the cache (``match``) or the LLM gave it."""

    text: str
    match: Match | None
    lookup: LookupResult | None
    """The lookup behind it; None when the cache was unavailable and the LLM answered uncached."""

    @property
    def cached(self) -> bool:
        return self.match is not None


class Opening(Generic[Self]):
    """What :meth:`AsyncCache.open` returns: await it (``cache = await AsyncCache.open()``) or use it as a
    context manager (``async with AsyncCache.open() as cache:``), which closes the cache on the way out."""

    def __init__(self, opening: Coroutine[Any, Any, Self]) -> None:
        self._opening = opening
        self._cache: Self | None = None

    def __await__(self) -> Generator[Any, None, Self]:
        return self._opening.__await__()

    async def __aenter__(self) -> Self:
        self._cache = await self._opening
        return self._cache

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._cache is not None:
            await self._cache.close()


class AsyncCache:
    """Exact + semantic cache of LLM answers on Redis, for asyncio code. Open with :meth:`open`."""

    def __init__(self, engine: SemanticCache, settings: Settings, *, model: str, tenant: str = "default") -> None:
        self.engine = engine
        self.settings = settings
        self.model = model
        self.tenant = tenant
        self._default_scope = Scope.build(model=model, tenant=tenant)
        self._flights: SingleFlight[str] = SingleFlight()
        self._stores: set[asyncio.Task[str]] = set()
        """The stores of answers in flight, waited for by :meth:`close` before it disconnects."""
        self._calls = 0
        self._idle = asyncio.Event()
        """Set while no call is using the engine (:meth:`_using`): :meth:`close` waits for it before it disconnects."""
        self._idle.set()
        self._closed = False
        self._loop = _running_loop()
        self.uncached_answers = 0
        """Answers :meth:`answer` had the LLM give uncached since Redis became unavailable (0 while it answers)."""

    @classmethod
    def open(
        cls: type[Self],
        url: str | None = None,
        *,
        model: str | None = None,
        tenant: str = "default",
        settings: Settings | None = None,
        **overrides: Any,
    ) -> Opening[Self]:
        """Connect and check (or create) the index.

        ``url`` is a Redis URL (default ``REDIS_URL``, else the embedded Redis under ``NEARHIT_DATA_DIR``);
        ``overrides`` are settings by field name (``index_name=``, ``similarity_threshold=``, ``cache_ttl=``,
        ...) on top of the environment and ``.env``, as the server reads them. ``model`` defaults to the model
        the server answers as (``NEARHIT_MODEL``; ``simulated-<model>`` with the simulated LLM).
        """
        return Opening(cls._open(url, model=model, tenant=tenant, settings=settings, overrides=overrides))

    @classmethod
    async def _open(
        cls: type[Self],
        url: str | None,
        *,
        model: str | None,
        tenant: str,
        settings: Settings | None,
        overrides: dict[str, Any],
    ) -> Self:
        if settings is not None and overrides:
            raise InvalidInput("give either settings= or setting overrides, not both")
        if url is not None and not isinstance(url, str):
            raise InvalidInput(f"url must be a Redis URL (str), not {type(url).__name__}")
        if settings is None:
            settings = load_settings(**_known_settings(overrides))
        if url is not None:
            settings = settings.model_copy(update={"redis_url": url})
        engine = await bootstrap.open_cache(settings)
        # Its calls match a chat's earlier turns exactly (the scope), never by meaning: no lookup of it reads the turns
        # a chat's next turn read ahead would (``SemanticCache.read_next_turn``: background CPU per store, for nothing).
        engine.read_next_turn = False
        try:
            return cls(engine, settings, model=served_model(settings) if model is None else model, tenant=tenant)
        except Exception:
            await engine.close()
            raise

    def _live(self) -> SemanticCache:
        """The engine, for a call that may use it: not after :meth:`close` (a closed pool would quietly
        reconnect, and what the call counted would never be written), and only on the loop that opened it."""
        if self._closed:
            raise CacheClosed("this cache is closed; open a new one")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise WrongEventLoop(
                "this AsyncCache was opened on another event loop, whose Redis connections it holds: open one "
                "AsyncCache per event loop (e.g. per asyncio.run), or use nearhit.Cache (thread-safe, on its "
                "own loop) from code that runs no loop"
            )
        return self.engine

    @contextlib.asynccontextmanager
    async def _using(self) -> AsyncIterator[SemanticCache]:
        """The engine for one call, counted until it returns: a close meanwhile waits for it rather than disconnect
        under it (its next command would open a new connection in the closed pool, which nobody closes: 64 of
        them were left open by 300 answers in flight at a close)."""
        engine = self._live()
        self._calls += 1
        self._idle.clear()
        try:
            yield engine
        finally:
            self._calls -= 1
            if not self._calls:
                self._idle.set()

    # --- the request path -----------------------------------------------------------------------------

    def scope(self, **args: Unpack[ScopeArgs]) -> Scope:
        """The scope a call works in: this cache's model and tenant unless given, plus system prompt and turns."""
        model, tenant = args.get("model"), args.get("tenant")
        system_prompt, history = args.get("system_prompt"), args.get("history", ())
        if model is None and tenant is None and not system_prompt and not history:
            return self._default_scope
        return Scope.build(
            model=self.model if model is None else model,
            tenant=self.tenant if tenant is None else tenant,
            system_prompt=validate.system_prompt(system_prompt),
            history=validate.turns(history),
        )

    async def lookup(
        self,
        prompt: str,
        *,
        threshold: float | None = None,
        vector: Sequence[float] | np.ndarray | None = None,
        **scope: Unpack[ScopeArgs],
    ) -> LookupResult:
        """Exact match first, then the nearest entry in scope above the threshold that passes the guards.

        ``threshold``: this lookup's, a floor as ``similarity_threshold`` set is (no margin under it unless one
        is set too); None: the cache's, with its margins.

        ``vector``: the prompt's embedding by this cache's model, when the caller has it already (as RedisVL's
        ``check(vector=...)``): nothing is embedded, and on one Redis node the KNN goes in the exact read's round
        trip. A single question only (a ``history`` is embedded with its prompt)."""
        async with self._using() as engine:
            return await engine.lookup(prompt, self.scope(**scope), threshold=threshold, vector=vector)

    async def store(
        self,
        prompt: str,
        response: str,
        *,
        ttl: int | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        vector: Sequence[float] | np.ndarray | None = None,
        **scope: Unpack[ScopeArgs],
    ) -> str:
        """Store ``response`` as the answer to ``prompt``; returns the entry's id (for :meth:`delete`).
        ``vector``: the prompt's embedding by this cache's model, if the caller has it (nothing is embedded)."""
        async with self._using() as engine:
            return await engine.store(
                prompt,
                response,
                self.scope(**scope),
                ttl=ttl,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                vector=vector,
            )

    async def answer(
        self,
        prompt: str,
        call_llm: Callable[[str], Awaitable[str]],
        *,
        threshold: float | None = None,
        ttl: int | None = None,
        **args: Unpack[ScopeArgs],
    ) -> Answer:
        """Lookup, else ``await call_llm(prompt)`` and store its text. Concurrent misses on the same prompt in
        the same scope share one call (single-flight). With Redis unavailable, the LLM answers uncached."""
        # One Lookup for the lookup, the store (its embedding reused) and the flight's key: the prompt's text as
        # the cache reads it ("?" and "..." are two prompts, not one empty text).
        engine = self._live()
        ttl = validate.ttl(ttl)  # refused before the LLM is paid for, not at the store after it
        check_llm_function(call_llm)  # before the lookup: not only on the first miss
        query = engine.prepare(prompt, self.scope(**args))
        result: LookupResult | None = None
        try:
            async with self._using():
                result = await engine.lookup(query, threshold=threshold)
        except RedisUnavailable as exc:
            # Logged once as the outage begins and once as it ends (as the service's store health is), not once a
            # call: an outage under load would write a warning per request.
            if not self.uncached_answers:
                log.warning("cache unavailable, calling the LLM uncached until Redis answers: %s", exc)
            self.uncached_answers += 1
        else:
            if self.uncached_answers:
                log.info("cache available again (%d answers given uncached meanwhile)", self.uncached_answers)
                self.uncached_answers = 0
        if result is not None and result.answer is not None:
            return Answer(result.answer.response, result.match, result)

        async def produce() -> AsyncGenerator[str, None]:
            text = await call_llm(prompt)
            if not isinstance(text, str):
                raise TypeError(f"call_llm must return the answer as str, not {type(text).__name__}")
            if result is not None and self._closed:
                # Closed while call_llm ran: the caller gets its answer; a store now would reconnect the closed pool
                # (a connection nobody closes) or, on the sync face's stopped loop, be left half-way.
                log.info("answer not stored: the cache was closed while call_llm ran")
            elif result is not None:  # stored before the waiters return, so a later call finds it
                store = asyncio.ensure_future(engine.store(query, text, ttl=ttl))
                self._stores.add(store)
                store.add_done_callback(self._stores.discard)
                try:
                    await store
                except (InvalidInput, RedisUnavailable) as exc:
                    log.warning("answer not stored: %s", exc)
                except StoreCleared:
                    pass  # the cache was cleared while call_llm ran: counted (stores_cleared), the caller answered
            yield text

        answered = ""
        async for text in self._flights.subscribe(f"{query.scope.id}:{query.text}", produce):
            answered = text  # one event: the whole answer
        return Answer(answered, None, result)

    def cached(self, function: Callable[[str], Awaitable[str]]) -> Callable[[str], Awaitable[str]]:
        """Decorator: ``function(prompt)`` answered through :meth:`answer` (this cache's scope)."""

        @functools.wraps(function)
        async def wrapper(prompt: str) -> str:
            return (await self.answer(prompt, function)).text

        return wrapper

    # --- admin ----------------------------------------------------------------------------------------

    async def search(
        self, text: str, *, top_k: int = 5, threshold: float | None = None, tenant: str | None = None
    ) -> list[SearchHit]:
        """The stored entries nearest to ``text``, nearest first: every scope, or one tenant's."""
        async with self._using() as engine:
            return await engine.search(text=text, top_k=top_k, threshold=threshold, tenant=tenant)

    async def delete(self, doc_id: str) -> bool:
        """Delete one entry by the id :meth:`store` returned; False if there was none."""
        async with self._using() as engine:
            return await engine.delete(doc_id)

    async def clear(self, *, tenant: str | None = None, prompt_pattern: str | None = None) -> int:
        """Delete every entry, one tenant's, or those whose prompt matches a glob; returns how many."""
        async with self._using() as engine:
            return await engine.clear(tenant=tenant, prompt_pattern=prompt_pattern)

    async def stats(self) -> CacheStats:
        """Entries, index and memory sizes, hit and miss counters."""
        async with self._using() as engine:
            return await engine.stats()

    async def close(self) -> None:
        """Write pending counters and background work, then disconnect; idempotent."""
        if self._closed:
            return
        engine = self._live()
        self._closed = True
        # Calls and stores begun before the close end before the disconnect (a store failed, "Connection closed by
        # server"; a lookup went on in a pool reconnected after it).
        await self._idle.wait()
        await asyncio.gather(*self._stores, return_exceptions=True)
        await engine.close()

    async def __aenter__(self: Self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def _known_settings(overrides: dict[str, Any]) -> dict[str, Any]:
    """``overrides``, if each names a setting (by field or variable name): the settings ignore unknown names
    (for ``.env`` files shared with other programs), so a misspelt argument would be silently dropped."""
    names = set(Settings.model_fields)
    arguments = set()  # what to suggest: each setting's argument name (similarity_threshold, not its field's)
    for name, field in Settings.model_fields.items():
        aliases = field.validation_alias.choices if isinstance(field.validation_alias, AliasChoices) else []
        names.update(alias for alias in aliases if isinstance(alias, str))
        arguments.update([a for a in aliases if isinstance(a, str) and a.islower()] or [name])
    unknown = [name for name in overrides if name not in names]
    if unknown:
        close = difflib.get_close_matches(unknown[0], arguments, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ConfigError(f"unknown setting {unknown[0]!r}{hint}; the settings are nearhit.Settings' fields")
    return overrides


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def check_llm_function(call_llm: object) -> None:
    """``call_llm`` is a function (or any callable): an :class:`InvalidInput` naming what it is otherwise."""
    if not callable(call_llm):
        raise InvalidInput(f"call_llm must be a function of the prompt, not {type(call_llm).__name__}")
