"""The offline default LLM: a simulated model with the timing and token counts of a GPT-4o-class model.

Default timing (``NEARHIT_SIM_TTFT_MS`` = 450, ``NEARHIT_SIM_TOKENS_PER_SECOND`` = 80) comes from published
measurements of GPT-4o: Artificial Analysis's provider benchmark of GPT-4o (May '24)
(https://artificialanalysis.ai/models/gpt-4o-2024-05-13/providers) reports a median time to first token of
0.39 s and 81 output tokens/s on OpenAI's API, and 0.77 s and 115 tokens/s on Azure; an informal OpenAI
community measurement of gpt-4o-2024-05-13 found a median of 65.5 tokens/s. So the raw column of the demo
costs what a real call would, and the cache's saving is not flattered.

It never pretends to be real: ``name`` is "simulated", the model is ``simulated-<model>`` and every answer
ends with a sentence saying no LLM was called.
"""

from __future__ import annotations

import asyncio
import codecs
import math
from collections.abc import AsyncIterator, Sequence
from typing import Unpack

from nearhit.config import Settings
from nearhit.llm import simulated_tools
from nearhit.llm.base import (
    CallOptions,
    ChatMessage,
    LLMEvent,
    ProviderName,
    StreamEnd,
    TextChunk,
    ToolCall,
    ToolCallDelta,
    Usage,
)
from nearhit.llm.simulated_text import compose_answer
from nearhit.llm.tokens import count_message_tokens, count_tokens, encoding_for

# Above this many chunks per second, tokens are batched into one chunk: real APIs send about one token per
# event at ~100 tokens/s, and a faster rate would only flood the event loop with sleeps.
_MAX_CHUNKS_PER_SECOND = 100


class SimulatedLLM:
    """Deterministic answers, streamed at a realistic pace, with usage counted by the imitated model's
    tokenizer. ``temperature`` and sampling parameters are accepted and ignored: the same messages always
    give the same answer. A per-call ``model`` is imitated for that call; ``tools`` get a labelled tool call
    (:mod:`nearhit.llm.simulated_tools`), ``response_format`` a JSON answer, ``stop`` cuts the text."""

    name: ProviderName = "simulated"
    simulated = True

    def __init__(self, imitates: str, *, ttft_ms: float, tokens_per_second: float) -> None:
        self.imitates: str | None = imitates
        self.model = self.model_for(imitates)
        self._tokenizer_model = imitates
        self._ttft = ttft_ms / 1000
        self._tokens_per_second = tokens_per_second
        self._tokens_per_chunk = max(1, math.ceil(tokens_per_second / _MAX_CHUNKS_PER_SECOND))
        encoding_for(imitates)  # load the tokenizer now rather than inside the first request's TTFT

    @staticmethod
    def model_for(imitates: str) -> str:
        """The name answers are scoped under: never the real model's, so they are not mistaken for it."""
        return f"simulated-{imitates}"

    @classmethod
    def from_settings(cls, settings: Settings) -> SimulatedLLM:
        return cls(
            settings.chat_model,
            ttft_ms=settings.simulated_ttft_ms,
            tokens_per_second=settings.simulated_tokens_per_second,
        )

    async def stream(self, messages: Sequence[ChatMessage], **options: Unpack[CallOptions]) -> AsyncIterator[LLMEvent]:
        loop = asyncio.get_running_loop()
        first_due = loop.time() + self._ttft
        imitated = options.get("model") or self._tokenizer_model
        params = options.get("params") or {}
        max_tokens = options.get("max_tokens")
        call = simulated_tools.tool_call(messages, params)
        if call is not None:
            async for event in self._tool_call(call, messages, imitated, first_due):
                yield event
            return
        encoding = encoding_for(imitated)
        answer = simulated_tools.structured(compose_answer(messages, imitated), params.get("response_format"))
        answer = _cut_at_stop(answer, params.get("stop"))
        token_ids = encoding.encode_ordinary(answer)
        finish_reason = "stop"
        if max_tokens is not None and len(token_ids) > max_tokens:
            token_ids, finish_reason = token_ids[:max_tokens], "length"

        # Tokens are decoded as bytes: one token can hold half of a multi-byte character.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="ignore")
        emitted: list[str] = []
        for start in range(0, len(token_ids), self._tokens_per_chunk):
            batch = token_ids[start : start + self._tokens_per_chunk]
            text = decoder.decode(b"".join(encoding.decode_single_token_bytes(t) for t in batch))
            # Deadlines from one origin, so sleep overshoot does not accumulate into a slower rate.
            await asyncio.sleep(max(0.0, first_due + start / self._tokens_per_second - loop.time()))
            if text:
                emitted.append(text)
                yield TextChunk(text)

        answer = "".join(emitted)
        usage = Usage(
            prompt_tokens=count_message_tokens(messages, imitated),
            completion_tokens=count_tokens(answer, imitated),
            source="tokenizer",
        )
        yield StreamEnd(usage=usage, finish_reason=finish_reason, model=f"simulated-{imitated}")

    async def _tool_call(
        self, call: ToolCall, messages: Sequence[ChatMessage], imitated: str, first_due: float
    ) -> AsyncIterator[LLMEvent]:
        """The call as OpenAI streams one: id and name first, then the arguments in fragments."""
        await asyncio.sleep(max(0.0, first_due - asyncio.get_running_loop().time()))
        yield ToolCallDelta(0, "", call.id, call.name)
        for start in range(0, len(call.arguments), 16):
            yield ToolCallDelta(0, call.arguments[start : start + 16])
        usage = Usage(
            prompt_tokens=count_message_tokens(messages, imitated),
            completion_tokens=count_tokens(call.name + call.arguments, imitated),
            source="tokenizer",
        )
        yield StreamEnd(usage=usage, finish_reason="tool_calls", model=f"simulated-{imitated}")

    async def check(self) -> None:
        """Always reachable: it runs in process."""

    async def aclose(self) -> None:
        """Nothing to release."""


def _cut_at_stop(text: str, stop: object) -> str:
    """The text up to the first stop sequence, as OpenAI cuts it (the sequence itself is not sent)."""
    sequences = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    cut = min((text.find(s) for s in sequences if isinstance(s, str) and s and s in text), default=len(text))
    return text[:cut]
