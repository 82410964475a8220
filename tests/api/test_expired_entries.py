"""Expired entries still listed by the index, met through the API: ``/cache/search``, ``/ask/stream`` and
``/ask`` answer (no 500, no missing cache column); the expired entry is simply not a candidate."""

from __future__ import annotations

from nearhit.cache import Scope
from tests.api.conftest import LiveServer
from tests.support.expiry import expired_but_listed
from tests.support.sse import ask_stream

QUESTION = "What is the capital of France?"


async def entry_keys(live: LiveServer) -> list[str]:
    cache = await live.runtime.cache()
    return [key.decode() async for key in cache.redis.scan_iter(match=cache.keys.entry_prefix + "*")]


async def test_search_and_both_ask_routes_skip_expired_entries(live: LiveServer) -> None:
    cache = await live.runtime.cache()
    await cache.store(QUESTION, "Paris.", Scope.build(model=live.runtime.provider.model))
    async with expired_but_listed(cache.redis, await entry_keys(live), pause_ms=500):
        search = await live.client.post("/cache/search", json={"text": QUESTION})
        assert search.status_code == 200 and search.json() == {"results": []}
        stream = await ask_stream(live.client, {"prompt": "Which city is France's capital?", "threshold": 0.5})
    done = {d["column"]: d for k, d in stream if k == "column_complete"}
    assert set(done) == {"raw", "cache"} and done["cache"]["status"] == "done"
    assert done["cache"]["outcome"] == "miss" and stream[-1][0] == "stream_complete"

    async with expired_but_listed(cache.redis, await entry_keys(live), pause_ms=500):
        response = await live.client.post("/ask", json={"prompt": "Tell me the capital of France", "threshold": 0.5})
    assert response.status_code == 200
    assert response.json()["cache"]["outcome"] == "miss" and response.json()["cache"]["answer"]
