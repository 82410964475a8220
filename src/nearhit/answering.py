"""The two ways to answer a prompt, as event streams: the raw LLM call and the cached one.

Both columns yield the same three kinds of events (a ``CacheDocument`` only on the cache column), never
raise, and record one telemetry event when they end. The HTTP layer (``/ask``, ``/ask/stream``, the OpenAI
gateway) only formats them.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from redis.exceptions import RedisError, ResponseError

from nearhit import tracing
from nearhit.cache import LookupResult, Scope
from nearhit.cache.keys import normalise
from nearhit.economics.prices import request_cost
from nearhit.errors import NearhitError
from nearhit.llm import ChatMessage, LLMError, LLMEvent, StreamEnd, TextChunk, count_message_tokens
from nearhit.runtime import Runtime
from nearhit.telemetry import Column, ColumnRecord, Outcome, Source

log = logging.getLogger(__name__)
_WORD = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class AskRequest:
    """One question, with everything that scopes its answer."""

    prompt: str
    tenant: str = "default"
    system_prompt: str | None = None
    history: Sequence[ChatMessage] = ()
    conversation_id: str | None = None
    threshold: float | None = None
    ttl: int | None = None
    lookup: bool = True
    store: bool = True
    temperature: float | None = None
    max_tokens: int | None = None
    source: Source = "ask"
    share: bool = True
    """Join identical concurrent misses (single-flight); off for calls that must sample on their own."""

    def messages(self) -> list[ChatMessage]:
        system = [ChatMessage("system", self.system_prompt)] if self.system_prompt else []
        return [*system, *self.history, ChatMessage("user", self.prompt)]

    def scope(self, model: str) -> Scope:
        conversation = [("conversation", self.conversation_id)] if self.conversation_id else []
        return Scope.build(
            model=model,
            tenant=self.tenant,
            system_prompt=self.system_prompt,
            history=conversation + [(m.role, m.content) for m in self.history],
        )


@dataclass(frozen=True)
class CacheDocument:
    """What the cache did before any text: the lookup result, or why the cache could not be used."""

    data: dict[str, Any]


@dataclass(frozen=True)
class Chunk:
    text: str


@dataclass(frozen=True)
class ColumnDone:
    """The end of a column. ``status`` is ``done``, ``degraded`` (answered without the cache) or ``error``."""

    status: Literal["done", "degraded", "error"]
    record: ColumnRecord
    finish_reason: str | None = None
    error: str | None = None
    error_status: int | None = None
    retry_after: float | None = None
    text: str = ""


ColumnEvent = CacheDocument | Chunk | ColumnDone


@dataclass
class _Clock:
    started: float = field(default_factory=time.perf_counter)
    first: float | None = None

    def mark_first(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()

    @property
    def ttft_ms(self) -> float | None:
        return None if self.first is None else round((self.first - self.started) * 1000, 3)

    @property
    def total_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 3)


def replay_pieces(text: str) -> list[str]:
    """A cached answer cut into word-sized pieces, the size a live stream sends."""
    return _WORD.findall(text) or [text]


class Answerer:
    """Runs the raw and the cache column for a request against one :class:`Runtime`."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @property
    def priced_as(self) -> str:
        provider = self.runtime.provider
        return provider.imitates or provider.model

    def flight_key(self, request: AskRequest) -> str:
        """Identical misses share a generation under this key; an unshared request gets a key of its own."""
        if not request.share:
            return f"solo:{uuid.uuid4().hex}"
        scope = request.scope(self.runtime.provider.model)
        return f"{scope.id}:{normalise(request.prompt)}:{request.max_tokens}:{request.temperature}"

    async def raw(self, request: AskRequest) -> AsyncIterator[ColumnEvent]:
        """The baseline: the LLM, always, no cache."""
        clock = _Clock()
        pieces: list[str] = []
        try:
            async for llm_event in self._llm_stream(request, "raw"):
                if isinstance(llm_event, TextChunk):
                    clock.mark_first()
                    pieces.append(llm_event.text)
                    yield Chunk(llm_event.text)
                else:
                    yield self._done_after_llm("raw", "llm", request, clock, llm_event, "".join(pieces))
        except LLMError as exc:
            yield self._error("raw", request, clock, exc)

    async def cached(self, request: AskRequest) -> AsyncIterator[ColumnEvent]:
        """Cache first; on a miss the LLM (shared with concurrent identical misses) and a background store."""
        clock = _Clock()
        provider = self.runtime.provider
        scope = request.scope(provider.model)
        result: LookupResult | None = None
        degraded: str | None = None
        cache = None
        try:
            cache = await self.runtime.cache()
            if request.lookup:
                result = await cache.lookup(request.prompt, scope, threshold=request.threshold)
        except (NearhitError, RedisError) as exc:
            degraded = _degraded_reason(exc)
            if isinstance(exc, ResponseError) and "no such index" in str(exc).lower():
                await self.runtime.repair_index()  # the next request finds the index again
        if result is not None and result.answer is not None:
            yield CacheDocument(_document(result, scope, degraded=None))
            async for event in self._replay(request, result, clock):
                yield event
            return
        yield CacheDocument(_document(result, scope, degraded=degraded, bypass=not request.lookup))
        on_complete = None
        if cache is not None and degraded is None and request.store:
            on_complete = self._storer(request, scope)
        pieces: list[str] = []
        outcome: Outcome = "miss" if request.lookup else "bypass"
        key = self.flight_key(request)
        joined = self.runtime.flights.in_flight(key)
        try:
            async for llm_event in self.runtime.flights.subscribe(
                key,
                lambda: self._llm_stream(request, "cache"),
                on_complete,
            ):
                if isinstance(llm_event, TextChunk):
                    clock.mark_first()
                    pieces.append(llm_event.text)
                    yield Chunk(llm_event.text)
                elif isinstance(llm_event, StreamEnd):
                    yield self._done_after_llm(
                        "cache",
                        outcome,
                        request,
                        clock,
                        llm_event,
                        "".join(pieces),
                        degraded=degraded,
                        lookup=result,
                        joined=joined,
                    )
        except LLMError as exc:
            yield self._error("cache", request, clock, exc, degraded=degraded, lookup=result, joined=joined)

    def _llm_stream(self, request: AskRequest, column: Column) -> AsyncIterator[LLMEvent]:
        provider = self.runtime.provider
        events = provider.stream(request.messages(), temperature=request.temperature, max_tokens=request.max_tokens)
        return tracing.traced_stream(
            "llm.stream", events, column=column, provider=provider.name, model=provider.model, tenant=request.tenant
        )

    async def _replay(self, request: AskRequest, result: LookupResult, clock: _Clock) -> AsyncIterator[ColumnEvent]:
        assert result.answer is not None and result.match is not None
        answer = result.answer
        for piece in replay_pieces(answer.response):
            clock.mark_first()
            yield Chunk(piece)
            await asyncio.sleep(0)  # let the other column and the transport run between pieces
        prompt_tokens = count_message_tokens(request.messages(), self.priced_as)
        saved = request_cost(self.priced_as, prompt_tokens, answer.completion_tokens)
        record = self._record(
            "cache",
            result.match,
            request,
            clock,
            prompt_tokens=0,
            completion_tokens=0,
            tokens_saved=prompt_tokens + answer.completion_tokens,
            cost_usd=0.0,
            cost_saved_usd=saved.usd,
            similarity=result.similarity,
            lookup=result,
        )
        yield ColumnDone("done", record, finish_reason="stop", text=answer.response)

    def _storer(self, request: AskRequest, scope: Scope) -> Any:
        async def store(events: list[LLMEvent]) -> None:
            end = events[-1] if events else None
            if not isinstance(end, StreamEnd) or end.finish_reason != "stop":
                return  # a cut or filtered answer is not worth serving again
            text = "".join(e.text for e in events if isinstance(e, TextChunk))
            try:
                cache = await self.runtime.cache()
                with tracing.span("cache.store", tenant=request.tenant, completion_tokens=end.usage.completion_tokens):
                    await cache.store(
                        request.prompt,
                        text,
                        scope,
                        ttl=request.ttl,
                        prompt_tokens=end.usage.prompt_tokens,
                        completion_tokens=end.usage.completion_tokens,
                    )
            except (NearhitError, RedisError) as exc:
                log.warning("answer not stored: %s", exc)

        return store

    def _done_after_llm(
        self,
        column: Column,
        outcome: Outcome,
        request: AskRequest,
        clock: _Clock,
        end: StreamEnd,
        text: str,
        degraded: str | None = None,
        lookup: LookupResult | None = None,
        joined: bool = False,
    ) -> ColumnDone:
        cost = request_cost(self.priced_as, end.usage.prompt_tokens, end.usage.completion_tokens)
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
        clock: _Clock,
        exc: LLMError,
        degraded: str | None = None,
        lookup: LookupResult | None = None,
        joined: bool = False,
    ) -> ColumnDone:
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
            error=str(exc),
            lookup=lookup,
            joined=joined,
        )
        return ColumnDone("error", record, error=str(exc), error_status=exc.status_code, retry_after=exc.retry_after)

    def _record(
        self,
        column: Column,
        outcome: Outcome,
        request: AskRequest,
        clock: _Clock,
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
        provider = self.runtime.provider
        record = ColumnRecord(
            column=column,
            outcome=outcome,
            source=request.source,
            model=provider.model,
            priced_as=self.priced_as,
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
        )
        self.runtime.telemetry.record(record)
        return record


def _degraded_reason(exc: BaseException) -> str:
    return f"cache unavailable, answering from the LLM: {exc}"


def _document(
    result: LookupResult | None, scope: Scope, *, degraded: str | None, bypass: bool = False
) -> dict[str, Any]:
    if result is None:
        return {
            "match": None,
            "hit": False,
            "degraded": degraded is not None,
            "reason": degraded or ("lookup skipped (no-cache)" if bypass else None),
            "scope_id": scope.id,
        }
    return result.to_dict() | {"degraded": False, "reason": None}
