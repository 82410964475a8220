"""A chat completion through the cache: the request mapped to :class:`AskRequest`, the answer as OpenAI's.

:func:`start_chat` reads the answer's events up to the first piece of text before anything is sent, so the
response headers can say what the cache did (hit, miss, similarity, tokens saved) and an upstream failure
before the first token comes back with the upstream's status rather than inside a 200 stream.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from nearhit import validate
from nearhit.cache import stored_answer
from nearhit.cache.keys import scoped_options
from nearhit.economics.prices import request_cost
from nearhit.errors import InvalidInput, TooLarge
from nearhit.gateway import protocol
from nearhit.gateway.errors import GatewayError, invalid, upstream
from nearhit.gateway.models import ModelRoute, pass_through
from nearhit.gateway.protocol import ChatCall
from nearhit.llm import ToolCallDelta, assemble_tool_calls, count_message_tokens
from nearhit.service.answering import Answerer
from nearhit.service.events import CacheDocument, Chunk, ColumnDone, ColumnEvent
from nearhit.service.request import AskRequest, temperature_bypass
from nearhit.service.streaming import merge

CacheHeader = Literal["hit-exact", "hit-semantic", "miss", "bypass"]


@dataclass(frozen=True)
class Controls:
    """What the caller asked of the cache, from ``Cache-Control`` (``no-cache``, ``no-store``, ``max-age``,
    ``s-maxage``), ``x-nearhit-threshold``, ``x-nearhit-ttl`` and ``x-nearhit-namespace``."""

    lookup: bool = True
    store: bool = True
    threshold: float | None = None
    ttl: int | None = None
    max_age: int | None = None
    namespace: str | None = None

    @classmethod
    def from_headers(
        cls, cache_control: str | None, threshold: str | None, ttl: str | None, namespace: str | None = None
    ) -> Controls:
        directives = {d.strip().lower() for d in (cache_control or "").split(",")}
        return cls(
            lookup="no-cache" not in directives,
            store="no-store" not in directives,
            threshold=_threshold(threshold),
            ttl=_ttl(ttl),
            max_age=_max_age(directives),
            namespace=_namespace(namespace),
        )


@dataclass
class CacheStatus:
    """What the cache did for a request, as response headers."""

    cache: CacheHeader
    similarity: float | None = None
    tokens_saved: int = 0
    reason: str | None = None
    degraded: bool = False
    rejected_by: str | None = None
    cost_saved: float = 0.0

    def headers(self) -> dict[str, str]:
        headers = {
            "x-nearhit-cache": self.cache,
            "x-nearhit-tokens-saved": str(self.tokens_saved),
            "x-nearhit-cost-saved": f"{self.cost_saved:.6f}",
        }
        if self.similarity is not None:
            headers["x-nearhit-similarity"] = f"{self.similarity:.4f}"
        if self.reason:
            headers["x-nearhit-bypass-reason"] = self.reason
        if self.degraded:
            headers["x-nearhit-degraded"] = "true"
        if self.rejected_by:
            headers["x-nearhit-rejected-by"] = self.rejected_by
        return headers


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
    calls: list[ToolCallDelta] = field(default_factory=list)
    logprobs: list[Mapping[str, Any]] = field(default_factory=list)
    done: ColumnDone | None = None


class ChatRun:
    """A chat completion under way: the cache status is known, the text not all read yet.

    Read it once, with :meth:`sse` (streaming) or :meth:`collect`; :meth:`aclose` releases it either way (and
    a client that leaves stops the generation unless someone else waits for it).
    """

    def __init__(
        self,
        call: ChatCall,
        model: str,
        requests: Sequence[AskRequest],
        events: AsyncGenerator[tuple[int, ColumnEvent], None],
        buffered: list[tuple[int, ColumnEvent]],
        status: CacheStatus,
        hit_usage: dict[int, tuple[int, int]],
    ) -> None:
        self.call = call
        self.model = model
        self.requests = requests
        self.status = status
        self.id = protocol.completion_id()
        self.created = protocol.now()
        self._events = events
        self._buffered = buffered
        self._hit_usage = hit_usage
        self._choices = [_Choice() for _ in requests]

    async def aclose(self) -> None:
        await self._events.aclose()

    async def collect(self) -> dict[str, Any]:
        """The whole ``chat.completion``; raises :class:`GatewayError` if a generation failed."""
        try:
            async for _, event in self._all_events():
                if isinstance(event, ColumnDone) and event.status == "error":
                    raise _failure(event)
        finally:
            await self.aclose()
        asked = self.call.logprobs
        choices = [
            protocol.Choice(
                "".join(c.pieces),
                protocol.finish_reason(c.done.finish_reason if c.done else None),
                assemble_tool_calls(c.calls),
                c.logprobs if asked else None,
            )
            for c in self._choices
        ]
        return protocol.completion(self.id, self.created, self.model, choices, self._usage())

    async def sse(self) -> AsyncIterator[bytes]:
        """``chat.completion.chunk`` events: a role chunk per choice, content, finish, usage if asked, [DONE].

        A failure after the first token can only be told inside the stream: an ``error`` object, as OpenAI
        sends it (the SDK raises it), and no ``[DONE]``.
        """
        include_usage = self.call.include_usage
        try:
            for index in range(len(self._choices)):
                yield self._chunk(index=index, delta={"role": "assistant", "content": ""})
            async for index, event in self._all_events():
                if isinstance(event, Chunk) and event.tool_call is not None:
                    call = event.tool_call
                    delta = protocol.tool_call_delta(call.index, call.id, call.name, call.arguments)
                    yield self._chunk(index=index, delta=delta)
                elif isinstance(event, Chunk) and (event.text or event.logprobs):
                    tokens = event.logprobs if self.call.logprobs else None
                    yield self._chunk(index=index, delta={"content": event.text}, tokens=tokens)
                elif isinstance(event, ColumnDone):
                    if event.status == "error":
                        yield protocol.sse(_failure(event).body())
                        return
                    yield self._chunk(index=index, finish_reason=protocol.finish_reason(event.finish_reason))
            if include_usage:
                yield protocol.sse(protocol.chunk(self.id, self.created, self.model, used=self._usage()))
            yield protocol.DONE
        finally:
            await self.aclose()

    def _chunk(self, **fields: Any) -> bytes:
        data = protocol.chunk(self.id, self.created, self.model, include_usage=self.call.include_usage, **fields)
        return protocol.sse(data)

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
        if isinstance(event, Chunk) and event.tool_call is not None:
            choice.calls.append(event.tool_call)
        elif isinstance(event, Chunk):
            choice.pieces.append(event.text)
            choice.logprobs.extend(event.logprobs)
        elif isinstance(event, ColumnDone):
            choice.done = event

    def _usage(self) -> dict[str, Any]:
        """Tokens as the provider would count them; a hit's prompt also as ``cached_tokens`` (what it saved),
        its completion as served (cut at ``max_tokens`` if it was)."""
        prompt = completion = cached = 0
        for index, choice in enumerate(self._choices):
            if index in self._hit_usage:
                p = self._hit_usage[index][0]
                c = choice.done.record.tokens_saved - p if choice.done is not None else self._hit_usage[index][1]
                cached += p
            elif choice.done is not None:
                p, c = choice.done.record.prompt_tokens, choice.done.record.completion_tokens
            else:
                p = c = 0
            prompt, completion = prompt + p, completion + c
        return protocol.usage(prompt, completion, cached if self._hit_usage else None)


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
            elif isinstance(event, ColumnDone):
                if event.status == "error":
                    raise _failure(event)
                finished += 1
            elif event.text or event.tool_call is not None:
                break
    except BaseException:
        await events.aclose()
        raise
    hit_usage = {index: _hit_usage(answerer, requests[index], doc) for index, doc in documents.items() if doc.hit}
    status = _status(documents.get(0), hit_usage.get(0), bypass, controls)
    if hit_usage:
        priced_as = answerer.priced_for(requests[0])
        status.cost_saved = sum(request_cost(priced_as, p, c).usd for p, c in hit_usage.values())
    model = answerer.model_for(requests[0])
    return ChatRun(call, model, requests, events, buffered, status, hit_usage)


def _status(
    document: CacheDocument | None, hit_usage: tuple[int, int] | None, bypass: str | None, controls: Controls
) -> CacheStatus:
    if bypass is not None:
        return CacheStatus("bypass", reason=bypass)
    result = document.result if document is not None else None
    degraded = document is not None and document.degraded is not None
    similarity = result.similarity if result is not None else None
    if hit_usage is not None:
        kind: CacheHeader = "hit-semantic" if result is not None and result.match == "semantic" else "hit-exact"
        return CacheStatus(kind, similarity=similarity, tokens_saved=sum(hit_usage))
    if not controls.lookup:
        return CacheStatus("bypass", reason="Cache-Control: no-cache", degraded=degraded)
    return CacheStatus(
        "miss", similarity=similarity, degraded=degraded, rejected_by=result.rejected_by if result else None
    )


def _hit_usage(answerer: Answerer, request: AskRequest, document: CacheDocument) -> tuple[int, int]:
    """(prompt, completion) tokens a live call would have used: what a hit saved, and the usage it reports."""
    answer = document.result.answer if document.result is not None else None
    prompt_tokens = count_message_tokens(request.messages(), answerer.priced_for(request))
    if answer is None:
        return prompt_tokens, 0
    completion_tokens = answer.completion_tokens
    if request.max_tokens is not None and not stored_answer.decode(answer.response)[1]:
        completion_tokens = min(completion_tokens, request.max_tokens)  # the replay is cut there
    return prompt_tokens, completion_tokens


def _failure(done: ColumnDone) -> GatewayError:
    """An LLM failure with the provider's status (502 without one); nearhit's own failure as a 500, its
    details left in the server's log."""
    if done.internal:
        return GatewayError(
            "The caching gateway failed while answering (an internal error; the details are in its log).",
            status=500,
            type="server_error",
            code="internal_error",
        )
    return upstream(done.error or "the LLM failed", done.error_status, done.retry_after)


def _threshold(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        return validate.threshold_text(value, "x-nearhit-threshold")
    except validate.InvalidInput as exc:
        raise invalid(f"{exc}.", "x-nearhit-threshold", "invalid_header") from None


def _max_age(directives: set[str]) -> int | None:
    """The youngest ``max-age=N`` / ``s-maxage=N`` (seconds) of ``Cache-Control``, or None."""
    ages: list[int] = []
    for directive in directives:
        name, sep, value = directive.partition("=")
        if sep and name.strip() in ("max-age", "s-maxage"):
            text = value.strip().strip('"')
            if not text.isdigit():
                raise invalid(
                    f"Cache-Control {name.strip()} must be a whole number of seconds, not {text[:40]!r}.",
                    "cache-control",
                    "invalid_header",
                )
            ages.append(int(text))
    return min(ages) if ages else None


def _namespace(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return validate.label(value.strip(), "x-nearhit-namespace")
    except InvalidInput as exc:
        raise invalid(str(exc), "x-nearhit-namespace", "invalid_header") from None


def _ttl(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return validate.ttl_text(value, "x-nearhit-ttl")
    except validate.InvalidInput as exc:
        raise invalid(f"{exc}.", "x-nearhit-ttl", "invalid_header") from None
