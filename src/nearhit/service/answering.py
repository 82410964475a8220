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
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Literal

from redis.exceptions import RedisError, ResponseError

from nearhit import tracing
from nearhit.cache import stored_answer
from nearhit.cache.keys import options_digest
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import LookupResult
from nearhit.economics.prices import request_cost
from nearhit.errors import InvalidInput, NearhitError
from nearhit.llm import (
    LLMError,
    LLMEvent,
    StreamEnd,
    TextChunk,
    ToolCallDelta,
    assemble_tool_calls,
    count_message_tokens,
)
from nearhit.llm.tokens import encoding_for
from nearhit.service.events import CacheDocument, Chunk, Clock, ColumnDone, ColumnEvent, replay_pieces
from nearhit.service.request import AskRequest, temperature_bypass
from nearhit.service.runtime import Runtime, current_request_id
from nearhit.service.store_health import StoreResult
from nearhit.service.telemetry import Column, ColumnRecord, Outcome

log = logging.getLogger(__name__)
_ARGUMENT_PIECE_CHARS = 8  # about the 2-3 tokens of JSON OpenAI sends per tool-call delta


class Answerer:
    """Runs the raw and the cache column for a request against one :class:`Runtime`."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @property
    def priced_as(self) -> str:
        provider = self.runtime.provider
        return provider.imitates or provider.model

    def priced_for(self, request: AskRequest) -> str:
        """The model that prices (and tokenizes) this request: its override, the model called, the default."""
        return request.priced_as or request.model or self.priced_as

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
        options = f"{request.max_tokens}:{request.temperature}:{request.store}:{request.ttl}:{forwarded}"
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
                if isinstance(llm_event, TextChunk):
                    clock.mark_first()
                    pieces.append(llm_event.text)
                    yield Chunk(llm_event.text, logprobs=llm_event.logprobs)
                elif isinstance(llm_event, ToolCallDelta):
                    clock.mark_first()
                    yield Chunk("", tool_call=llm_event)
                else:
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
        degraded: str | None = None
        cache = None
        query = request.query
        try:
            query = query or Lookup.of(
                request.prompt, request.scope(self.model_for(request)), settings.max_prompt_chars
            )
            cache = await self.runtime.cache()
            if request.lookup:
                result = await cache.lookup(query, threshold=request.threshold)
        except (NearhitError, RedisError) as exc:
            degraded = _degraded_reason(exc)
            if isinstance(exc, ResponseError) and "no such index" in str(exc).lower():
                await self.runtime.repair_index()  # the next request finds the index again
        except Exception as exc:  # a bug in the cache path: the LLM can still answer, and the log says why
            log.exception("cache lookup failed; answering from the LLM")
            degraded = f"cache lookup failed, answering from the LLM: {type(exc).__name__}: {exc}"
        # From here the request carries its Lookup; one whose prompt could not be checked is answered alone.
        request = replace(request, query=query) if query is not None else replace(request, share=False)
        scope_id = query.scope.id if query is not None else request.scope(self.model_for(request)).id
        if result is not None and result.answer is not None:
            result = _servable(result, request, self.priced_for(request))
        if result is not None and result.answer is not None:
            assert cache is not None and query is not None
            cache.remember_served(current_request_id(), result, request.tenant, query.prompt)
            yield CacheDocument(scope_id, result)
            async for event in self._replay(request, result, clock):
                yield event
            return
        skipped = bypass or (None if request.lookup else "lookup skipped (no-cache)")
        yield CacheDocument(scope_id, result, degraded=degraded, bypass=skipped)
        on_complete = None
        if cache is not None and query is not None and degraded is None and request.store:
            on_complete = self._storer(request, query, result)
        pieces: list[str] = []
        end: StreamEnd | None = None
        stored = StoreResult("skipped", _no_store_reason(request, bypass, degraded))
        key = self.flight_key(request)
        joined = self.runtime.flights.in_flight(key)
        try:
            async for flight_event in self.runtime.flights.subscribe(
                key,
                lambda: self._llm_stream(request, "cache"),
                on_complete,
            ):
                if isinstance(flight_event, TextChunk):
                    clock.mark_first()
                    pieces.append(flight_event.text)
                    yield Chunk(flight_event.text, logprobs=flight_event.logprobs)
                elif isinstance(flight_event, ToolCallDelta):
                    clock.mark_first()
                    yield Chunk("", tool_call=flight_event)
                elif isinstance(flight_event, StreamEnd):
                    clock.mark_last()
                    end = flight_event
                elif isinstance(flight_event, StoreResult):
                    stored = flight_event
        except LLMError as exc:
            yield self._error("cache", request, clock, exc, degraded=degraded, lookup=result, joined=joined)
            return
        if end is not None:
            outcome: Outcome = "miss" if request.lookup else "bypass"
            done = self._done_after_llm(
                "cache", outcome, request, clock, end, "".join(pieces), degraded=degraded, lookup=result, joined=joined
            )
            yield replace(done, store=stored.outcome, store_reason=stored.reason)

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

    async def _replay(self, request: AskRequest, result: LookupResult, clock: Clock) -> AsyncIterator[ColumnEvent]:
        assert result.answer is not None and result.match is not None
        answer = result.answer
        priced_as = self.priced_for(request)
        text, calls = stored_answer.decode(answer.response)
        finish_reason = "tool_calls" if calls else "stop"
        completion_tokens = answer.completion_tokens
        if request.max_tokens is not None and not calls:
            text, completion_tokens, finish_reason = cut_to_tokens(
                text, completion_tokens, request.max_tokens, priced_as
            )
        for piece in replay_pieces(text) if text else ():
            clock.mark_first()
            yield Chunk(piece)
            await asyncio.sleep(0)  # let the other column and the transport run between pieces
        for index, call in enumerate(calls):
            clock.mark_first()
            for delta in replay_tool_call(index, call.id, call.name, call.arguments):
                yield Chunk("", tool_call=delta)
        prompt_tokens = count_message_tokens(request.messages(), priced_as)
        saved = request_cost(priced_as, prompt_tokens, completion_tokens)
        record = self._record(
            "cache",
            result.match,
            request,
            clock,
            prompt_tokens=0,
            completion_tokens=0,
            tokens_saved=prompt_tokens + completion_tokens,
            cost_usd=0.0,
            cost_saved_usd=saved.usd,
            similarity=result.similarity,
            lookup=result,
        )
        yield ColumnDone("done", record, finish_reason=finish_reason, text=text)

    def _storer(
        self, request: AskRequest, query: Lookup, lookup: LookupResult | None = None
    ) -> Callable[[list[LLMEvent | StoreResult]], Awaitable[StoreResult]]:
        """The flight's ``on_complete``: store the answer, count the outcome, hand it to every waiter; an
        explored candidate (``lookup.probe``) is then labelled from the fresh answer."""

        async def store(events: list[LLMEvent | StoreResult]) -> StoreResult:
            result = await attempt(events)
            self.runtime.stores.record(result)
            if result.outcome == "stored" and lookup is not None and lookup.probe is not None and lookup.embedding:
                text = "".join(e.text for e in events if isinstance(e, TextChunk))
                await self.runtime.learn(lookup.probe, lookup.embedding, query.prompt, text)
            return result

        async def attempt(events: list[LLMEvent | StoreResult]) -> StoreResult:
            end = events[-1] if events else None
            if not isinstance(end, StreamEnd) or end.finish_reason not in ("stop", "tool_calls"):
                reason = end.finish_reason if isinstance(end, StreamEnd) else "none"
                return StoreResult("skipped", f"the answer is cut or filtered (finish_reason {reason})")
            calls = assemble_tool_calls([e for e in events if isinstance(e, ToolCallDelta)])
            text = stored_answer.encode("".join(e.text for e in events if isinstance(e, TextChunk)), calls)
            try:
                cache = await self.runtime.cache()
                with tracing.span("cache.store", tenant=request.tenant, completion_tokens=end.usage.completion_tokens):
                    await cache.store(
                        query,  # its embedding, when the lookup computed one: no second embed or read
                        text,
                        ttl=request.ttl,
                        prompt_tokens=end.usage.prompt_tokens,
                        completion_tokens=end.usage.completion_tokens,
                    )
            except InvalidInput as exc:  # an empty or oversized answer: not worth keeping, Redis is fine
                return StoreResult("skipped", str(exc))
            except (NearhitError, RedisError) as exc:
                return StoreResult("failed", str(exc))
            except Exception as exc:
                log.exception("answer not stored")
                return StoreResult("failed", f"{type(exc).__name__}: {exc}")
            return StoreResult("stored")

        return store

    def _done_after_llm(
        self,
        column: Column,
        outcome: Outcome,
        request: AskRequest,
        clock: Clock,
        end: StreamEnd,
        text: str,
        degraded: str | None = None,
        lookup: LookupResult | None = None,
        joined: bool = False,
    ) -> ColumnDone:
        cost = request_cost(self.priced_for(request), end.usage.prompt_tokens, end.usage.completion_tokens)
        record = self._record(
            column,
            outcome,
            request,
            clock,
            prompt_tokens=end.usage.prompt_tokens,
            completion_tokens=end.usage.completion_tokens,
            tokens_saved=0,
            cost_usd=cost.usd,
            cost_saved_usd=0.0,
            degraded=degraded is not None,
            lookup=lookup,
            joined=joined,
        )
        status: Literal["done", "degraded"] = "degraded" if degraded else "done"
        return ColumnDone(status, record, finish_reason=end.finish_reason, error=degraded, text=text)

    def _error(
        self,
        column: Column,
        request: AskRequest,
        clock: Clock,
        exc: Exception,
        degraded: str | None = None,
        lookup: LookupResult | None = None,
        joined: bool = False,
    ) -> ColumnDone:
        """An LLM failure keeps the provider's status; anything else is an internal error."""
        message = str(exc) if isinstance(exc, LLMError) else f"internal error: {type(exc).__name__}: {exc}"
        record = self._record(
            column,
            "error",
            request,
            clock,
            prompt_tokens=0,
            completion_tokens=0,
            tokens_saved=0,
            cost_usd=0.0,
            cost_saved_usd=0.0,
            degraded=degraded is not None,
            error=message,
            lookup=lookup,
            joined=joined,
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
        prompt_tokens: int,
        completion_tokens: int,
        tokens_saved: int,
        cost_usd: float,
        cost_saved_usd: float,
        similarity: float | None = None,
        degraded: bool = False,
        error: str | None = None,
        lookup: LookupResult | None = None,
        joined: bool = False,
    ) -> ColumnRecord:
        provider = self.runtime.provider_for(request.provider)
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
        )
        self.runtime.telemetry.record(record)
        return record


