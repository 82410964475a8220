"""A miss's answer stored once its generation ends: the single-flight's ``on_complete``, run once for all the
requests that shared the generation, so they all report the same store outcome."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from redis.exceptions import RedisError

from nearhit import tracing
from nearhit.cache import stored_answer
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import LookupResult
from nearhit.economics.prices import request_cost
from nearhit.errors import InvalidInput, NearhitError, StoreCleared
from nearhit.llm import LLMEvent, StreamEnd, TextChunk, ToolCall, ToolCallDelta, assemble_tool_calls
from nearhit.redis_full import said
from nearhit.service.request import AskRequest
from nearhit.service.runtime import Runtime
from nearhit.service.store_health import StoreResult

log = logging.getLogger(__name__)

OnComplete = Callable[[list[LLMEvent | StoreResult]], Awaitable[StoreResult]]


def storer(
    runtime: Runtime, request: AskRequest, query: Lookup, priced_as: str, lookup: LookupResult | None = None
) -> OnComplete:
    """The flight's ``on_complete``: store the answer (with its tokens and price, computed once here: a hit
    reads them back), count the outcome, hand it to every waiter; an explored candidate (``lookup.probe``)
    is then labelled from the fresh answer."""

    async def store(events: list[LLMEvent | StoreResult]) -> StoreResult:
        result = await attempt(events)
        runtime.stores.record(result)
        if result.outcome == "stored" and lookup is not None and lookup.probe is not None and lookup.embedding:
            text = "".join(e.text for e in events if isinstance(e, TextChunk))
            await runtime.learn(lookup.probe, lookup.embedding, query.prompt, text, request.tenant)
        return result

    async def attempt(events: list[LLMEvent | StoreResult]) -> StoreResult:
        calls = tool_calls(events)  # once: what is checked is what is stored
        if (unfit := not_to_replay(events, request.params, calls)) is not None:
            return StoreResult("skipped", unfit)
        end = events[-1]
        assert isinstance(end, StreamEnd)
        text = stored_answer.encode("".join(e.text for e in events if isinstance(e, TextChunk)), calls)
        used = end.usage
        try:
            cache = await runtime.cache()
            with tracing.span("cache.store", tenant=request.tenant, completion_tokens=used.completion_tokens):
                await cache.store(
                    query,  # its embedding, when the lookup computed one: no second embed or read
                    text,
                    ttl=request.ttl,
                    prompt_tokens=used.prompt_tokens,
                    completion_tokens=used.completion_tokens,
                    cost_usd=request_cost(priced_as, used.prompt_tokens, used.completion_tokens).usd,
                )
        except (InvalidInput, StoreCleared) as exc:  # an empty or oversized answer, or one from before a clear
            return StoreResult("skipped", str(exc))
        except (NearhitError, RedisError) as exc:
            return StoreResult("failed", said(exc, "the answer was not stored"))
        except Exception as exc:
            log.exception("answer not stored")
            return StoreResult("failed", f"{type(exc).__name__}: {exc}")
        return StoreResult("stored")

    return store


def tool_calls(events: Sequence[LLMEvent | StoreResult]) -> tuple[ToolCall, ...]:
    """The tool calls a generation's deltas make up."""
    return assemble_tool_calls([e for e in events if isinstance(e, ToolCallDelta)])


def not_to_replay(
    events: Sequence[LLMEvent | StoreResult], params: Mapping[str, Any], calls: Sequence[ToolCall] | None = None
) -> str | None:
    """Why a generation's answer is not one to hand to a later request (stored, or its shared flight joined after
    its end), or None: cut or filtered (a finish other than ``stop`` / ``tool_calls``), a refusal, a tool call
    the request did not allow. A retry of such an answer must reach the model again. ``calls``: the events' tool
    calls, when the caller has them (:func:`tool_calls`)."""
    end = events[-1] if events else None
    if not isinstance(end, StreamEnd) or end.finish_reason not in ("stop", "tool_calls"):
        reason = end.finish_reason if isinstance(end, StreamEnd) else "none"
        return f"the answer is cut or filtered (finish_reason {reason})"
    if any(isinstance(e, TextChunk) and e.refusal for e in events):
        return "the model refused (a refusal is not an answer to replay)"
    return unallowed_call(tool_calls(events) if calls is None else calls, params)


def unallowed_call(calls: Sequence[ToolCall], params: Mapping[str, Any]) -> str | None:
    """Why the upstream's tool calls (or their absence) are not the request's to replay, or None: a call when no
    tool was offered, when ``tool_choice`` was ``none``, of a tool not offered, or of another than the one
    ``tool_choice`` named, several when ``parallel_tool_calls`` was false; no call when ``tool_choice`` required
    one. OpenAI never answers so; an upstream that does (a local server's tool parser) is passed on to its
    caller, but not stored for the next requests."""
    choice = params.get("tool_choice")
    if not calls:
        required = choice == "required" or (isinstance(choice, dict) and isinstance(choice.get("function"), dict))
        return "the request required a tool call and the upstream answered without one" if required else None
    given = params.get("tools")
    tools: list[Any] = given if isinstance(given, list) else []
    offered = {t["function"].get("name") for t in tools if isinstance(t, dict) and isinstance(t.get("function"), dict)}
    if choice == "none":
        return "the upstream called a tool, but tool_choice was none"
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        offered &= {choice["function"].get("name")}
    for call in calls:
        if call.name not in offered:
            return f"the upstream called the tool {call.name[:64]!r}, which the request did not offer"
    if len(calls) > 1 and params.get("parallel_tool_calls") is False:
        return f"the upstream made {len(calls)} tool calls, and parallel_tool_calls was false"
    return None


def no_store_reason(request: AskRequest, bypass: str | None, degraded: str | None) -> str:
    """Why a miss's answer is not stored, when it is not even tried."""
    if bypass is not None:
        return bypass
    if degraded is not None:
        return "the cache is degraded"
    return "the request said not to store (no-store)" if not request.store else "its generation made no store"
