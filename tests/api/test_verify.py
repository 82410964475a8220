"""The optional check of a conversation's hit (``NEARHIT_VERIFY_MODEL``) through ``/ask/stream`` and ``/ask``: the real
server, the real embedded Redis, the fake OpenAI-compatible server as the check's model (the chat model stays the
fast simulated one). A reworded conversation's semantic hit is served on "yes" and refused on "no" (the LLM answers);
the cache document shows the check, and ``/cache/stats``, ``/telemetry/summary`` and the metrics count its calls."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from tests.api.conftest import serve_on_own_index
from tests.api.test_prometheus import scrape, value
from tests.api.test_rewrite import document
from tests.support.fake_upstream import FakeUpstream
from tests.support.live import LiveServer
from tests.support.sse import ask_stream
from tests.support.waiting import settled

HISTORY = [
    {"role": "user", "content": "I'm training for my first 10k, the race is in 8 weeks."},
    {"role": "assistant", "content": "Great goal! Eight weeks is enough time to prepare well."},
]
REWORDED = [
    {"role": "user", "content": "I'm training for my first 10k and the race is 8 weeks away."},
    HISTORY[1],
]
QUESTION = "How many days a week should I run?"


@pytest.fixture
async def live_verifying(
    settings: Settings, local_embedder: LocalEmbedder, upstream_server: FakeUpstream
) -> AsyncIterator[LiveServer]:
    upstream_server.reset(upstream_server.answer("Yes", usage=(250, 1)))
    own = {"llm": "openai", "openai_base_url": upstream_server.base_url, "verify_model": "gpt-4o-mini"}
    own["verify_timeout"] = 30.0  # not the 2 s default: the first call on a loaded machine is no timeout test
    async with serve_on_own_index(settings.model_copy(update=own), local_embedder) as server:
        yield server


async def test_a_conversation_hit_is_checked_through_ask_stream(
    live_verifying: LiveServer, upstream_server: FakeUpstream
) -> None:
    live = live_verifying
    assert (await document(live, {"prompt": QUESTION, "history": HISTORY}))["match"] is None  # stored
    assert upstream_server.chat_requests == []  # a miss: nothing to check
    before = await scrape(live)
    served = await document(live, {"prompt": QUESTION, "history": REWORDED})
    assert served["match"] == "semantic" and served["verify"]["serves"] is True, served
    assert served["verify"]["cost_usd"] > 0 and served["verify"]["prompt_tokens"] == 250
    again = await document(live, {"prompt": QUESTION, "history": REWORDED})  # the verdict kept: no call
    assert again["match"] == "semantic" and again["verify"]["cached"] and again["verify"]["cost_usd"] == 0
    assert len(upstream_server.chat_requests) == 1
    upstream_server.reset(upstream_server.answer("No", usage=(250, 1)))
    other = [{"role": "user", "content": "Training for my first 10k; the race is 8 weeks away."}, HISTORY[1]]
    stream = await ask_stream(live.client, {"prompt": QUESTION, "history": other, "include_raw": False})
    await settled(live.runtime)
    refused = next(data for kind, data in stream if kind == "cache_document")
    assert refused["match"] is None and refused["rejected_by"] == "verify", refused
    assert refused["rejection_reason"] == "verify: the model said no" and refused["verify"]["serves"] is False
    # A miss: the LLM answers the cache column (the simulated chat model: no call to the check's server).
    complete = next(data for kind, data in stream if kind == "column_complete" and data["column"] == "cache")
    assert complete["outcome"] == "miss" and any(kind == "content_chunk" for kind, _ in stream)
    counters = (await live.client.get("/cache/stats")).json()["counters"]
    assert counters["verifies"] == 2 and counters["verifies_cached"] == 1 and counters["verify_refusals"] == 1
    await live.runtime.telemetry.flush()
    totals = (await live.client.get("/telemetry/summary")).json()["all_time"]
    assert totals["verifies"] == 2
    assert totals["verify_cost_usd"] == pytest.approx(served["verify"]["cost_usd"] + refused["verify"]["cost_usd"])
    after = await scrape(live)
    assert value(after, "nearhit_verifies_total") - value(before, "nearhit_verifies_total") == 2


async def test_a_conversation_hit_is_checked_through_ask(
    live_verifying: LiveServer, upstream_server: FakeUpstream
) -> None:
    live = live_verifying
    await live.client.post("/ask", json={"prompt": QUESTION, "history": HISTORY, "include_raw": False})
    await settled(live.runtime)
    upstream_server.reset(upstream_server.answer("no", usage=(250, 1)))
    reply = (await live.client.post("/ask", json={"prompt": QUESTION, "history": REWORDED})).json()
    assert reply["cache"]["outcome"] == "miss", reply["cache"]
    document = reply["cache"]["cache_document"]
    assert document["rejected_by"] == "verify" and document["verify"]["serves"] is False
    assert len(upstream_server.chat_requests) == 1
