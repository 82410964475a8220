"""``/ask`` and ``/ask/stream``: one prompt, answered by the raw LLM and by the cache, side by side."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BeforeValidator, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from nearhit import validate
from nearhit.api import limits
from nearhit.api.access import CALLER_SECURITY, Caller, CallerDep, caller_of, reads_caller
from nearhit.api.deps import DECLARED_QUERY, AnswererDep, RuntimeDep, declared_query, validated_body
from nearhit.api.middleware import CLIENT_CLOSED
from nearhit.api.schemas import Integral, Message, PromptText, ScopeFields, Threshold, Ttl
from nearhit.api.streams import KnownStream
from nearhit.llm import ChatMessage, count_tokens
from nearhit.service.answering import Answerer
from nearhit.service.events import Chunk, ColumnDone, ColumnEvent
from nearhit.service.request import AskRequest
from nearhit.service.runtime import Runtime
from nearhit.service.streaming import RaceEvent, column_complete_data, merge, race

router = APIRouter(tags=["ask"])
T = TypeVar("T")


class AskBody(ScopeFields):
    prompt: PromptText
    history: Annotated[list[Message], BeforeValidator(validate.history_shape)] = Field(default_factory=list)
    threshold: Threshold | None = None
    ttl: Ttl | None = None
    include_raw: bool = Field(True, description="Also run the raw LLM column (the baseline).")
    no_cache: bool = Field(False, description="Skip the lookup (the answer is still stored).")
    no_store: bool = Field(False, description="Don't store the answer.")
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=100_000), Integral] | None = None

    def to_request(self, runtime: Runtime, caller: Caller) -> AskRequest:
        """The engine's request; the tenant is the caller's (an explicit other one needs the admin token)."""
        asked = self.tenant if "tenant" in self.model_fields_set else None
        request = AskRequest(
            prompt=self.prompt,
            tenant=caller.acting_for(asked),
            system_prompt=self.system_prompt,
            history=[ChatMessage(m.role, m.content) for m in self.history],
            conversation_id=self.conversation_id,
            threshold=self.threshold,
            ttl=self.ttl,
            lookup=not self.no_cache,
            store=not self.no_store,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            index_evidence=caller.admin,
        )
        # PromptText applied the prompt rules; the configured limit is the one left.
        return request.checked(runtime.provider.model, runtime.settings.max_prompt_chars, parsed=True)

    def prompt_tokens(self, runtime: Runtime) -> int:
        """What the rate limit counts for this request before it runs: the prompt and its context."""
        texts = [self.system_prompt or "", *(m.content for m in self.history), self.prompt]
        return count_tokens("\n".join(texts), runtime.provider.model)


@router.post(
    "/ask/stream",
    summary="Race the raw LLM against the cache (Server-Sent Events)",
    response_class=EventSourceResponse,
    dependencies=[DECLARED_QUERY],
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "column_start, content_chunk, cache_document, column_complete and stream_complete events",
        }
    },
)
async def ask_stream(
    body: AskBody, answerer: AnswererDep, runtime: RuntimeDep, caller: CallerDep, http: Request
) -> Response:
    request = body.to_request(runtime, caller)
    await limits.admit(http, caller, lambda: body.prompt_tokens(runtime))  # a stream counts its prompt only
    columns: dict[str, AsyncIterator[ColumnEvent]] = {}
    if body.include_raw:
        columns["raw"] = answerer.raw(request)
    columns["cache"] = answerer.cached(request)
    stream = race(columns)
    seen: list[RaceEvent] = []
    if not body.include_raw:  # the cache column alone: a hit is known whole before anything is sent
        async for event in stream:
            seen.append(event)
            if event.type == "cache_document":
                break
        if seen and seen[-1].data.get("hit"):
            seen += [event async for event in stream]
            return KnownStream([_sse(event).encode() for event in seen], _SSE_HEADERS)

    async def events() -> AsyncIterator[ServerSentEvent]:
        for event in seen:
            yield _sse(event)
        async for event in stream:
            yield _sse(event)

    return EventSourceResponse(events(), ping=15, headers={"X-Accel-Buffering": "no"})


_SSE_HEADERS = {"cache-control": "no-store", "connection": "keep-alive", "x-accel-buffering": "no"}
"""What :class:`EventSourceResponse` sends with a stream, sent with a hit's known one too."""


def _sse(event: RaceEvent) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(event.payload()), event=event.type, id=str(event.seq))


# What FastAPI wrote for /ask when it solved the body and the caller itself: the same OpenAPI entry.
_ASK_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AskBody"}}},
        "required": True,
    },
    "responses": {
        "422": {
            "description": "Validation Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}},
        }
    },
} | CALLER_SECURITY


@router.post(
    "/ask",
    summary="Answer with both columns, as one JSON document",
    response_model=dict[str, Any],
    openapi_extra=_ASK_OPENAPI,
)
@reads_caller  # no dependency to solve per request: a hit is the hot path
async def ask(http: Request) -> Response:
    """Both columns run at once (the reply takes as long as the slower one), and a client that leaves cancels
    them: an abandoned miss is neither generated to the end nor stored."""
    # In the order FastAPI solved them: the query's check, the caller (401/403), then the body (422).
    await declared_query(http)
    caller = caller_of(http)
    body = validated_body(http, AskBody)
    runtime: Runtime = http.app.state.runtime
    answerer = Answerer(runtime)
    request = body.to_request(runtime, caller)
    await limits.admit(http, caller, lambda: body.prompt_tokens(runtime))
    columns: dict[str, AsyncIterator[ColumnEvent]] = {}
    if body.include_raw:
        columns["raw"] = answerer.raw(request)
    columns["cache"] = answerer.cached(request)
    collected = await _unless_disconnected(http, _collect(columns))
    await limits.charge(http, caller, sum(int(column.get("completion_tokens", 0)) for column in collected.values()))
    # Encoded here, as the stream's events are: FastAPI would validate and convert our own dict (~0.1 ms a hit).
    document = {"model": runtime.provider.model, "simulated": runtime.provider.simulated, **collected}
    return Response(json.dumps(document).encode(), media_type="application/json")


async def _collect(columns: dict[str, AsyncIterator[ColumnEvent]]) -> dict[str, dict[str, Any]]:
    """Each column's answer and completion, from the columns' merged events."""
    pieces: dict[str, list[str]] = {name: [] for name in columns}
    done: dict[str, dict[str, Any]] = {name: {} for name in columns}
    async for name, event in merge(columns):
        if isinstance(event, Chunk):
            pieces[name].append(event.text)
        elif isinstance(event, ColumnDone):
            done[name] |= column_complete_data(event)
        else:
            done[name]["cache_document"] = event.to_dict()
    return {name: {"answer": "".join(pieces[name]), **done[name]} for name in columns}


async def _unless_disconnected(http_request: Request, work: Coroutine[Any, Any, T]) -> T:
    """``work``'s result, unless the client disconnects first: then the work is cancelled (the single-flight
    generation with it, when no one else follows it) and the request ends with a 499 nobody receives."""
    job = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnect(http_request))
    try:
        await asyncio.wait({job, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (job, watcher):
            task.cancel()
        await asyncio.gather(job, watcher, return_exceptions=True)
    if job.cancelled():
        raise HTTPException(status_code=CLIENT_CLOSED, detail="the client closed the request before the answer")
    return job.result()


async def _disconnect(http_request: Request) -> None:
    """Returns when the client goes away. The body is read already, so the next ASGI message is the
    disconnect (or nothing, until the response is sent)."""
    while (await http_request.receive())["type"] != "http.disconnect":
        pass
