"""A chat completion through the cache: the request mapped to :class:`AskRequest`, the answer as OpenAI's.

:func:`start_chat` reads the answer's events up to the first piece of text before anything is sent, so the
response headers can say what the cache did (hit, miss, similarity, tokens saved) and an upstream failure
before the first token comes back with the upstream's status rather than inside a 200 stream.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from nearhit.cache.keys import scoped_options
from nearhit.errors import InvalidInput, TooLarge
from nearhit.gateway import responses
from nearhit.gateway.errors import GatewayError, invalid, upstream
from nearhit.gateway.headers import CacheHeader, CacheStatus, Controls
from nearhit.gateway.models import ModelRoute, pass_through
from nearhit.gateway.requests import ChatCall
from nearhit.llm import ToolCallDelta, assemble_tool_calls
from nearhit.service import hits
from nearhit.service.answering import Answerer
from nearhit.service.events import CacheDocument, Chunk, ColumnDone, ColumnEvent
from nearhit.service.hits import ServedHit
from nearhit.service.request import AskRequest, temperature_bypass
from nearhit.service.streaming import merge


def bypass_reason(call: ChatCall, max_temperature: float, route: ModelRoute | None = None) -> str | None:
    """Why this request must not be answered from (nor stored in) the cache, or None."""
    if call.n > 1:
        return f"n={call.n}: several different answers were asked for"
    if call.logprobs:
        return "logprobs: a cached answer has none to replay"
    if route is not None and not route.cache:
        return f"caching is off for the model '{route.name}' (NEARHIT_MODELS)"
    return temperature_bypass(call.temperature, max_temperature)


def ask_requests(
    call: ChatCall,
    tenant: str,
    controls: Controls,
    bypass: str | None,
    route: ModelRoute | None = None,
    *,
    scope_user: bool = False,
) -> list[AskRequest]:
    """One :class:`AskRequest` per choice asked for (``n``), calling the route's upstream model."""
    route = route or pass_through(call.model)
    base = AskRequest(
        prompt=call.prompt,
        tenant=tenant,
        system_prompt=call.system_prompt,
        history=call.history,
        threshold=controls.threshold if controls.threshold is not None else route.threshold,
        ttl=controls.ttl,
        lookup=controls.lookup and bypass is None,
        store=controls.store and bypass is None,
        temperature=call.temperature,
        max_tokens=call.max_tokens,
        source="gateway",
        model=route.upstream,
        provider=route.provider,
        params=call.params,
        scoped=scoped_options(user=scope_user),
        namespace=controls.namespace,
        max_age=controls.max_age,
        priced_as=route.priced_as,
        prompt_role=call.prompt_role,
        tool_call_id=call.tool_call_id,
    )
    if bypass is None:
        return [base]
    # A bypassed call samples on purpose (n choices, a hot temperature): each generation is its own, not shared
    # with identical concurrent calls by single-flight.
    return [replace(base, share=False) for _ in range(call.n)]


@dataclass
class _Choice:
    pieces: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    calls: list[ToolCallDelta] = field(default_factory=list)
    logprobs: list[Mapping[str, Any]] = field(default_factory=list)
    done: ColumnDone | None = None
    served: ServedHit | None = None


