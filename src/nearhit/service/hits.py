"""A hit, served: the stored answer as this request may have it, and what it saved.

Everything a hit reports is read from the entry, where it was computed once when the answer was stored (its
prompt and completion tokens, the price of the call): a hit counts no tokens and looks up no price, except
when ``max_tokens`` cuts the answer (then the cut is counted and priced) or the entry predates the figures.
Its text goes out in a few pieces of ``NEARHIT_HIT_CHUNK_CHARS``, not replayed word by word.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from nearhit.cache import stored_answer
from nearhit.cache.results import CachedAnswer, LookupResult
from nearhit.cache.semantic_cache import Accept, Refusal
from nearhit.economics.prices import request_cost
from nearhit.llm import ToolCall, ToolCallDelta, count_message_tokens
from nearhit.llm.tokens import encoding_for
from nearhit.service.request import AskRequest

_ARGUMENT_PIECE_CHARS = 8  # about the 2-3 tokens of JSON OpenAI sends per tool-call delta


@dataclass(frozen=True)
class ServedHit:
    """The answer a hit serves and the call it saved (the usage a live call would have reported)."""

    text: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    cost_saved_usd: float
    llm_started: bool = False
    """Served while the LLM call its miss would make had started (and was then dropped): ``service.beside``."""

    @property
    def tokens_saved(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def serve(result: LookupResult, request: AskRequest, priced_as: str) -> ServedHit:
    """The hit's answer for ``request``: cut at ``max_tokens`` with ``length`` when it is longer."""
    answer = result.answer
    assert answer is not None
    text, calls = stored_answer.decode(answer.response)
    finish_reason = "tool_calls" if calls else "stop"
    completion_tokens = answer.completion_tokens
    if request.max_tokens is not None and not calls:
        text, completion_tokens, finish_reason = cut_to_tokens(text, completion_tokens, request.max_tokens, priced_as)
    # An entry stored without counts (by the library or the admin API) is counted here, once.
    prompt_tokens = answer.prompt_tokens or count_message_tokens(request.messages(), priced_as)
    cost = answer.cost_usd
    if cost is None or completion_tokens != answer.completion_tokens or not answer.prompt_tokens:
        cost = request_cost(priced_as, prompt_tokens, completion_tokens).usd
    return ServedHit(text, calls, finish_reason, prompt_tokens, completion_tokens, cost)


def after_a_started_call(served: ServedHit, request: AskRequest, priced_as: str) -> ServedHit:
    """``served`` by a second chance that ran beside the LLM call (``service.beside``), the call then cancelled: a
    provider may bill a cancelled call's input tokens, so what the hit saved is less their price (counted as a
    miss's prompt is priced: ``request_cost``), never below nothing."""
    billed = request_cost(priced_as, count_message_tokens(request.messages(), priced_as), 0).usd
    return replace(served, cost_saved_usd=max(0.0, served.cost_saved_usd - billed), llm_started=True)


def pieces(text: str, size: int) -> list[str]:
    """The text in pieces of at most ``size`` characters (none for no text)."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def tool_call_deltas(index: int, call: ToolCall) -> list[ToolCallDelta]:
    """A stored tool call as OpenAI streams one: id and name with empty arguments, then argument fragments."""
    first = ToolCallDelta(index, "", call.id, call.name)
    step, arguments = _ARGUMENT_PIECE_CHARS, call.arguments
    return [first, *(ToolCallDelta(index, arguments[i : i + step]) for i in range(0, len(arguments), step))]


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


def acceptance(request: AskRequest) -> Accept | None:
    """The request's own test of a stored answer, for the lookup: an entry older than ``max_age``, or a tool
    call longer than ``max_tokens`` (a cut call is no call), may not answer it (counted as a miss)."""
    if request.max_age is None and request.max_tokens is None:
        return None

    def refusal(answer: CachedAnswer) -> Refusal | None:
        age = time.time() - answer.created_at
        if request.max_age is not None and age > request.max_age:
            return "max-age", f"the entry is {age:.0f} s old, older than max-age={request.max_age:g}"
        if (
            request.max_tokens is not None
            and answer.completion_tokens > request.max_tokens
            and stored_answer.decode(answer.response)[1]
        ):
            return "max_tokens", "the stored tool call is longer than max_tokens"
        return None

    return refusal
