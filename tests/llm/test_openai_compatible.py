"""The OpenAI-compatible provider against a real local HTTP server: usage, retries, errors, stalls."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import openai
import pytest

from nearhit.config import Settings
from nearhit.llm import (
    ChatMessage,
    LLMError,
    LLMEvent,
    LLMTimeout,
    OpenAICompatibleLLM,
    StreamEnd,
    TextChunk,
    build_provider,
    complete,
)
from nearhit.llm.tokens import count_message_tokens, count_tokens
from tests.support.fake_upstream import UPSTREAM_MODEL, FakeUpstream, Pause, Status, Stream

MESSAGES = [ChatMessage("system", "Be brief."), ChatMessage("user", "Say hello.")]


@pytest.fixture
async def provider(upstream: FakeUpstream) -> AsyncIterator[OpenAICompatibleLLM]:
    client = openai.AsyncOpenAI(api_key="sk-test", base_url=upstream.base_url, max_retries=0)
    llm = OpenAICompatibleLLM(client, name="openai", model="gpt-4o", timeout=0.5, max_retries=2, backoff_base=0.01)
    yield llm
    await llm.aclose()


async def collect(llm: OpenAICompatibleLLM, received: list[LLMEvent] | None = None) -> list[LLMEvent]:
    events = received if received is not None else []
    async for event in llm.stream(MESSAGES):
        events.append(event)
    return events


def text_of(events: list[LLMEvent]) -> str:
    return "".join(event.text for event in events if isinstance(event, TextChunk))


async def test_streams_chunks_then_upstream_usage(provider: OpenAICompatibleLLM, upstream: FakeUpstream) -> None:
    events = await collect(provider)

    assert [e.text for e in events if isinstance(e, TextChunk)] == ["Hello", " world"]
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert end.finish_reason == "stop"
    assert end.model == UPSTREAM_MODEL
    assert (end.usage.prompt_tokens, end.usage.completion_tokens, end.usage.source) == (9, 2, "upstream")
    [request] = upstream.chat_requests
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body is not None
    assert request.body["model"] == "gpt-4o"
    assert request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}
    assert request.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello."},
    ]
    assert "temperature" not in request.body
    assert "max_tokens" not in request.body


async def test_passes_temperature_and_max_tokens(provider: OpenAICompatibleLLM, upstream: FakeUpstream) -> None:
    [event async for event in provider.stream(MESSAGES, temperature=0.2, max_tokens=5)]
    [request] = upstream.chat_requests
    assert request.body is not None
    assert (request.body["temperature"], request.body["max_tokens"]) == (0.2, 5)
    assert "max_completion_tokens" not in request.body


async def test_without_upstream_usage_counts_with_the_tokenizer(
    provider: OpenAICompatibleLLM, upstream: FakeUpstream
) -> None:
    upstream.reset(upstream.answer("Hello", " there, how can I help?"))
    events = await collect(provider)
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert end.usage.source == "tokenizer"
    assert end.usage.completion_tokens == count_tokens("Hello there, how can I help?", "gpt-4o")
    assert end.usage.prompt_tokens == count_message_tokens(MESSAGES, "gpt-4o")


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_retries_before_the_first_token_and_answers_once(
    provider: OpenAICompatibleLLM, upstream: FakeUpstream, status: int
) -> None:
    upstream.reset(Status(status), upstream.answer("Hello", " world", usage=(9, 2)))
    events = await collect(provider)
    assert text_of(events) == "Hello world"
    assert sum(isinstance(e, StreamEnd) for e in events) == 1
    assert len(upstream.chat_requests) == 2


async def test_an_error_event_before_any_text_is_retried(provider: OpenAICompatibleLLM, upstream: FakeUpstream) -> None:
    overloaded = Stream([upstream.chunk(role=True, content=""), {"error": {"message": "busy", "code": 503}}])
    upstream.reset(overloaded, upstream.answer("Hello", " world"))
    assert text_of(await collect(provider)) == "Hello world"
    assert len(upstream.chat_requests) == 2


@pytest.mark.parametrize("role_chunk", [False, True], ids=["nothing", "a role chunk"])
async def test_a_stream_that_ends_with_nothing_is_an_error_retried(
    provider: OpenAICompatibleLLM, upstream: FakeUpstream, role_chunk: bool
) -> None:
    """``[DONE]`` with no text, no tool call and no finish reason was a whole answer: an empty one, ``unknown``,
    shown by /ask/stream as a column "done" with nothing in it (and its prompt billed). It is the upstream's failure:
    retried before anything was passed on, an error naming it when it keeps coming."""
    empty = Stream([upstream.chunk(role=True, content="")] if role_chunk else [])
    upstream.reset(empty, upstream.answer("Hello"))
    assert text_of(await collect(provider)) == "Hello"
    assert len(upstream.chat_requests) == 2
    upstream.reset(empty)
    with pytest.raises(LLMError, match="ended its stream without an answer"):
        await collect(provider)
    assert len(upstream.chat_requests) == 3  # max_retries 2


async def test_429_every_time_gives_up_after_max_retries(provider: OpenAICompatibleLLM, upstream: FakeUpstream) -> None:
    upstream.reset(Status(429, "Rate limit reached for gpt-4o"))
    with pytest.raises(LLMError) as caught:
        await collect(provider)
    assert caught.value.status_code == 429
    assert caught.value.retryable is True
    assert "Rate limit reached for gpt-4o" in str(caught.value)
    assert len(upstream.chat_requests) == 3  # the first try and max_retries=2 retries


async def test_retry_after_header_is_honoured(provider: OpenAICompatibleLLM, upstream: FakeUpstream) -> None:
    upstream.reset(Status(429, headers={"retry-after-ms": "300"}), upstream.answer("Hi"))
    started = time.perf_counter()
    assert text_of(await collect(provider)) == "Hi"
    assert time.perf_counter() - started >= 0.3


async def test_client_errors_are_not_retried(provider: OpenAICompatibleLLM, upstream: FakeUpstream) -> None:
    upstream.reset(Status(400, "Unsupported value: 'temperature'"))
    with pytest.raises(LLMError) as caught:
        await collect(provider)
    assert (caught.value.status_code, caught.value.retryable) == (400, False)
    assert len(upstream.chat_requests) == 1


async def test_a_500_after_the_first_chunk_fails_without_retry(
    provider: OpenAICompatibleLLM, upstream: FakeUpstream
) -> None:
    broken = Stream([upstream.chunk("Hello"), {"error": {"message": "The server had an error", "code": 500}}])
    upstream.reset(broken, upstream.answer("never", " sent"))
    received: list[LLMEvent] = []
    with pytest.raises(LLMError) as caught:
        await collect(provider, received)
    assert caught.value.status_code == 500
    assert "The server had an error" in str(caught.value)
    assert received == [TextChunk("Hello")]  # no second answer glued to the first
    assert len(upstream.chat_requests) == 1


async def test_a_dropped_connection_mid_answer_is_an_error(
    provider: OpenAICompatibleLLM, upstream: FakeUpstream
) -> None:
    upstream.reset(Stream([upstream.chunk("Hel")], drop=True))
    received: list[LLMEvent] = []
    with pytest.raises(LLMError):
        await collect(provider, received)
    assert received == [TextChunk("Hel")]
    assert len(upstream.chat_requests) == 1


@pytest.mark.parametrize(
    "stall",
    [
        pytest.param(lambda up: Pause(5), id="before-the-response"),
        pytest.param(lambda up: Stream([up.chunk("Hel"), Pause(5), up.chunk("lo")]), id="between-chunks"),
    ],
)
async def test_a_stall_raises_llm_timeout_within_the_timeout(
    provider: OpenAICompatibleLLM, upstream: FakeUpstream, stall: Callable[[FakeUpstream], Any]
) -> None:
    upstream.reset(stall(upstream))
    started = time.perf_counter()
    with pytest.raises(LLMTimeout) as caught:
        await collect(provider)
    assert time.perf_counter() - started < 0.5 + 0.4  # the 0.5 s timeout, not the 5 s stall
    assert caught.value.retryable is False  # a retry would multiply the wait the caller set
    assert "NEARHIT_LLM_TIMEOUT" in str(caught.value)
    assert len(upstream.chat_requests) == 1


async def test_unreachable_server_is_a_retryable_error_without_status() -> None:
    client = openai.AsyncOpenAI(api_key="sk-test", base_url="http://127.0.0.1:9/v1", max_retries=0)
    llm = OpenAICompatibleLLM(client, name="openai", model="gpt-4o", timeout=2, max_retries=1, backoff_base=0.01)
    with pytest.raises(LLMError) as caught:
        await collect(llm)
    assert (caught.value.status_code, caught.value.retryable) == (None, True)
    assert "127.0.0.1:9" in str(caught.value)
    with pytest.raises(LLMError):
        await llm.check()
    await llm.aclose()


async def test_stopping_early_closes_the_stream_cleanly(provider: OpenAICompatibleLLM, upstream: FakeUpstream) -> None:
    upstream.reset(Stream([upstream.chunk("Hel"), Pause(5), upstream.chunk("lo")]))
    stream = provider.stream(MESSAGES)
    assert await anext(stream) == TextChunk("Hel")
    started = time.perf_counter()
    await stream.aclose()  # a client disconnect: the upstream response is released, not awaited
    assert time.perf_counter() - started < 0.2


async def test_complete_collects_one_answer(provider: OpenAICompatibleLLM) -> None:
    completion = await complete(provider, MESSAGES)
    assert completion.text == "Hello world"
    usage = completion.end.usage
    assert (usage.prompt_tokens, usage.completion_tokens) == (9, 2)  # as the upstream reported them


async def test_check_lists_models(provider: OpenAICompatibleLLM, upstream: FakeUpstream) -> None:
    await provider.check()
    assert [r.path for r in upstream.requests] == ["/v1/models"]


async def test_built_from_settings_for_a_local_server(
    make_settings: Callable[..., Settings], upstream: FakeUpstream
) -> None:
    llm = build_provider(make_settings(openai_base_url=upstream.base_url, chat_model="llama3.1:8b"))
    assert (llm.name, llm.model, llm.simulated, llm.imitates) == ("openai", "llama3.1:8b", False, None)
    [event async for event in llm.stream(MESSAGES, max_tokens=7)]
    [request] = upstream.chat_requests
    assert request.headers["authorization"] == "Bearer not-needed"  # Ollama & co. need no key
    assert request.body is not None
    assert request.body["max_tokens"] == 7
    await llm.aclose()
