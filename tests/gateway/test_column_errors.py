"""A column that fails inside the gateway is an error in OpenAI's shape (500 for nearhit's own failure, the
upstream's status for the LLM's), never a 200 with empty content or a silent ``[DONE]``; a failure in the
cache part only degrades the answer to the LLM's."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import openai
import pytest

from nearhit.cache import Scope
from nearhit.llm import LLMProvider, SimulatedLLM
from nearhit.service import hits
from tests.gateway.conftest import ServeGateway
from tests.support.expiry import expired_but_listed
from tests.support.failing_parts import BrokenLLM, break_the_guards, nearhit_log
from tests.support.fake_upstream import FakeUpstream, Status

BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "What is the capital of France?"}]}
PARAPHRASE = "Which city is France's capital?"


def broken() -> BrokenLLM:
    return BrokenLLM("gpt-4o", ttft_ms=5, tokens_per_second=2000)


async def sse_lines(url: str, body: dict[str, object]) -> tuple[int, list[str]]:
    async with (
        httpx.AsyncClient(timeout=10) as client,
        client.stream("POST", f"{url}/chat/completions", json=body) as response,
    ):
        return response.status_code, [line async for line in response.aiter_lines() if line.startswith("data:")]


async def test_a_bug_in_the_llm_part_is_a_500_in_openais_shape(serve: ServeGateway) -> None:
    async with serve(provider=broken()) as gateway:
        with nearhit_log() as log:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(f"{gateway.base_url}/chat/completions", json=BODY)
        assert response.status_code == 500
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert error["type"] == "server_error" and error["code"] == "internal_error"
        assert any("column failed" in message for message in log.tracebacks())
        with pytest.raises(openai.InternalServerError):
            await gateway.client().chat.completions.create(model="gpt-4o", messages=BODY["messages"])  # type: ignore[arg-type]


async def test_a_bug_after_the_first_token_is_an_error_event_without_done(serve: ServeGateway) -> None:
    async with serve(provider=broken()) as gateway:
        status, lines = await sse_lines(gateway.base_url, BODY | {"stream": True})
    assert status == 200  # the first piece of text was read before the headers went out
    assert "data: [DONE]" not in lines
    last = json.loads(lines[-1].removeprefix("data:"))
    assert last["error"]["code"] == "internal_error" and last["error"]["type"] == "server_error"
    assert any(json.loads(line[5:])["choices"][0]["delta"].get("content") for line in lines[1:-1])


async def test_a_broken_guard_answers_from_the_llm_marked_degraded(serve: ServeGateway) -> None:
    async with serve() as gateway:
        cache = await gateway.runtime.cache()
        await cache.store(
            str(BODY["messages"][0]["content"]), "Paris.", Scope.build(model=gateway.runtime.provider.model)
        )  # type: ignore[index]
        await break_the_guards(gateway.runtime)
        raw = await gateway.client().chat.completions.with_raw_response.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": PARAPHRASE}],
            extra_headers={"x-nearhit-threshold": "0.5"},
        )
        assert raw.headers["x-nearhit-degraded"] == "true" and raw.headers["x-nearhit-cache"] == "degraded"
        assert raw.parse().choices[0].message.content


async def test_a_stored_answer_that_cannot_be_served_is_answered_by_the_llm(
    serve: ServeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hit found but failing as it is prepared (a bug, an entry no check foresaw) degrades to the LLM, as a
    failing lookup does: never a 500 on the gateway, whose only column is the cache's."""
    async with serve(provider=SimulatedLLM("gpt-4o", ttft_ms=5, tokens_per_second=20_000)) as gateway:
        cache = await gateway.runtime.cache()
        question = str(BODY["messages"][0]["content"])  # type: ignore[index]
        await cache.store(question, "Paris.", Scope.build(model=gateway.runtime.provider.model))

        def unservable(*_: object) -> object:
            raise ValueError("stored answer unreadable")

        monkeypatch.setattr(hits, "serve", unservable)
        for streamed in (False, True):
            with nearhit_log() as log:
                raw = await gateway.client().chat.completions.with_raw_response.create(
                    model="gpt-4o",
                    messages=BODY["messages"],
                    stream=streamed,  # type: ignore[arg-type]
                )
            assert raw.status_code == 200
            assert raw.headers["x-nearhit-cache"] == "degraded" and raw.headers["x-nearhit-degraded"] == "true"
            if streamed:
                text = "".join([c.choices[0].delta.content or "" async for c in raw.parse() if c.choices])
            else:
                text = raw.parse().choices[0].message.content
            assert text and text != "Paris."
            assert any("serving a cache hit failed" in message for message in log.tracebacks())
        monkeypatch.undo()
        entry = await cache.lookup(question, Scope.build(model=gateway.runtime.provider.model))
        assert entry.answer is not None and entry.answer.response == "Paris."  # the entry is left as it was


async def test_expired_entries_give_a_real_answer_not_an_empty_200(serve: ServeGateway) -> None:
    async with serve(provider=SimulatedLLM("gpt-4o", ttft_ms=5, tokens_per_second=20_000)) as gateway:
        cache = await gateway.runtime.cache()
        question = str(BODY["messages"][0]["content"])  # type: ignore[index]
        await cache.store(question, "Paris.", Scope.build(model=gateway.runtime.provider.model))
        for streamed, paraphrase in ((False, PARAPHRASE), (True, "Tell me the capital of France")):
            entries = [key.decode() async for key in cache.redis.scan_iter(match=cache.keys.entry_prefix + "*")]
            async with expired_but_listed(cache.redis, entries, pause_ms=500):
                raw = await gateway.client().chat.completions.with_raw_response.create(
                    model="gpt-4o",
                    messages=[{"role": "user", "content": paraphrase}],
                    stream=streamed,
                    extra_headers={"x-nearhit-threshold": "0.5"},
                )
                assert raw.status_code == 200 and raw.headers["x-nearhit-cache"] == "miss"
                if streamed:
                    text = "".join([c.choices[0].delta.content or "" async for c in raw.parse() if c.choices])
                else:
                    text = raw.parse().choices[0].message.content
                assert text


async def test_a_lone_surrogate_in_the_prompt_is_an_error_in_openais_shape(serve: ServeGateway) -> None:
    """It used to reach the column and end it silently (200, empty content). Refusing it up front (400) is
    input validation's job; whichever status, it is an error the client can see."""
    body = b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "What is \\ud800 this?"}]}'
    async with serve() as gateway, httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{gateway.base_url}/chat/completions", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code in (400, 500)
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


async def test_an_upstream_error_before_the_first_token_keeps_its_status_when_streamed(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider]
) -> None:
    upstream.reset(Status(500, "upstream exploded"))
    async with serve(provider=upstream_provider()) as gateway, httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{gateway.base_url}/chat/completions", json=BODY | {"stream": True})
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["type"] == "server_error" and error["code"] == "upstream_error" and "exploded" in error["message"]
