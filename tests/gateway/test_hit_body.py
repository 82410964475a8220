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
