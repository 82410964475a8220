"""The two ways to answer a prompt, as event streams: the raw LLM call and the cached one.

Both columns yield the same three kinds of events (a ``CacheDocument`` only on the cache column), never
raise, end with exactly one ``ColumnDone`` (an unexpected exception included: it becomes an ``error`` with its
traceback in the log), and record one telemetry event when they end. The HTTP layer (``/ask``,
``/ask/stream``, the OpenAI gateway) only formats them.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from redis.exceptions import RedisError, ResponseError

from nearhit import tracing
from nearhit.cache.keys import options_digest
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import LookupResult
from nearhit.cache.semantic_cache import FirstLook, SemanticCache
from nearhit.economics.prices import request_cost
from nearhit.errors import NearhitError
from nearhit.llm import (
    LLMError,
    LLMEvent,
    StreamEnd,
    TextChunk,
    ToolCallDelta,
)
from nearhit.service import hits, storing
from nearhit.service.beside import Beside
from nearhit.service.events import CacheDocument, Chunk, Clock, ColumnDone, ColumnEvent
from nearhit.service.request import AskRequest, temperature_bypass
from nearhit.service.runtime import Runtime, current_request_id
from nearhit.service.store_health import StoreResult
from nearhit.service.storing import OnComplete
from nearhit.service.telemetry import Column, ColumnRecord, Outcome

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Started:
    """A miss's flight started beside its lookup's second chances, whether it joined another request's, and
    ``asked``: set once this request's call is asked of the provider (never when it follows another's)."""

    beside: Beside
    joined: bool
    asked: asyncio.Event


@dataclass(frozen=True)
class _Miss:
    """What a cache miss's column carries into its record: why the cache was not used (the LLM answered
    without it), the lookup it made, whether it joined another request's generation."""

    degraded: str | None = None
    lookup: LookupResult | None = None
    joined: bool = False


