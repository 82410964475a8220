"""The optional standalone rewrite (``NEARHIT_REWRITE_MODEL``) through ``/ask/stream``: the real server, the
real embedded Redis, the fake OpenAI-compatible server as the rewrite model (the chat model stays the fast
simulated one). A conversation that misses is served a single question's answer through its rewrite; the
cache document shows the rewrite, and ``/cache/stats`` and ``/telemetry/summary`` count its calls and price."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from tests.api.conftest import serve_on_own_index
from tests.api.test_prometheus import scrape, value
from tests.support.fake_upstream import FakeUpstream
from tests.support.live import LiveServer
from tests.support.sse import ask_stream
from tests.support.waiting import settled

SINGLE = "How can I stop my pottery class subscription?"
HISTORY = [
    {"role": "user", "content": "Last spring I enrolled in a weekly ceramics course at the community studio."},
    {"role": "assistant", "content": "Lovely! Working with clay is a relaxing hobby. How can I help?"},
]
FOLLOW_UP = "What do I do to end it?"
REWRITTEN = "How do I stop my pottery class subscription?"


@pytest.fixture
async def live_rewriting(
    settings: Settings, local_embedder: LocalEmbedder, upstream_server: FakeUpstream
) -> AsyncIterator[LiveServer]:
    upstream_server.reset(upstream_server.answer(REWRITTEN, usage=(130, 10)))
    own = {"llm": "openai", "openai_base_url": upstream_server.base_url, "rewrite_model": "gpt-4o-mini"}
    async with serve_on_own_index(settings.model_copy(update=own), local_embedder) as server:
        yield server


async def document(live: LiveServer, body: dict[str, Any]) -> dict[str, Any]:
    stream = await ask_stream(live.client, {**body, "include_raw": False})
    await settled(live.runtime)
    return next(data for kind, data in stream if kind == "cache_document")


async def test_a_conversation_is_served_through_its_rewrite(
    live_rewriting: LiveServer, upstream_server: FakeUpstream
) -> None:
    live = live_rewriting
    assert (await document(live, {"prompt": SINGLE}))["match"] is None  # stored; a single question: no rewrite
    assert upstream_server.chat_requests == []
    before = await scrape(live)
    served = await document(live, {"prompt": FOLLOW_UP, "history": HISTORY})
    assert served["match"] == "semantic" and served["answer"]["prompt"] == SINGLE, served
    assert served["context"]["rewritten"] == REWRITTEN
    assert served["rewrite"]["question"] == REWRITTEN and served["rewrite"]["cost_usd"] > 0
    again = await document(live, {"prompt": FOLLOW_UP, "history": HISTORY})  # a hit stores nothing: the same path
    assert again["match"] == "semantic" and again["rewrite"]["cached"] and again["rewrite"]["cost_usd"] == 0
    assert len(upstream_server.chat_requests) == 1
    counters = (await live.client.get("/cache/stats")).json()["counters"]
    assert counters["rewrites"] == 1 and counters["rewrites_cached"] == 1 and counters["rewrite_hits"] == 2
    await live.runtime.telemetry.flush()
    totals = (await live.client.get("/telemetry/summary")).json()["all_time"]
    assert totals["rewrites"] == 1 and totals["rewrite_cost_usd"] == pytest.approx(served["rewrite"]["cost_usd"])
    after = await scrape(live)
    assert value(after, "nearhit_rewrites_total") - value(before, "nearhit_rewrites_total") == 1
    spent = value(after, "nearhit_rewrite_cost_usd_total") - value(before, "nearhit_rewrite_cost_usd_total")
    assert spent == pytest.approx(served["rewrite"]["cost_usd"])