class ChatRun:
    """A chat completion under way: the cache status is known, the text not all read yet.

    Read it once, with :meth:`sse` (streaming) or :meth:`body`; :meth:`aclose` releases it either way (and
    a client that leaves stops the generation unless someone else waits for it). A hit's answer is known
    whole before anything is sent: its body, or its few stream writes, are encoded at once.
    """

    def __init__(
        self,
        call: ChatCall,
        model: str,
        requests: Sequence[AskRequest],
        events: AsyncGenerator[tuple[int, ColumnEvent], None],
        buffered: list[tuple[int, ColumnEvent]],
        status: CacheStatus,
        served: Mapping[int, ServedHit],
    ) -> None:
        self.call = call
        self.model = model
        self.requests = requests
        self.status = status
        self.id = responses.completion_id()
        self.created = responses.now()
        self._events = events
        self._buffered = buffered
        self._choices = [_Choice(served=served.get(index)) for index in range(len(requests))]

    @property
    def completion_tokens(self) -> int:
        """The answer's completion tokens (a hit's as served), once it has been read."""
        return int(self._usage()["completion_tokens"])

    async def aclose(self) -> None:
        await self._events.aclose()

    async def body(self) -> bytes:
        """The whole ``chat.completion``, encoded; raises :class:`GatewayError` if a generation failed. A hit's
        is encoded at once (:meth:`hit_body`): read it that way and :meth:`drain` after sending it."""
        try:
            async for _, event in self._all_events():
                if isinstance(event, ColumnDone) and (failure := _failure(event)) is not None:
                    raise failure
        finally:
            await self.aclose()
        return self._encoded()

    def hit_body(self) -> bytes:
        """A hit's whole ``chat.completion``, encoded from the answers served, before its events are read: the
        rest of them (the pieces, the telemetry record at the end) is left to :meth:`drain`, after the send."""
        assert self.hit
        return self._encoded()

    async def drain(self) -> None:
        """Read what is left of a hit's events (its column records its telemetry at the end), then release it."""
        try:
            async for _ in self._all_events():
                pass
        finally:
            await self.aclose()

    def _encoded(self) -> bytes:
        asked = self.call.logprobs
        choices = [
            responses.Choice(c.served.text, c.served.finish_reason, c.served.tool_calls)
            if c.served is not None
            else responses.Choice(
                "".join(c.pieces),
                c.done.finish_reason if c.done else None,
                assemble_tool_calls(c.calls),
                c.logprobs if asked else None,
                "".join(c.refused) or None,
            )
            for c in self._choices
        ]
        return responses.encode(responses.completion(self.id, self.created, self.model, choices, self._usage()))

    @property
    def hit(self) -> bool:
        """Every choice is a hit: the answer is known whole (send it with :meth:`hit_body` or :meth:`hit_writes`)."""
        return all(c.served is not None for c in self._choices)

    def hit_writes(self, chunk_chars: int) -> list[bytes]:
        """A hit's whole stream, pre-encoded from the answers served (sent in one write by
        :class:`nearhit.api.streams.KnownStream`, :meth:`drain` after it), as its column yields it: the role
        chunk with the first piece of text, one event per further piece of ``chunk_chars``
        (``NEARHIT_HIT_CHUNK_CHARS``), the tool calls, then the finish, the usage if asked, ``[DONE]``."""
        content: list[bytes] = []
        finish: list[bytes] = []
        for index, choice in enumerate(self._choices):
            served = choice.served
            assert served is not None
            content += [self._chunk(index=index, delta={"content": p}) for p in hits.pieces(served.text, chunk_chars)]
            for number, call in enumerate(served.tool_calls):
                content += [self._tool_call_chunk(index, delta) for delta in hits.tool_call_deltas(number, call)]
            finish.append(self._chunk(index=index, finish_reason=served.finish_reason))
        roles = [self._chunk(index=i, delta={"role": "assistant", "content": ""}) for i in range(len(self._choices))]
        usage = [responses.sse(self._usage_chunk())] if self.call.include_usage else []
        return [b"".join([*roles, *content[:1]]), *content[1:], b"".join([*finish, *usage, responses.DONE])]

    async def sse(self) -> AsyncIterator[bytes]:
        """``chat.completion.chunk`` events: a role chunk per choice, content, finish, usage if asked, [DONE].

        A failure after the first token can only be told inside the stream: an ``error`` object, as OpenAI
        sends it (the SDK raises it), and no ``[DONE]``."""
        try:
            for index in range(len(self._choices)):
                yield self._chunk(index=index, delta={"role": "assistant", "content": ""})
            async for index, event in self._all_events():
                if isinstance(event, Chunk) and event.tool_call is not None:
                    yield self._tool_call_chunk(index, event.tool_call)
                elif isinstance(event, Chunk) and event.refusal:
                    yield self._chunk(index=index, delta={"refusal": event.text})
                elif isinstance(event, Chunk) and (event.text or event.logprobs):
                    tokens = event.logprobs if self.call.logprobs else None
                    yield self._chunk(index=index, delta={"content": event.text}, tokens=tokens)
                elif isinstance(event, ColumnDone):
                    if (failure := _failure(event)) is not None:
                        yield responses.sse(failure.body())
                        return
                    yield self._chunk(index=index, finish_reason=event.finish_reason)
            if self.call.include_usage:
                yield responses.sse(self._usage_chunk())
            yield responses.DONE
        finally:
            await self.aclose()

    def _chunk(self, **fields: Any) -> bytes:
        data = responses.chunk(self.id, self.created, self.model, include_usage=self.call.include_usage, **fields)
        return responses.sse(data)

    def _tool_call_chunk(self, index: int, call: ToolCallDelta) -> bytes:
        return self._chunk(index=index, delta=responses.tool_call_delta(call.index, call.id, call.name, call.arguments))

    def _usage_chunk(self) -> dict[str, Any]:
        return responses.chunk(self.id, self.created, self.model, used=self._usage())

    async def _all_events(self) -> AsyncIterator[tuple[int, ColumnEvent]]:
        buffered, self._buffered = self._buffered, []
        for item in buffered:
            self._note(*item)
            yield item
        async for item in self._events:
            self._note(*item)
            yield item

    def _note(self, index: int, event: ColumnEvent) -> None:
        choice = self._choices[index]
        if choice.served is not None:
            return  # a hit's answer is known whole
        if isinstance(event, Chunk) and event.tool_call is not None:
            choice.calls.append(event.tool_call)
        elif isinstance(event, Chunk) and event.refusal:
            choice.refused.append(event.text)
        elif isinstance(event, Chunk):
            choice.pieces.append(event.text)
            choice.logprobs.extend(event.logprobs)
        elif isinstance(event, ColumnDone):
            choice.done = event

    def _usage(self) -> dict[str, Any]:
        """Tokens as the provider would count them; a hit's (read from its entry) prompt also as
        ``cached_tokens`` (what it saved), its completion as served (cut at ``max_tokens`` if it was)."""
        prompt = completion = cached = 0
        for choice in self._choices:
            if choice.served is not None:
                p, c = choice.served.prompt_tokens, choice.served.completion_tokens
                cached += p
            elif choice.done is not None:
                p, c = choice.done.record.prompt_tokens, choice.done.record.completion_tokens
            else:
                p = c = 0
            prompt, completion = prompt + p, completion + c
        hits = any(choice.served is not None for choice in self._choices)
        return responses.usage(prompt, completion, cached if hits else None)