class Answerer:
    """Runs the raw and the cache column for a request against one :class:`Runtime`."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @property
    def priced_as(self) -> str:
        provider = self.runtime.provider
        return provider.imitates or provider.model

    def priced_for(self, request: AskRequest) -> str:
        """The model that prices (and tokenizes) this request: its override, the model called, the default. On the
        simulated provider no model is called: a model the caller names is imitated, not billed, so it is priced as
        the one the provider was configured to imitate (``NEARHIT_MODEL``), never as the caller's choice (a
        gateway caller naming ``o1-pro`` "saved" $0.065 a hit, against gpt-4o's cents)."""
        provider = self.runtime.provider_for(request.provider)
        if provider.simulated:
            return request.priced_as or provider.imitates or provider.model
        return request.priced_as or request.model or self.priced_as

    def simulated(self, request: AskRequest) -> bool:
        """Whether the simulated provider answers ``request`` (what it saved is then an imitation's price)."""
        return self.runtime.provider_for(request.provider).simulated

    def model_for(self, request: AskRequest) -> str:
        """The model that answers this request, as telemetry and the scope name it. A real model routed away
        from the configured provider is named ``provider/model``, so two routes to the same upstream name on
        different providers never share entries (the simulated model's names are apart already)."""
        provider = self.runtime.provider_for(request.provider)
        if request.model is None:
            return provider.model
        if provider.simulated:
            return f"simulated-{request.model}"
        return request.model if provider is self.runtime.provider else f"{provider.name}/{request.model}"

    def flight_key(self, request: AskRequest) -> str:
        """Identical misses share a generation under this key; an unshared request gets a key of its own.

        The key holds all that changes what is generated (scope, prompt, temperature, max_tokens) and what
        is done with it afterwards (store or not, and for how long): a flight stores once, for all its
        waiters, so waiters that disagree on the store must not share one. The threshold only steers the
        lookup, which is over by then.
        """
        if not request.share:
            return f"solo:{uuid.uuid4().hex}"
        query = request.checked(self.model_for(request), self.runtime.settings.max_prompt_chars).query
        assert query is not None
        forwarded = options_digest({k: v for k, v in request.params.items() if k != "user"})
        fresh = "" if request.lookup else ":fresh"  # no-cache: never handed a generation a lookup request led
        options = f"{request.max_tokens}:{request.temperature}:{request.store}:{request.ttl}:{forwarded}{fresh}"
        return f"{query.scope.id}:{query.text}:{options}"

    async def raw(self, request: AskRequest) -> AsyncIterator[ColumnEvent]:
        """The baseline: the LLM, always, no cache."""
        async for event in self._loud("raw", request, self._raw(request)):
            yield event

    async def cached(self, request: AskRequest) -> AsyncIterator[ColumnEvent]:
        """Cache first; on a miss the LLM (shared with concurrent identical misses), then the store, whose
        outcome the ``ColumnDone`` reports (it comes a store's round trip after the last piece of text)."""
        async for event in self._loud("cache", request, self._cached(request)):
            yield event

    async def _loud(
        self, column: Column, request: AskRequest, events: AsyncIterator[ColumnEvent]
    ) -> AsyncIterator[ColumnEvent]:
        """``events``, ending with exactly one ``ColumnDone``: an exception nobody planned for (a bug, an input
        nothing checked) ends the column with an ``error`` and a logged traceback, never with silence."""
        clock = Clock()
        finished = False
        try:
            async for event in events:
                finished = finished or isinstance(event, ColumnDone)
                yield event
        except Exception as exc:
            log.exception("the %s column failed", column)
            if not finished:
                yield self._error(column, request, clock, exc)
            return
        if not finished:
            log.error("the %s column ended without a result", column)
            yield self._error(column, request, clock, RuntimeError("the answer ended without a result"))

    async def _raw(self, request: AskRequest) -> AsyncIterator[ColumnEvent]:
        clock = Clock()
        pieces: list[str] = []
        try:
            async for llm_event in self._llm_stream(request, "raw"):
                if (chunk := _chunk(llm_event, clock, pieces)) is not None:
                    yield chunk
                elif isinstance(llm_event, StreamEnd):
                    yield self._done_after_llm("raw", "llm", request, clock, llm_event, "".join(pieces))
        except LLMError as exc:
            yield self._error("raw", request, clock, exc)

    async def _cached(self, request: AskRequest) -> AsyncIterator[ColumnEvent]:
        clock = Clock()
        settings = self.runtime.settings
        bypass = temperature_bypass(request.temperature, settings.gateway_max_temperature)
        if bypass is not None:
            request = replace(request, lookup=False, store=False, share=False)
        result: LookupResult | None = None
        first: FirstLook | None = None
        degraded: str | None = None
        cache = None
        query = request.query
        try:
            query = query or Lookup.of(
                request.prompt, request.scope(self.model_for(request)), settings.max_prompt_chars
            )
            cache = await self.runtime.cache()
            if request.lookup:
                first = await cache.first_look(query, threshold=request.threshold, accept=hits.acceptance(request))
                beside = first.pending and settings.second_chances_beside_llm
                result = first.result if not first.pending or beside else await first.finish()
        except Exception as exc:
            degraded = await self._lookup_failed(exc)
        # From here the request carries its Lookup; one whose prompt could not be checked is answered alone.
        if query is None:
            request = replace(request, share=False)
        elif request.query is not query:  # made here, not by ``checked`` (a hit's request comes checked)
            request = replace(request, query=query)
        started = None
        if first is not None and first.pending and degraded is None:  # its flight starts now (service.beside)
            key = self.flight_key(request)
            joined = self.runtime.flights.in_flight(key)
            asked = asyncio.Event()  # the call asked of the provider: the second chances start then (service.beside)
            started = _Started(
                Beside(first, self._subscriber(request, key, asked), asked, joined=joined), joined, asked
            )
        try:
            if started is not None:
                try:
                    result = await started.beside.finished()
                except Exception as exc:  # a second chance that failed: the LLM answers, as on any lookup failure
                    result, degraded = None, await self._lookup_failed(exc)
            async for event in self._answer(request, clock, query, cache, result, degraded, bypass, started):
                yield event
        finally:
            if started is not None:
                await started.beside.close()

    async def _answer(
        self,
        request: AskRequest,
        clock: Clock,
        query: Lookup | None,
        cache: SemanticCache | None,
        result: LookupResult | None,
        degraded: str | None,
        bypass: str | None,
        started: _Started | None,
    ) -> AsyncIterator[ColumnEvent]:
        """The hit served, or the miss answered by the LLM (``started``: its flight started beside the lookup's
        second chances, its events gathered meanwhile)."""
        scope_id = query.scope.id if query is not None else request.scope(self.model_for(request)).id
        if result is not None and result.answer is not None:
            assert cache is not None and query is not None
            try:
                served = hits.serve(result, request, self.priced_for(request))
            except Exception as exc:  # a stored answer that cannot be served: the LLM still answers, unstored
                log.exception("serving a cache hit failed; answering from the LLM")
                degraded = f"cached answer could not be served, answering from the LLM: {type(exc).__name__}: {exc}"
                result = None
            else:
                if started is not None:
                    await started.beside.drop()
                    if not started.joined:  # the call this request started and dropped: its input may be billed
                        served = hits.after_a_started_call(served, request, self.priced_for(request))
                cache.remember_served(current_request_id(), result, request.tenant, query.prompt)
                async for event in self._serve_hit(request, scope_id, result, served, clock):
                    yield event
                # The chat's next turn read once the hit's text is out (its thread takes the GIL meanwhile); a history
                # with a tool call is matched exactly: no turns to read.
                if not served.tool_calls:
                    cache.read_next_turn_after(query, served.text)
                return
        skipped = bypass or (None if request.lookup else "lookup skipped (no-cache)")
        yield CacheDocument(scope_id, result, degraded=degraded, bypass=skipped, index_evidence=request.index_evidence)
        on_complete = None
        if cache is not None and query is not None and degraded is None and request.store:
            on_complete = storing.storer(self.runtime, request, query, self.priced_for(request), result)
        pieces: list[str] = []
        end: StreamEnd | None = None
        stored = StoreResult("skipped", storing.no_store_reason(request, bypass, degraded))
        if started is None:
            key = self.flight_key(request)
            joined, asked = self.runtime.flights.in_flight(key), asyncio.Event()
            events = self._subscriber(request, key, asked)(on_complete)
        else:  # the flight's store, held until now: the final result's, with the Lookup its second chances added to
            joined, asked = started.joined, started.asked
            started.beside.decide(on_complete or stored)
            events = started.beside.events()
        try:
            async for flight_event in events:
                if (chunk := _chunk(flight_event, clock, pieces)) is not None:
                    yield chunk
                elif isinstance(flight_event, StreamEnd):
                    clock.mark_last()
                    end = flight_event
                elif isinstance(flight_event, StoreResult):
                    stored = flight_event
        except LLMError as exc:
            yield self._error("cache", request, clock, exc, _Miss(degraded, result, joined or not asked.is_set()))
            return
        # A call this process never asked joined another's: here, or another process's through Redis (its events
        # replayed by service.shared_flight), whose request counts the call and its cost.
        joined = joined or not asked.is_set()
        if end is not None:
            outcome: Outcome = "miss" if request.lookup else "bypass"
            miss = _Miss(degraded, result, joined)
            done = self._done_after_llm("cache", outcome, request, clock, end, "".join(pieces), miss)
            yield replace(done, store=stored.outcome, store_reason=stored.reason)

    def _subscriber(
        self, request: AskRequest, key: str, asked: asyncio.Event
    ) -> Callable[[OnComplete | None], AsyncIterator[LLMEvent | StoreResult]]:
        """The miss's generation, shared with concurrent identical misses, subscribed with its store; ``asked`` is
        set once this request's call is asked of the provider."""

        def call() -> AsyncIterator[LLMEvent]:
            events = self._llm_stream(request, "cache")
            asked.set()
            return events

        def lingers(events: Sequence[LLMEvent]) -> bool:
            """Only an answer a lookup may be served next (stored): any other is retried by the next request."""
            return request.store and request.lookup and storing.not_to_replay(events, request.params) is None

        def subscribe(on_complete: OnComplete | None) -> AsyncIterator[LLMEvent | StoreResult]:
            return self.runtime.flights.subscribe(
                key, lambda: self.runtime.shared_flights.produce(key, call, lingers), on_complete
            )

        return subscribe

    async def _lookup_failed(self, exc: Exception) -> str:
        """Why the cache is degraded for this request: the Redis or engine error (a lost index repaired for the
        next request), or a bug in the cache path, logged (the LLM can still answer)."""
        if isinstance(exc, (NearhitError, RedisError)):
            if isinstance(exc, ResponseError) and "no such index" in str(exc).lower():
                await self.runtime.repair_index()  # the next request finds the index again
            return _degraded_reason(exc)
        log.exception("cache lookup failed; answering from the LLM")
        return f"cache lookup failed, answering from the LLM: {type(exc).__name__}: {exc}"

    def _llm_stream(self, request: AskRequest, column: Column) -> AsyncIterator[LLMEvent]:
        provider = self.runtime.provider_for(request.provider)
        events = provider.stream(
            request.messages(),
            temperature=request.temperature,
            max_tokens=request.max_tokens,
            model=request.model,
            params=request.params,
        )
        model = request.model or provider.model
        return tracing.traced_stream(
            "llm.stream", events, column=column, provider=provider.name, model=model, tenant=request.tenant
        )

    async def _serve_hit(
        self, request: AskRequest, scope_id: str, result: LookupResult, served: hits.ServedHit, clock: Clock
    ) -> AsyncIterator[ColumnEvent]:
        """The hit's ``CacheDocument``, its text in a few pieces, its tool calls, its ``ColumnDone``: no token
        counting, no price lookup (the entry has both), no pause between pieces."""
        assert result.match is not None
        yield CacheDocument(scope_id, result, served=served, index_evidence=request.index_evidence)
        clock.mark_first()
        for piece in hits.pieces(served.text, self.runtime.settings.hit_chunk_chars):
            yield Chunk(piece)
        for index, call in enumerate(served.tool_calls):
            for delta in hits.tool_call_deltas(index, call):
                yield Chunk("", tool_call=delta)
        record = self._record(
            "cache",
            result.match,
            request,
            clock,
            tokens_saved=served.tokens_saved,
            cost_saved_usd=served.cost_saved_usd,
            similarity=result.similarity,
            lookup=result,
            llm_started=served.llm_started,
        )
        yield ColumnDone("done", record, finish_reason=served.finish_reason, text=served.text)

    def _done_after_llm(
        self,
        column: Column,
        outcome: Outcome,
        request: AskRequest,
        clock: Clock,
        end: StreamEnd,
        text: str,
        miss: _Miss | None = None,
    ) -> ColumnDone:
        miss = miss or _Miss()
        cost = request_cost(self.priced_for(request), end.usage.prompt_tokens, end.usage.completion_tokens)
        record = self._record(
            column,
            outcome,
            request,
            clock,
            prompt_tokens=end.usage.prompt_tokens,
            completion_tokens=end.usage.completion_tokens,
            cost_usd=0.0 if miss.joined else cost.usd,  # one call, paid once: by the request that started it
            degraded=miss.degraded is not None,
            lookup=miss.lookup,
            joined=miss.joined,
        )
        status: Literal["done", "degraded"] = "degraded" if miss.degraded else "done"
        return ColumnDone(status, record, finish_reason=end.finish_reason, error=miss.degraded, text=text)

    def _error(
        self,
        column: Column,
        request: AskRequest,
        clock: Clock,
        exc: Exception,
        miss: _Miss | None = None,
    ) -> ColumnDone:
        """An LLM failure keeps the provider's status; anything else is an internal error."""
        miss = miss or _Miss()
        message = str(exc) if isinstance(exc, LLMError) else f"internal error: {type(exc).__name__}: {exc}"
        degraded = miss.degraded is not None
        record = self._record(
            column, "error", request, clock, degraded=degraded, error=message, lookup=miss.lookup, joined=miss.joined
        )
        if isinstance(exc, LLMError):
            return ColumnDone("error", record, error=message, error_status=exc.status_code, retry_after=exc.retry_after)
        return ColumnDone("error", record, error=message, internal=True)

    def _record(
        self,
        column: Column,
        outcome: Outcome,
        request: AskRequest,
        clock: Clock,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        tokens_saved: int = 0,
        cost_usd: float = 0.0,
        cost_saved_usd: float = 0.0,
        similarity: float | None = None,
        degraded: bool = False,
        error: str | None = None,
        lookup: LookupResult | None = None,
        joined: bool = False,
        llm_started: bool = False,
    ) -> ColumnRecord:
        provider = self.runtime.provider_for(request.provider)
        rewrite_cost_usd, rewrite_ms = _model_call(lookup.rewrite if lookup is not None else None)
        verify_cost_usd, verify_ms = _model_call(lookup.verify if lookup is not None else None)
        record = ColumnRecord(
            column=column,
            outcome=outcome,
            source=request.source,
            model=self.model_for(request),
            priced_as=self.priced_for(request),
            simulated=provider.simulated,
            tenant=request.tenant,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            tokens_saved=tokens_saved,
            cost_usd=cost_usd,
            cost_saved_usd=cost_saved_usd,
            total_ms=clock.total_ms,
            ttft_ms=clock.ttft_ms,
            similarity=similarity,
            degraded=degraded,
            error=error,
            ts=time.time(),
            lookup_ms=lookup.timings_ms.get("total") if lookup is not None else None,
            rejected_by=lookup.rejected_by if lookup is not None else None,
            joined=joined,
            conversation=request.query is not None and request.query.context is not None,
            rewrite_cost_usd=rewrite_cost_usd,
            rewrite_ms=rewrite_ms,
            verify_cost_usd=verify_cost_usd,
            verify_ms=verify_ms,
            rewrite_skipped=_skipped(lookup.rewrite if lookup is not None else None),
            verify_skipped=_skipped(lookup.verify if lookup is not None else None),
            llm_started=llm_started,
        )
        self.runtime.telemetry.record(record)
        return record