def cut_to_tokens(text: str, tokens: int, limit: int, model: str) -> tuple[str, int, str]:
    """A stored answer served under ``max_tokens``: (text, completion tokens, finish reason). Longer than the
    limit, it is cut at the limit with ``length``, as the model itself would have stopped."""
    if tokens <= limit:
        return text, tokens, "stop"
    encoding = encoding_for(model)
    ids = encoding.encode_ordinary(text)
    if len(ids) <= limit:
        return text, tokens, "stop"
    cut: str = encoding.decode(ids[:limit])
    return cut, limit, "length"


def replay_tool_call(index: int, call_id: str, name: str, arguments: str) -> list[ToolCallDelta]:
    """A stored tool call as OpenAI streams one: id and name with empty arguments, then argument fragments."""
    first = ToolCallDelta(index, "", call_id, name)
    step = _ARGUMENT_PIECE_CHARS
    return [first, *(ToolCallDelta(index, arguments[i : i + step]) for i in range(0, len(arguments), step))]


def _servable(result: LookupResult, request: AskRequest, priced_as: str) -> LookupResult:
    """The hit, or a miss saying why the entry may not answer this request: older than ``max_age``, or a
    tool call longer than ``max_tokens`` (a cut call is no call)."""
    answer = result.answer
    assert answer is not None
    age = time.time() - answer.created_at
    reason = rejected_by = None
    if request.max_age is not None and age > request.max_age:
        reason, rejected_by = f"the entry is {age:.0f} s old, older than max-age={request.max_age:g}", "max-age"
    elif (
        request.max_tokens is not None
        and answer.completion_tokens > request.max_tokens
        and stored_answer.decode(answer.response)[1]
    ):
        reason, rejected_by = "the stored tool call is longer than max_tokens", "max_tokens"
    if reason is None:
        return result
    return replace(
        result, match=None, answer=None, rejected_by=rejected_by, rejection_reason=reason, similarity=result.similarity
    )


def _degraded_reason(exc: BaseException) -> str:
    return f"cache unavailable, answering from the LLM: {exc}"


def _no_store_reason(request: AskRequest, bypass: str | None, degraded: str | None) -> str:
    """Why a miss's answer is not stored, when it is not even tried."""
    if bypass is not None:
        return bypass
    if degraded is not None:
        return "the cache is degraded"
    return "the request said not to store (no-store)" if not request.store else "its generation made no store"
