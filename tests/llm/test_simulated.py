"""The simulated model: deterministic, labelled, counted with the real tokenizer, paced like GPT-4o."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import pytest

from nearhit.config import Settings
from nearhit.llm import ChatMessage, LLMEvent, SimulatedLLM, StreamEnd, TextChunk, build_provider
from nearhit.llm.simulated_text import MAX_TOKENS, MIN_TOKENS
from nearhit.llm.tokens import count_message_tokens, count_tokens

QUESTION = [ChatMessage("user", "How does photosynthesis turn light into chemical energy?")]


def fast_model(**overrides: Any) -> SimulatedLLM:
    options: dict[str, Any] = {"ttft_ms": 0, "tokens_per_second": 100_000} | overrides
    return SimulatedLLM("gpt-4o", **options)


async def collect(model: SimulatedLLM, messages: list[ChatMessage], **kwargs: Any) -> list[LLMEvent]:
    return [event async for event in model.stream(messages, **kwargs)]


def text_of(events: list[LLMEvent]) -> str:
    return "".join(event.text for event in events if isinstance(event, TextChunk))


def end_of(events: list[LLMEvent]) -> StreamEnd:
    assert isinstance(events[-1], StreamEnd)
    return events[-1]


def test_is_the_default_and_labelled(make_settings: Callable[..., Settings]) -> None:
    provider = build_provider(make_settings())
    assert isinstance(provider, SimulatedLLM)
    assert provider.name == "simulated"
    assert provider.simulated is True
    assert provider.model == "simulated-gpt-4o"
    assert provider.imitates == "gpt-4o"


async def test_chunks_then_exactly_one_stream_end_last() -> None:
    events = await collect(fast_model(), QUESTION)
    assert [type(e) for e in events[:-1]] == [TextChunk] * (len(events) - 1)
    assert all(isinstance(e, TextChunk) and e.text for e in events[:-1])
    end = end_of(events)
    assert end.finish_reason == "stop"
    assert end.model == "simulated-gpt-4o"


async def test_same_messages_same_answer_different_prompts_differ() -> None:
    first = text_of(await collect(fast_model(), QUESTION))
    again = text_of(await collect(fast_model(tokens_per_second=50_000), QUESTION))
    other = text_of(await collect(fast_model(), [ChatMessage("user", "Why is the sky blue at noon?")]))
    with_system = text_of(await collect(fast_model(), [ChatMessage("system", "Be brief."), *QUESTION]))
    assert first == again
    assert other != first
    assert with_system != first  # the system prompt is part of the request, so of the answer


async def test_answer_is_about_the_question_and_says_it_is_simulated() -> None:
    answer = text_of(await collect(fast_model(), QUESTION))
    assert "photosynthesis" in answer
    assert "Simulated answer" in answer
    assert "\n\n" in answer  # two paragraphs


@pytest.mark.parametrize(
    "question",
    [
        "What is Redis?",
        "",
        "Is spinach high in iron?",
        "Quelle est la capitale de la France ? Et pourquoi Paris ?",
        "東京と大阪の違いは何ですか",
        "supercalifragilisticexpialidocious " * 30,
    ],
)
async def test_usage_is_the_tokenizer_count_of_what_was_emitted(question: str) -> None:
    messages = [ChatMessage("system", "You are helpful."), ChatMessage("user", question)]
    events = await collect(fast_model(), messages)
    usage = end_of(events).usage
    assert usage.source == "tokenizer"
    assert usage.completion_tokens == count_tokens(text_of(events), "gpt-4o")
    assert MIN_TOKENS <= usage.completion_tokens <= MAX_TOKENS
    assert usage.prompt_tokens == count_message_tokens(messages, "gpt-4o")


async def test_max_tokens_cuts_the_answer_with_finish_reason_length() -> None:
    events = await collect(fast_model(), QUESTION, max_tokens=10)
    end = end_of(events)
    assert end.finish_reason == "length"
    assert 0 < end.usage.completion_tokens <= 10
    assert text_of(await collect(fast_model(), QUESTION)).startswith(text_of(events))


async def test_time_to_first_token_and_rate_are_respected() -> None:
    model = fast_model(ttft_ms=60, tokens_per_second=1_000)
    started = time.perf_counter()
    first_chunk_at: float | None = None
    async for event in model.stream(QUESTION):
        if first_chunk_at is None:
            first_chunk_at = time.perf_counter() - started
        if isinstance(event, StreamEnd):
            total = time.perf_counter() - started
            tokens = event.usage.completion_tokens
    assert first_chunk_at is not None
    assert 0.055 <= first_chunk_at < 0.3
    expected = 0.060 + (tokens - model._tokens_per_chunk) / 1_000
    assert expected * 0.95 <= total < expected + 0.3


async def test_high_rates_batch_several_tokens_per_chunk() -> None:
    paced = await collect(fast_model(tokens_per_second=80), QUESTION, max_tokens=3)
    assert len(paced) == 4  # one token per chunk at GPT-4o's pace: 3 chunks, then StreamEnd
    batched = await collect(fast_model(tokens_per_second=1_000), QUESTION)  # 10 tokens per chunk
    tokens = end_of(batched).usage.completion_tokens
    assert 1 < len(batched) - 1 <= math.ceil(tokens / 10)
