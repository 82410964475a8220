"""One async streaming interface for every LLM: a response is a stream of text chunks that ends with usage.

The service and the gateway only see these types, so the simulated model, OpenAI(-compatible) servers and
Azure OpenAI are interchangeable, and tests can pass any object with the same shape.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

Role = Literal["system", "user", "assistant", "tool"]
ProviderName = Literal["simulated", "openai", "azure"]
UsageSource = Literal["upstream", "tokenizer"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class TextChunk:
    """A piece of the answer, in the order the model produced it."""

    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens billed for one answer. ``source`` says whether the upstream reported them or nearhit counted
    them with the model's tokenizer (the simulated model, or a server that sends no usage)."""

    prompt_tokens: int
    completion_tokens: int
    source: UsageSource = "upstream"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


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


LLMEvent = TextChunk | StreamEnd


class LLMProvider(Protocol):
    """What the service and the gateway call. Errors are :class:`~nearhit.llm.errors.LLMError`."""

    name: ProviderName
    model: str
    simulated: bool
    imitates: str | None
    """For the simulated model: the real model it imitates (timing, tokenizer, price). ``None`` otherwise."""

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[LLMEvent]:
        """Yield :class:`TextChunk` events, then one :class:`StreamEnd`; raise ``LLMError`` on failure."""
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
    provider: LLMProvider,
    messages: Sequence[ChatMessage],
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
) -> Completion:
    """Drain a stream into one answer: non-streaming callers get the same retries and timeouts."""
    pieces: list[str] = []
    async for event in provider.stream(messages, temperature=temperature, max_tokens=max_tokens):
        if isinstance(event, TextChunk):
            pieces.append(event.text)
        else:
            return Completion(text="".join(pieces), end=event)
    raise RuntimeError(f"{provider.name} stream ended without a StreamEnd event")
