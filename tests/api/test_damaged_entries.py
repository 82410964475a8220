"""Entries another Redis client edited or cut (a field deleted, blanked, or a number made unreadable), met through
the API: not served (no empty answer passed off as a hit), and no failure beyond them: the lookups that meet one
as a candidate still answer from the cache or the LLM (not ``degraded``, so the fresh answer is stored), and
``/cache/search`` lists the whole entries (not a 500)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from redis.asyncio import Redis

from nearhit.cache import Scope, conversation, entry
from nearhit.cache.index import index_info
from tests.api.conftest import LiveServer
from tests.api.test_conversations import CACHED, REWORDED, served
from tests.support.sse import ask_stream
from tests.support.waiting import eventually

DAMAGED = "What is the capital of France?"
WHOLE = "Which city is the capital of France?"
NEIGHBOUR = "Tell me the capital city of France"

Damage = Callable[[Redis, str], Awaitable[object]]

NESTED = "[" * 50_000 + "]" * 50_000
"""JSON nested past Python's recursion limit: ``json.loads`` raises a ``RecursionError``, which is no ``ValueError``."""

DAMAGES: dict[str, Damage] = {
    "response deleted": lambda r, key: r.hdel(key, "response"),
    "response blank": lambda r, key: r.hset(key, "response", ""),
    "response of white space": lambda r, key: r.hset(key, "response", " \n\t"),
    "prompt deleted": lambda r, key: r.hdel(key, "prompt"),
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


async def test_a_key_of_another_type_under_the_entry_prefix_is_no_entry_and_fails_nothing(live: LiveServer) -> None:
    cache = await live.runtime.cache()
    whole = await cache.store(WHOLE, "Paris, on the Seine.", Scope.build(model=live.runtime.provider.model))
    text, listed = cache.keys.entry_prefix + "a" * 64, cache.keys.entry_prefix + "b" * 64
    await cache.redis.set(text, "another client's value")
    await cache.redis.rpush(listed, "another client's item")

    for path, verdict in (
        ("/cache/feedback", "wrong"),
        ("/cache/feedback", "right"),
        ("/v1/nearhit/feedback", "wrong"),
    ):
        feedback = await live.client.post(path, json={"doc_id": text, "verdict": verdict, "prompt": WHOLE})
        assert feedback.status_code == 404, feedback.text
    cleared = await live.client.delete("/cache/clear", params={"pattern": "nothing like it*"})
    assert cleared.status_code == 200 and cleared.json()["deleted"] == 0, cleared.text
    await cache.rebuild()  # `nearhit cache rebuild`: was a traceback, the index dropped and not made again

    async def indexed() -> bool:  # the new index scans the entries in the background: searched once it is done
        info = await index_info(cache.redis, cache.spec.name) or {}
        return not int(info.get("indexing", 1)) and float(info.get("percent_indexed", 0)) == 1.0

    await eventually(indexed, timeout=60)  # a deadline for a loaded machine; done in ms when idle
    search = await live.client.post("/cache/search", json={"text": WHOLE})
    assert [hit["doc_id"] for hit in search.json()["results"]] == [whole]
    deleted = await live.client.delete(f"/cache/entries/{listed}")  # under the prefix: nearhit's to delete
    assert deleted.status_code == 200 and not await cache.redis.exists(listed), deleted.text


@pytest.mark.parametrize("cut", [0, 100, 101], ids=["no vector", "100 bytes", "101 bytes"])
async def test_feedback_on_an_entry_whose_vector_was_cut_is_a_404(live: LiveServer, cut: int) -> None:
    cache = await live.runtime.cache()
    damaged = await cache.store(DAMAGED, "Paris.", Scope.build(model=live.runtime.provider.model))
    vector = await cache.redis.hget(damaged, "embedding")
    await (cache.redis.hset(damaged, "embedding", vector[:cut]) if cut else cache.redis.hdel(damaged, "embedding"))

    for verdict in ("right", "wrong"):
        feedback = await live.client.post(
            "/cache/feedback", json={"doc_id": damaged, "verdict": verdict, "prompt": NEIGHBOUR}
        )
        assert feedback.status_code == 404, feedback.text


@pytest.mark.parametrize("value", ["abc", "inf", "1e400"])
async def test_counters_another_client_wrote_into_do_not_fail_the_summaries(live: LiveServer, value: str) -> None:
    cache = await live.runtime.cache()
    await cache.redis.hset(cache.keys.stats_key, mapping={"stores": value, "exact_hits": "2"})
    await cache.redis.hset(cache.keys.telemetry_totals, mapping={"raw:requests": value, "cache:requests": "2"})

    for path in ("/cache/stats", "/telemetry/summary", "/metrics", "/calculator/observed"):
        response = await live.client.get(path)
        assert response.status_code == 200, (path, response.text)
    assert (await live.client.get("/cache/stats")).json()["counters"]["exact_hits"] == 2


async def foreign(redis: Redis, key: str, write: str) -> None:
    """Another client's string or list written at ``key``, whatever was there."""
    await redis.delete(key)
    await (redis.set(key, "another client's value") if write == "string" else redis.rpush(key, "x"))


@pytest.mark.parametrize("write", ["string", "list"])
async def test_another_clients_key_on_a_prompts_exact_key_is_a_miss_the_answer_overwrites(
    live: LiveServer, write: str
) -> None:
    cache = await live.runtime.cache()
    query = cache.prepare(DAMAGED, Scope.build(model=live.runtime.provider.model))
    key = cache.keys.entry(query.scope, query.text)
    await foreign(cache.redis, key, write)

    missed = (await live.client.post("/ask", json={"prompt": DAMAGED})).json()["cache"]
    assert not missed["degraded"] and missed["cache_document"].get("match") is None, missed["error"]
    assert await cache.redis.type(key) == b"hash"  # the fresh answer written over the foreign key
    hit = (await live.client.post("/ask", json={"prompt": DAMAGED})).json()["cache"]
    assert hit["cache_document"]["match"] == "exact" and hit["cache_document"]["doc_id"] == key

    await foreign(cache.redis, key, write)
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": DAMAGED}]}
    missed_chat = await live.client.post("/v1/chat/completions", json=chat)
    assert missed_chat.headers["x-nearhit-cache"] == "miss" and "x-nearhit-degraded" not in missed_chat.headers
    assert await cache.redis.type(key) == b"hash"  # the gateway's key too


@pytest.mark.parametrize("value", [NESTED, "not json", '[["user"]]'], ids=["nested 50,000 deep", "not JSON", "no turn"])
@pytest.mark.parametrize("field", [entry.CONTEXT, entry.EARLIER])
async def test_a_conversations_turns_another_client_replaced_fail_no_lookup(
    live: LiveServer, field: str, value: str
) -> None:
    assert (await served(live, CACHED))["match"] is None  # stored
    cache = await live.runtime.cache()
    async for key in cache.redis.scan_iter(match=cache.keys.entry_prefix + "*"):
        if await cache.redis.hexists(key, entry.CONTEXT):  # the entry, not its twins
            await cache.redis.hset(key, field, value)
    conversation.stored.cache_clear()  # the turns as read back from Redis, not as kept since the store
    cache.near.clear()

    for history in (REWORDED, CACHED):  # met as a candidate; then the very turns (the exact key)
        document = await served(live, history)
        assert not document["degraded"], (history, document)


@pytest.mark.parametrize(
    "value",
    [NESTED, "not json", "[]", "5", b"\xff\xfe"],
    ids=["nested 50,000 deep", "not JSON", "a list", "5", "not UTF-8"],
)
async def test_an_event_another_client_added_to_the_telemetry_stream_fails_no_reading(
    live: LiveServer, value: str | bytes
) -> None:
    await live.client.post("/ask", json={"prompt": WHOLE})
    await live.runtime.telemetry.flush()
    cache = await live.runtime.cache()
    await cache.redis.xadd(cache.keys.telemetry_stream, {"json": value})
    await cache.redis.xadd(cache.keys.telemetry_stream, {"other": "field"})

    for path in ("/telemetry/events", "/telemetry/summary", "/telemetry/stream-info", "/metrics"):
        response = await live.client.get(path)
        assert response.status_code == 200, (path, response.text)
    events = (await live.client.get("/telemetry/events")).json()["events"]
    assert {e["column"] for e in events} == {"cache", "raw"}, events  # the foreign two left out
