"""``DELETE /cache/clear`` while an answer is still streaming (hostile20: a clear 1 s into a 5 s stream, then an
exact hit of that answer): the clear wins, the answer generated before it is not stored."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nearhit.cache.index import drop_index
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service.runtime import Runtime
from tests.support.live import LiveServer, fast_llm, serve
from tests.support.sse import ask_stream, events
from tests.support.waiting import settled

QUESTION = "What does a clear do to an answer still streaming?"


@pytest.fixture
async def slow_live(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[LiveServer]:
    runtime = Runtime(settings, local_embedder, fast_llm(ttft_ms=50, tokens_per_second=40))  # a stream of ~1-2 s
    async with serve(settings, runtime) as server:
        yield server
    cache = await runtime.cache()
    await drop_index(cache.redis, cache.spec.name, delete_entries=True)
    await runtime.close()


async def _cache_column(live: LiveServer) -> dict:
    stream = await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False})
    return next(d for k, d in stream if k == "column_complete" and d["column"] == "cache")


@pytest.mark.parametrize("clear", [{"all": True}, {"tenant": "default"}], ids=["all", "tenant"])
async def test_a_clear_during_the_stream_wins(slow_live: LiveServer, clear: dict[str, object]) -> None:
    body = {"prompt": QUESTION, "include_raw": False}
    async with slow_live.client.stream("POST", "/ask/stream", json=body) as response:
        seen = events(response)
        async for kind, _data in seen:  # the miss's lookup is done once the answer streams
            if kind == "content_chunk":
                break
        cleared = await slow_live.client.delete("/cache/clear", params=clear)
        assert cleared.status_code == 200, cleared.text
        done = [data async for kind, data in seen if kind == "column_complete"]
    assert done[0]["outcome"] == "miss" and done[0]["store"] == "skipped", done
    assert "cleared while the answer was generated" in done[0]["store_reason"]
    await settled(slow_live.runtime)
    assert (await _cache_column(slow_live))["outcome"] == "miss"  # not the answer from before the clear
    stats = (await slow_live.client.get("/cache/stats")).json()
    assert stats["counters"]["stores_cleared"] == 1 and stats["counters_dropped"] == 0
    await settled(slow_live.runtime)
    assert (await _cache_column(slow_live))["outcome"] == "exact"  # a miss after the clear is stored
