"""An upstream that sends what no OpenAI server sends (the real gateway and ``/ask``, the fake OpenAI server on a real
socket, real Redis). A usage that is no token count (negative, fractional, 1e30, text, null): the answer is still
served, priced by nearhit's own count, and stored; it once raised in the pricing (a Decimal divided by a float) after
the answer was sent: a 500 from the gateway, the raw column an error, the answer not stored; as the check's usage it
dropped the hit counters' batch. A malformed chunk (choices null, no delta, content a number): the upstream's error,
named, a 502 from the gateway; it was once an "internal error" (and content a number a 500 from ``/ask``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nearhit.llm import LLMProvider
from tests.gateway.conftest import ServeGateway
from tests.support.fake_upstream import UPSTREAM_MODEL, FakeUpstream, Raw, Stream

QUESTION = "What is the tallest mountain in Wales?"
ANSWER = "Snowdon (Yr Wyddfa), 1,085 m."

BAD_USAGE: list[dict[str, Any]] = [
    {"prompt_tokens": -5, "completion_tokens": 1e30, "total_tokens": 3},
    {"prompt_tokens": 12.5, "completion_tokens": 3, "total_tokens": 15.5},
    {"prompt_tokens": "12", "completion_tokens": "3", "total_tokens": "15"},
    {"prompt_tokens": None, "completion_tokens": None, "total_tokens": None},
    {"prompt_tokens": True, "completion_tokens": 3, "total_tokens": 4},
]


def answered_with(upstream: FakeUpstream, usage: dict[str, Any]) -> Stream:
    last = {"id": "u", "object": "chat.completion.chunk", "created": 1, "model": UPSTREAM_MODEL, "choices": []}
    return Stream([*upstream.answer(ANSWER).items, {**last, "usage": usage}])


@pytest.mark.parametrize("usage", BAD_USAGE, ids=[str(usage["prompt_tokens"]) for usage in BAD_USAGE])
async def test_a_usage_that_is_no_token_count_is_counted_here(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider], usage: dict[str, Any]
) -> None:
    upstream.reset(answered_with(upstream, usage))
    async with serve(provider=upstream_provider()) as gateway, httpx.AsyncClient(timeout=30) as client:
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}]}
        reply = await client.post(f"{gateway.base_url}/chat/completions", json=body)
        assert reply.status_code == 200, reply.text
        assert reply.headers["x-nearhit-cache"] == "miss"
        assert reply.json()["choices"][0]["message"]["content"] == ANSWER
        counted = reply.json()["usage"]
        assert counted["prompt_tokens"] > 0 and 0 < counted["completion_tokens"] < 100, counted
        await gateway.wait_entries(1)  # stored
        again = await client.post(f"{gateway.base_url}/chat/completions", json=body)
        assert again.headers["x-nearhit-cache"] == "hit-exact" and len(upstream.chat_requests) == 1
        root = gateway.base_url.removesuffix("/v1")
        asked = (await client.post(f"{root}/ask", json={"prompt": "And the tallest in Scotland?"})).json()
        assert asked["raw"]["status"] == "done" and asked["raw"]["error"] is None, asked["raw"]
        assert asked["raw"]["prompt_tokens"] > 0


CHUNK = {"id": "u", "object": "chat.completion.chunk", "created": 1, "model": UPSTREAM_MODEL}
_CALL = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a": "\ud800"}'}}
MALFORMED: list[tuple[str, Any]] = [
    ("choices null", {**CHUNK, "choices": None}),
    ("choices a string", {**CHUNK, "choices": "x"}),
    ("a choice without delta", {**CHUNK, "choices": [{}]}),
    ("delta null", {**CHUNK, "choices": [{"index": 0, "delta": None, "finish_reason": "stop"}]}),
    ("content a number", {**CHUNK, "choices": [{"index": 0, "delta": {"content": 5}, "finish_reason": "stop"}]}),
    ("a chunk that is a list", [1, 2]),
    ("JSON nested 50,000 deep", Raw(b"data: " + b"[" * 50_000 + b"]" * 50_000 + b"\n\n")),  # a RecursionError
    # hv62: a lone surrogate is a legal JSON escape but no text (an "internal error" from the tokenizer, a 500 from the
    # gateway's JSON); bytes that are not UTF-8 and a raw NUL in the JSON were "openai call failed: 'utf-8' codec ...".
    ("content a lone surrogate", {**CHUNK, "choices": [{"index": 0, "delta": {"content": "a\ud800b"}}]}),
    ("tool call arguments a lone surrogate", {**CHUNK, "choices": [{"index": 0, "delta": {"tool_calls": [_CALL]}}]}),
    ("bytes that are not UTF-8", Raw(b'data: {"choices": [{"index": 0, "delta": {"content": "a\xff\xfeb"}}]}\n\n')),
    ("a raw NUL in the JSON", Raw(b'data: {"choices": [{"index": 0, "delta": {"content": "a\x00b"}}]}\n\n')),
    # hv62: one event past any answer, read whole by the SDK (100 MB: +380 MB of the service's memory, served whole)
    (
        "one event of 17 MB",
        Raw(b'data: {"choices": [{"index": 0, "delta": {"content": "' + b"x" * 17_000_000 + b'"}}]}\n\n'),
    ),
]


@pytest.mark.parametrize("chunk", [chunk for _, chunk in MALFORMED], ids=[what for what, _ in MALFORMED])
async def test_a_malformed_chunk_is_the_upstreams_error_named(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider], chunk: Any
) -> None:
    # Once an AttributeError or TypeError deep in the provider: "internal error" on /ask's columns, and a chunk whose
    # content was a number a 500 from /ask itself (its columns' pieces joined).
    upstream.reset(Stream([chunk]))
    async with serve(provider=upstream_provider()) as gateway, httpx.AsyncClient(timeout=30) as client:
        root = gateway.base_url.removesuffix("/v1")
        asked = await client.post(f"{root}/ask", json={"prompt": QUESTION})
        assert asked.status_code == 200, asked.text
        for column in ("raw", "cache"):
            done = asked.json()[column]
            assert done["status"] == "error" and "sent a malformed reply" in done["error"], done
            assert "internal error" not in done["error"]
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}]}
        reply = await client.post(f"{gateway.base_url}/chat/completions", json=body)
        assert reply.status_code == 502, reply.text
        assert "sent a malformed reply" in reply.json()["error"]["message"]
        await gateway.settled()
        assert await gateway.entries() == 0


async def test_an_answer_longer_than_any_model_writes_is_cut_not_read_on(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider]
) -> None:
    # hv62: an upstream that never ends its answer (a chunk every few ms, never a finish_reason) was read as long as it
    # sent, every piece kept in the flight's memory: NEARHIT_LLM_TIMEOUT bounds the silence between chunks, not the
    # answer. Here 6 MB of text, then "stop": it was served whole (a 200), now cut at MAX_ANSWER_CHARS (a 502).
    piece = "word " * 20_000  # 100,000 characters a chunk, within the per-event bound
    chunks = [upstream.chunk(piece) for _ in range(60)]
    upstream.reset(Stream([*chunks, upstream.chunk(None, finish_reason="stop")]))
    async with serve(provider=upstream_provider()) as gateway, httpx.AsyncClient(timeout=60) as client:
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}]}
        reply = await client.post(f"{gateway.base_url}/chat/completions", json=body)
        assert reply.status_code == 502, reply.text[:300]
        assert "an answer longer than 4,000,000 characters" in reply.json()["error"]["message"]
        root = gateway.base_url.removesuffix("/v1")
        asked = (await client.post(f"{root}/ask", json={"prompt": "And the tallest in Scotland?"})).json()
        for column in ("raw", "cache"):
            assert asked[column]["status"] == "error" and "longer than" in asked[column]["error"], asked[column][
                "error"
            ]
            assert len(asked[column]["answer"]) <= 4_000_000
        await gateway.settled()
        assert await gateway.entries() == 0
