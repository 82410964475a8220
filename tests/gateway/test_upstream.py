"""The gateway in front of a real HTTP upstream (``OPENAI_BASE_URL`` -> the fake OpenAI server of tests/llm):
what is forwarded, and upstream errors passed on with their status and never cached."""

from __future__ import annotations

from collections.abc import Callable

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from nearhit.llm import LLMProvider
from tests.gateway.conftest import ServeGateway
from tests.support.fake_upstream import FakeUpstream, Pause, Status, Stream

MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi, I'm planning a trip."},
    {"role": "assistant", "content": "Great, where to?"},
    {
        "role": "user",
        "content": [{"type": "text", "text": "What is the capital "}, {"type": "text", "text": "of France?"}],
    },
]


async def test_a_miss_is_forwarded_and_its_answer_served_again(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider]
) -> None:
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        raw = await client.chat.completions.with_raw_response.create(
            model="my-alias", messages=MESSAGES, temperature=0.3, max_tokens=50
        )
        first = raw.parse()
        assert raw.headers["x-nearhit-cache"] == "miss"
        assert first.choices[0].message.content == "Paris is the capital of France."
        assert first.model == "my-alias"  # without a model table, the requested model is called as it is
        assert first.usage is not None and (first.usage.prompt_tokens, first.usage.completion_tokens) == (21, 7)
        [request] = upstream.chat_requests
        assert request.body is not None
        assert request.body["model"] == "my-alias"
        assert request.body["messages"] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi, I'm planning a trip."},
            {"role": "assistant", "content": "Great, where to?"},
            {"role": "user", "content": "What is the capital of France?"},
        ]
        assert (request.body["temperature"], request.body["max_tokens"]) == (0.3, 50)
        await gateway.wait_entries(1)

        stream = await client.chat.completions.create(
            model="my-alias", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
        chunks = [chunk async for chunk in stream]
        assert (
            "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == first.choices[0].message.content
        )
        assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 7
        assert len(upstream.chat_requests) == 1


@pytest.mark.parametrize("streamed", [False, True])
async def test_an_upstream_429_reaches_the_client_and_is_not_cached(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider], streamed: bool
) -> None:
    upstream.reset(Status(429, "Rate limit reached for gpt-4o", headers={"retry-after": "7"}))
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        with pytest.raises(openai.RateLimitError) as caught:
            if streamed:
                stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
                [chunk async for chunk in stream]
            else:
                await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        assert caught.value.status_code == 429
        assert caught.value.response.headers["retry-after"] == "7"  # the upstream's wait, passed on
        assert caught.value.code == "rate_limit_exceeded"
        assert "Rate limit reached" in caught.value.message
        assert len(upstream.chat_requests) == 1

        upstream.reset(upstream.answer("Paris.", usage=(20, 2)))
        raw = await client.chat.completions.with_raw_response.create(model="gpt-4o", messages=MESSAGES)
        assert raw.headers["x-nearhit-cache"] == "miss"  # the error was not cached
        assert raw.parse().choices[0].message.content == "Paris."
        await gateway.wait_entries(1)

        await gateway.runtime.telemetry.flush()
        events = await gateway.runtime.telemetry.events(10)
        assert [e["outcome"] for e in events] == ["miss", "error"]


async def test_an_upstream_5xx_keeps_its_status(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider]
) -> None:
    upstream.reset(Status(503, "overloaded"))
    async with serve(provider=upstream_provider()) as gateway:
        with pytest.raises(openai.InternalServerError) as caught:
            await gateway.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)
        assert caught.value.status_code == 503
        assert isinstance(caught.value.body, dict) and caught.value.body["type"] == "server_error"


async def test_a_failure_mid_stream_is_an_error_event_and_not_cached(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider]
) -> None:
    cut = Stream([upstream.chunk(role=True, content=""), upstream.chunk("Paris"), Pause(0.05)], drop=True)
    upstream.reset(cut)
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        received: list[str] = []
        with pytest.raises(openai.APIError):
            async for chunk in stream:
                received.extend(c.delta.content or "" for c in chunk.choices)
        assert "".join(received) == "Paris"

        upstream.reset(upstream.answer("Paris.", usage=(20, 2)))
        raw = await client.chat.completions.with_raw_response.create(model="gpt-4o", messages=MESSAGES)
        assert raw.headers["x-nearhit-cache"] == "miss"


@pytest.mark.parametrize("streamed", [False, True])
async def test_a_stream_that_ends_without_a_finish_reason_is_told_as_cut_off_and_not_cached(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider], streamed: bool
) -> None:
    """A real upstream sends two pieces, then ``[DONE]`` with no finish reason: OpenAI ends every choice with
    one, so the answer was cut off. The client must not read ``stop`` (a whole answer), and nothing is stored."""
    cut = Stream([upstream.chunk(role=True, content=""), upstream.chunk("The capital"), upstream.chunk(" is")])
    upstream.reset(cut)
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        received: list[str] = []
        with pytest.raises(openai.APIError) as caught:
            if streamed:
                stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
                async for chunk in stream:
                    assert all(c.finish_reason is None for c in chunk.choices)  # never "stop"
                    received.extend(c.delta.content or "" for c in chunk.choices)
            else:
                await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        assert "finish_reason" in caught.value.message and "cut off" in caught.value.message
        if streamed:
            assert "".join(received) == "The capital is"  # what came is passed on, then the error
        else:
            assert isinstance(caught.value, openai.APIStatusError) and caught.value.status_code == 502
        await gateway.settled()
        assert await gateway.entries() == 0

        upstream.reset(upstream.answer("Paris.", usage=(20, 2)))
        raw = await client.chat.completions.with_raw_response.create(model="gpt-4o", messages=MESSAGES)
        assert raw.headers["x-nearhit-cache"] == "miss"
        assert raw.parse().choices[0].message.content == "Paris."


async def test_a_second_choice_the_gateway_did_not_ask_for_is_a_malformed_reply_not_part_of_the_answer(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider]
) -> None:
    # The gateway asks an upstream for one choice (n=1 each). A reply whose chunks also carry choice 1 (a proxy
    # merging two streams, a server ignoring n) had both choices' text joined into one answer, served and stored.
    stray = upstream.chunk(" and Lyon", finish_reason=None)
    stray["choices"][0]["index"] = 1
    upstream.reset(
        Stream([upstream.chunk(role=True, content="Paris"), stray, upstream.chunk(finish_reason="stop")]),
        upstream.answer("Paris.", usage=(20, 2)),
    )
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        with pytest.raises(openai.APIStatusError) as caught:
            await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        assert caught.value.status_code == 502 and "choice 1" in caught.value.message
        await gateway.settled()
        assert await gateway.entries() == 0
        answer = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        assert answer.choices[0].message.content == "Paris."
