"""An answer the store skips is not handed to the next request either: the shared flight's 3 s linger (which
lets a miss looked up before the store read the answer instead of calling the model again) is for answers a
lookup may be served next. A cut, refused or disallowed answer, retried at once with the very same request,
reaches the model again; and a ``Cache-Control: no-cache`` request is never handed another request's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nearhit.llm import LLMProvider
from tests.gateway.conftest import ServeGateway
from tests.gateway.test_chat import ask, create
from tests.gateway.test_dropin import WEATHER, refusal_stream, tool_call_stream
from tests.support.fake_upstream import FakeUpstream, Stream

QUESTION = "What is the weather like in Paris today?"


def cut(upstream: FakeUpstream) -> Stream:
    """Text that stopped at the token limit (``finish_reason: length``)."""
    return Stream(
        [
            upstream.chunk(role=True, content=""),
            upstream.chunk("It is sunny and"),
            upstream.chunk(finish_reason="length"),
        ]
    )


def first_replies(upstream: FakeUpstream) -> dict[str, tuple[Stream, dict[str, Any]]]:
    """The unstored first answer of each case, and the request's options."""
    return {
        "length": (cut(upstream), {}),
        "refusal": (refusal_stream(["I can't help with that."]), {}),
        "tool not offered": (tool_call_stream("call_x", "get_weather", ['{"city":"Paris","unit":"C"}'], (30, 12)), {}),
        "tool_choice none": (
            tool_call_stream("call_x", "get_weather", ['{"city":"Paris","unit":"C"}'], (30, 12)),
            {"tools": [WEATHER], "tool_choice": "none"},
        ),
    }


@pytest.mark.parametrize("case", ["length", "refusal", "tool not offered", "tool_choice none"])
async def test_the_same_request_after_an_unstored_answer_reaches_the_model_again(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider], case: str
) -> None:
    first, options = first_replies(upstream)[case]
    upstream.reset(first, upstream.answer("It is sunny in Paris.", usage=(30, 6)))
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        headers, answer = await create(client, ask(QUESTION), **options)
        assert headers["x-nearhit-cache"] == "miss"
        assert answer.choices[0].finish_reason != "stop" or answer.choices[0].message.refusal
        # the very same request at once (within the flight's 3 s): before, it was handed the same answer again
        headers, again = await create(client, ask(QUESTION), **options)
        assert len(upstream.chat_requests) == 2
        assert headers["x-nearhit-cache"] == "miss" and again.choices[0].message.content == "It is sunny in Paris."


async def test_a_no_cache_request_is_not_handed_the_answer_just_given(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider]
) -> None:
    upstream.reset(
        upstream.answer("It is sunny in Paris.", usage=(30, 6)), upstream.answer("Rain, 12 C.", usage=(30, 5))
    )
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        await create(client, ask(QUESTION))
        headers, fresh = await create(client, ask(QUESTION), extra_headers={"cache-control": "no-cache"})
        assert len(upstream.chat_requests) == 2
        assert headers["x-nearhit-cache"] == "bypass" and fresh.choices[0].message.content == "Rain, 12 C."