async def start_chat(
    answerer: Answerer,
    call: ChatCall,
    tenant: str,
    controls: Controls,
    max_temperature: float,
    route: ModelRoute | None = None,
    *,
    scope_user: bool = False,
) -> ChatRun:
    """Look up (or start generating) the answer and read up to its first text; raise :class:`GatewayError`
    if it failed before that (an upstream 429 stays a 429)."""
    bypass = bypass_reason(call, max_temperature, route)
    max_chars = answerer.runtime.settings.max_prompt_chars
    try:  # the prompt is checked and normalised here, once, for the lookup, the single-flight key and the store
        requests = [
            request.checked(answerer.model_for(request), max_chars)
            for request in ask_requests(call, tenant, controls, bypass, route, scope_user=scope_user)
        ]
    except TooLarge as exc:
        raise GatewayError(
            f"The earlier messages are too large: {exc}", status=413, param="messages", code="request_too_large"
        ) from None
    except InvalidInput as exc:
        raise invalid(f"The last user message is not a usable prompt: {exc}", "messages", "invalid_prompt") from None
    events = merge({i: answerer.cached(r) for i, r in enumerate(requests)})
    buffered: list[tuple[int, ColumnEvent]] = []
    documents: dict[int, CacheDocument] = {}
    finished = 0
    try:
        while finished < len(requests):
            item = await anext(events, None)
            if item is None:
                break
            buffered.append(item)
            index, event = item
            if isinstance(event, CacheDocument):
                documents[index] = event
                if event.served is not None and len(documents) == len(requests):
                    break  # every answer is a hit, known whole: nothing more to wait for
            elif isinstance(event, ColumnDone):
                if (failure := _failure(event)) is not None:
                    raise failure
                finished += 1
            elif event.text or event.tool_call is not None:
                break
    except BaseException:
        await events.aclose()
        raise
    served = {index: doc.served for index, doc in documents.items() if doc.served is not None}
    status = _status(documents.get(0), bypass, controls)
    status.cost_saved = sum(hit.cost_saved_usd for hit in served.values())
    status.priced_as, status.simulated = answerer.priced_for(requests[0]), answerer.simulated(requests[0])
    model = answerer.model_for(requests[0])
    return ChatRun(call, model, requests, events, buffered, status, served)


def _status(document: CacheDocument | None, bypass: str | None, controls: Controls) -> CacheStatus:
    if bypass is not None:
        return CacheStatus("bypass", reason=bypass)
    result = document.result if document is not None else None
    degraded = document is not None and document.degraded is not None
    similarity = result.similarity if result is not None else None
    if document is not None and document.served is not None:
        kind: CacheHeader = "hit-semantic" if result is not None and result.match == "semantic" else "hit-exact"
        return CacheStatus(kind, similarity=similarity, tokens_saved=document.served.tokens_saved)
    if degraded:  # told as /ask's cache column tells it: a miss or a no-cache bypass would hide the failure
        return CacheStatus("degraded", degraded=True)
    if not controls.lookup:
        return CacheStatus("bypass", reason="Cache-Control: no-cache")
    return CacheStatus("miss", similarity=similarity, rejected_by=result.rejected_by if result else None)


def _failure(done: ColumnDone) -> GatewayError | None:
    """What failed in a finished column, or None: an LLM failure with the provider's status (502 without one);
    nearhit's own failure as a 500, its details left in the server's log; an upstream answer cut off (no
    finish reason: the cache did not store it) as a 502, told as OpenAI tells a stream that fails midway."""
    if done.status != "error" and responses.cut_off(done.finish_reason):
        return upstream(
            "The upstream's stream ended without a finish_reason: the answer was cut off (not cached). Retry.", None
        )
    if done.status != "error":
        return None
    if done.internal:
        return GatewayError(
            "The caching gateway failed while answering (an internal error; the details are in its log).",
            status=500,
            type="server_error",
            code="internal_error",
        )
    return upstream(done.error or "the LLM failed", done.error_status, done.retry_after)
