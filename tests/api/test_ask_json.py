"""``POST /ask`` (one JSON document): both columns run at once, and a client that leaves cancels the work."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from nearhit.cache.index import drop_index
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service.answering import Answerer
from nearhit.service.request import AskRequest
from nearhit.service.runtime import Runtime
from tests.support.live import LiveServer, fast_llm, serve
from tests.support.waiting import eventually

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
PROMPT = "Explain how a semantic cache decides that two questions mean the same thing."


@pytest.fixture
async def slow(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[LiveServer]:
    """A server whose simulated LLM takes about a second and a half per answer."""
    runtime = Runtime(settings, local_embedder, fast_llm(ttft_ms=300, tokens_per_second=80))
    async with serve(settings, runtime) as server:
        yield server
    cache = await runtime.cache()
    await drop_index(cache.redis, cache.spec.name, delete_entries=True)
    await cache.redis.delete(cache.keys.telemetry_stream, cache.keys.telemetry_totals)
    await runtime.close()


@pytest.mark.slow
async def test_ask_runs_both_columns_at_once(slow: LiveServer) -> None:
    started = time.perf_counter()
    reply = (await slow.client.post("/ask", json={"prompt": PROMPT})).json()
    wall_ms = (time.perf_counter() - started) * 1000
    raw_ms, cache_ms = reply["raw"]["total_ms"], reply["cache"]["total_ms"]
    assert reply["raw"]["status"] == reply["cache"]["status"] == "done"
    assert reply["raw"]["answer"] and reply["raw"]["answer"] == reply["cache"]["answer"]
    assert min(raw_ms, cache_ms) > 1000  # slow enough that one after the other would show
    assert wall_ms < 0.75 * (raw_ms + cache_ms)  # about the slower column, not the sum


@pytest.mark.slow
async def test_a_client_that_leaves_cancels_the_generation_and_nothing_is_stored(slow: LiveServer) -> None:
    runtime = slow.runtime
    key = Answerer(runtime).flight_key(AskRequest(prompt=PROMPT))
    with pytest.raises(httpx.ReadTimeout):  # the client gives up mid-answer and closes its connection
        await slow.client.post("/ask", json={"prompt": PROMPT}, timeout=0.6)
    assert runtime.flights.started == 1 and runtime.flights.in_flight(key)
    left = time.monotonic()
    await eventually(lambda: not runtime.flights.in_flight(key))
    assert time.monotonic() - left < 0.5  # cancelled, not generated to the end (about a second more)
    cache = await runtime.cache()
    assert (await cache.stats()).entries == 0  # an abandoned miss is not stored
    await runtime.telemetry.flush()
    assert await runtime.telemetry.events(10) == []  # neither column ran to its completion


async def test_the_readmes_curl_example_says_what_it_shows(live: LiveServer) -> None:
    """README, "HTTP API": the two `/ask` bodies its curl lines send, a miss stored then a paraphrase served."""
    block = README.split("## HTTP API", 1)[1].split("```console", 1)[1].split("```", 1)[0]
    sent = [json.loads(body) for body in re.findall(r"-d '(\{\"prompt\".*?\})'", block)]
    shown = [json.loads(line) for line in block.splitlines() if line.startswith('{"outcome"')]
    assert len(shown) == 2 and len(sent) >= 2
    for body, expected in zip(sent, shown, strict=False):
        cache = (await live.client.post("/ask", json=body)).json()["cache"]
        assert (cache["outcome"], cache["store"]) == (expected["outcome"], expected["store"])
        if expected["similarity"] is not None:
            assert cache["similarity"] == pytest.approx(expected["similarity"], abs=0.01)
