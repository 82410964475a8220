"""A JSON hit is sent before its bookkeeping: its body is encoded from the answer served, and the rest of its
events (the telemetry record among them) is read after the send (``ChatRun.hit_body``, ``ChatRun.drain``)."""

from __future__ import annotations

import json

from nearhit.gateway import Controls, parse_chat, start_chat
from nearhit.metrics.prometheus import REGISTRY
from nearhit.service.answering import Answerer
from tests.gateway.conftest import ServeGateway


def _exact_lookups() -> float:
    return REGISTRY.get_sample_value("nearhit_lookups_total", {"result": "exact"}) or 0.0


async def test_a_json_hit_is_encoded_before_its_events_are_read(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        messages = [{"role": "user", "content": "What is the capital of France?"}]
        stored = await client.chat.completions.create(model="gpt-4o", messages=messages)  # type: ignore[arg-type]
        await gateway.wait_entries(1)
        call = parse_chat({"model": "gpt-4o", "messages": messages})
        run = await start_chat(Answerer(gateway.runtime), call, "default", Controls.from_headers(None, None, None), 1.0)
        assert run.hit
        before = _exact_lookups()
        body = json.loads(run.hit_body())
        assert _exact_lookups() == before  # nothing recorded yet: the body did not wait for the bookkeeping
        await run.drain()
        assert _exact_lookups() == before + 1  # recorded once, after
        assert body["choices"][0]["message"]["content"] == stored.choices[0].message.content
        assert body["usage"]["prompt_tokens_details"]["cached_tokens"] == body["usage"]["prompt_tokens"]


async def test_a_streamed_hit_is_encoded_before_its_events_are_read(serve: ServeGateway) -> None:
    async with serve(hit_chunk_chars=8) as gateway:
        client = gateway.client()
        messages = [{"role": "user", "content": "What is the capital of Italy?"}]
        stored = await client.chat.completions.create(model="gpt-4o", messages=messages)  # type: ignore[arg-type]
        await gateway.wait_entries(1)
        call = parse_chat({"model": "gpt-4o", "messages": messages, "stream": True})
        run = await start_chat(Answerer(gateway.runtime), call, "default", Controls.from_headers(None, None, None), 1.0)
        assert run.hit
        before = _exact_lookups()
        events = b"".join(run.hit_writes(8)).decode().split("\n\n")
        assert _exact_lookups() == before
        await run.drain()
        assert _exact_lookups() == before + 1
        assert events[-2:] == ["data: [DONE]", ""]
        chunks = [json.loads(event.removeprefix("data: ")) for event in events[:-2]]
        pieces = [chunk["choices"][0]["delta"].get("content") or "" for chunk in chunks]
        text = stored.choices[0].message.content or ""
        assert "".join(pieces) == text and max(map(len, pieces)) <= 8  # pieces of NEARHIT_HIT_CHUNK_CHARS
        assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
        assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