def _chunk(event: LLMEvent | StoreResult, clock: Clock, pieces: list[str]) -> Chunk | None:
    """A piece of the LLM's answer (text, or a tool call's) as a column yields it, its time and text noted;
    None for any other event."""
    if isinstance(event, TextChunk):
        clock.mark_first()
        pieces.append(event.text)
        return Chunk(event.text, logprobs=event.logprobs, refusal=event.refusal)
    if isinstance(event, ToolCallDelta):
        clock.mark_first()
        return Chunk("", tool_call=event)
    return None


def _degraded_reason(exc: BaseException) -> str:
    return f"cache unavailable, answering from the LLM: {exc}"


def _model_call(shown: dict[str, Any] | None) -> tuple[float, float | None]:
    """What a lookup's call to a model beside the chat model (the rewrite, the check: ``LookupResult.rewrite`` or
    ``verify``) cost and took; no time when none was made (none asked, its reply kept in Redis, or skipped)."""
    if not shown:
        return 0.0, None
    return float(shown.get("cost_usd", 0.0)), None if shown["cached"] or "skipped" in shown else shown.get("ms")


def _skipped(shown: dict[str, Any] | None) -> bool:
    """Whether a lookup's call to a model beside the chat model was skipped: the model kept failing."""
    return bool(shown and "skipped" in shown)
