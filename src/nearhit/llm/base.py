"""One async streaming interface for every LLM: a response is a stream of text chunks that ends with usage.

The service and the gateway only see these types, so the simulated model, OpenAI(-compatible) servers and
Azure OpenAI are interchangeable, and tests can pass any object with the same shape.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypedDict, Unpack

Role = Literal["system", "user", "assistant", "tool"]
ProviderName = Literal["simulated", "openai", "azure"]
UsageSource = Literal["upstream", "tokenizer"]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function call the model asked for: ``arguments`` is the JSON text the model wrote."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One turn. An assistant turn may hold ``tool_calls``; a ``tool`` turn answers ``tool_call_id``."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True, slots=True)
class TextChunk:
    """A piece of the answer, in the order the model produced it; ``logprobs`` holds its tokens' log
    probabilities when the request asked for them (OpenAI's ``logprobs.content`` items, as JSON). A
    ``refusal`` piece is the model's refusal (OpenAI's ``delta.refusal``), not its answer: told as one, never
    stored."""

    text: str
    logprobs: tuple[Mapping[str, Any], ...] = ()
    refusal: bool = False


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of a tool call, as OpenAI streams it: the first piece of call ``index`` has its ``id`` and
    ``name``, the next ones fragments of its ``arguments``."""

    index: int
    arguments: str = ""
    id: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens billed for one answer. ``source`` says whether the upstream reported them or nearhit counted
    them with the model's tokenizer (the simulated model, or a server that sends no usage)."""

    prompt_tokens: int
    completion_tokens: int
    source: UsageSource = "upstream"


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """The last event of every successful stream, exactly once.

    ``finish_reason`` is the upstream's (``stop``, ``length``, ``content_filter``, ...) or ``unknown`` when it
    sent none; ``model`` is the model that answered as the upstream named it (Azure: the model behind the
    deployment), which is what prices the answer.
    """

    usage: Usage
    finish_reason: str
    model: str


LLMEvent = TextChunk | ToolCallDelta | StreamEnd


def assemble_tool_calls(deltas: Sequence[ToolCallDelta]) -> tuple[ToolCall, ...]:
    """The whole tool calls of a stream's deltas, in index order."""
    calls: dict[int, list[str]] = {}
    for delta in deltas:
        call = calls.setdefault(delta.index, ["", "", ""])
        call[0] = delta.id or call[0]
        call[1] = delta.name or call[1]
        call[2] += delta.arguments
    return tuple(ToolCall(*calls[index]) for index in sorted(calls))


class CallOptions(TypedDict, total=False):
    """What a call sets beside its messages, each optional; named once here for every provider and caller."""

    temperature: float | None
    max_tokens: int | None
    model: str | None
    """The model called (default: the provider's own)."""
    params: Mapping[str, Any] | None
    """Further OpenAI request fields (``stop``, ``seed``, ``tools``, ...), JSON values forwarded as they are."""


class LLMProvider(Protocol):
    """What the service and the gateway call. Errors are :class:`~nearhit.llm.errors.LLMError`."""

    name: ProviderName
    model: str
    simulated: bool
    imitates: str | None
    """For the simulated model: the real model it imitates (timing, tokenizer, price). ``None`` otherwise."""

    def stream(self, messages: Sequence[ChatMessage], **options: Unpack[CallOptions]) -> AsyncIterator[LLMEvent]:
        """Yield :class:`TextChunk` (and :class:`ToolCallDelta`) events, then one :class:`StreamEnd`; raise
        ``LLMError`` on failure. ``options``: :class:`CallOptions`."""
        ...

    async def check(self) -> None:
        """Return when the LLM is reachable and accepts our credentials; raise ``LLMError`` otherwise."""
        ...

    async def aclose(self) -> None:
        """Release connections (call once at shutdown)."""
        ...


@dataclass(frozen=True, slots=True)
class Completion:
    """A whole answer, for callers that do not stream (``POST /ask``, non-streamed gateway calls)."""

    text: str
    end: StreamEnd


async def complete(
    provider: LLMProvider, messages: Sequence[ChatMessage], **options: Unpack[CallOptions]
) -> Completion:
    """Drain a stream into one answer: non-streaming callers get the same retries and timeouts."""
    pieces: list[str] = []
    events = provider.stream(messages, **options)
    async for event in events:
        if isinstance(event, TextChunk):
            pieces.append(event.text)
        elif isinstance(event, StreamEnd):
            return Completion(text="".join(pieces), end=event)
    raise RuntimeError(f"{provider.name} stream ended without a StreamEnd event")
