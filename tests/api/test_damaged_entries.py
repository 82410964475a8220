"""Entries another Redis client edited or cut (a field deleted, blanked, or a number made unreadable), met through
the API: not served (no empty answer passed off as a hit), and no failure beyond them: the lookups that meet one
as a candidate still answer from the cache or the LLM (not ``degraded``, so the fresh answer is stored), and
``/cache/search`` lists the whole entries (not a 500)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from redis.asyncio import Redis

from nearhit.cache import Scope
from tests.api.conftest import LiveServer
from tests.support.sse import ask_stream

DAMAGED = "What is the capital of France?"
WHOLE = "Which city is the capital of France?"
NEIGHBOUR = "Tell me the capital city of France"

Damage = Callable[[Redis, str], Awaitable[object]]

DAMAGES: dict[str, Damage] = {
    "response deleted": lambda r, key: r.hdel(key, "response"),
    "response blank": lambda r, key: r.hset(key, "response", ""),
    "response of white space": lambda r, key: r.hset(key, "response", " \n\t"),
    "prompt_tokens not a number": lambda r, key: r.hset(key, "prompt_tokens", "abc"),
    "completion_tokens a fraction": lambda r, key: r.hset(key, "completion_tokens", "1.5"),
    "cost_usd not a number": lambda r, key: r.hset(key, "cost_usd", "abc"),
    "cost_usd infinite": lambda r, key: r.hset(key, "cost_usd", "inf"),
    "created_at not a number": lambda r, key: r.hset(key, "created_at", "abc"),
    "created_at NaN": lambda r, key: r.hset(key, "created_at", "nan"),
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
async def test_an_entry_edited_by_another_client_is_not_served_and_fails_nothing_else(
    live: LiveServer, damage: Damage
) -> None:
    cache = await live.runtime.cache()
    scope = Scope.build(model=live.runtime.provider.model)
    damaged = await cache.store(DAMAGED, "Paris.", scope)
    whole = await cache.store(WHOLE, "Paris, on the Seine.", scope)
    await damage(cache.redis, damaged)
    cache.near.clear()

    search = await live.client.post("/cache/search", json={"text": DAMAGED})
    assert search.status_code == 200, search.text
    assert [hit["doc_id"] for hit in search.json()["results"]] == [whole]

    for prompt in (NEIGHBOUR, DAMAGED):  # met as a candidate; then the very question (the exact key)
        asked = (await live.client.post("/ask", json={"prompt": prompt, "threshold": 0.5})).json()["cache"]
        assert not asked["degraded"], asked["error"]
        assert asked["answer"].strip() and asked["cache_document"].get("doc_id") != damaged

    stream = await ask_stream(live.client, {"prompt": DAMAGED, "threshold": 0.5})
    done = {d["column"]: d for kind, d in stream if kind == "column_complete"}
    assert done["cache"]["status"] == "done" and not done["cache"]["degraded"]

    chat = await live.client.post(
        "/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": DAMAGED}]}
    )
    assert chat.status_code == 200 and "x-nearhit-degraded" not in chat.headers
    assert chat.json()["choices"][0]["message"]["content"].strip()
