"""The model's check of a conversation's hit (``NEARHIT_VERIFY_MODEL``) and the standalone rewrite
(``NEARHIT_REWRITE_MODEL``) under a hostile world, through the real server, the real embedded Redis and the fake
OpenAI-compatible server on a real socket: what they keep in Redis found unreadable (garbage, another type),
the same request asked many times at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from redis.asyncio import Redis

from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from tests.api.conftest import serve_on_own_index
from tests.api.test_rewrite import FOLLOW_UP, REWRITTEN, SINGLE
from tests.api.test_rewrite import HISTORY as REWRITE_HISTORY
from tests.api.test_verify import HISTORY, QUESTION, REWORDED
from tests.support.fake_upstream import FakeUpstream, Pause, Stream
from tests.support.live import LiveServer
from tests.support.waiting import settled


@pytest.fixture
async def live_checking(
    settings: Settings, local_embedder: LocalEmbedder, upstream_server: FakeUpstream
) -> AsyncIterator[LiveServer]:
    """A server whose check's model and rewrite's model are the fake (the chat model: the fast simulated one)."""
    upstream_server.reset(upstream_server.answer("Yes", usage=(250, 1)))
    own = {
        "llm": "openai",
        "openai_base_url": upstream_server.base_url,
        "verify_model": "gpt-4o-mini",
        "rewrite_model": "gpt-4.1-mini",
    }
    async with serve_on_own_index(settings.model_copy(update=own), local_embedder) as server:
        yield server


async def ask(live: LiveServer, body: dict[str, Any]) -> dict[str, Any]:
    """``/ask``'s cache column, once whatever it stores is stored."""
    reply = await live.client.post("/ask", json={**body, "include_raw": False})
    assert reply.status_code == 200, reply.text
    await settled(live.runtime)
    return dict(reply.json()["cache"])


async def kept_keys(redis: Redis, live: LiveServer, kind: str) -> list[str]:
    cache = await live.runtime.cache()
    pattern = cache.keys.verdicts_pattern() if kind == "verdict" else cache.keys.rewrites_pattern()
    return [key.decode() if isinstance(key, bytes) else key async for key in redis.scan_iter(match=pattern)]


GARBAGE: list[tuple[str, Any]] = [
    ("not JSON", b"not json {"),
    ("not UTF-8", b"\xff\xfe\xfd"),
    ("a list", b"[]"),
    ("a number", b"5"),
    ("an empty object", b"{}"),
    ("a verdict that is no boolean", b'{"serves": "yes"}'),
    ("a hash", None),
    ("JSON nested 50,000 deep", b"[" * 50_000 + b"]" * 50_000),  # json.loads's RecursionError: no ValueError
]


@pytest.mark.parametrize(("what", "garbage"), GARBAGE, ids=[what for what, _ in GARBAGE])
async def test_an_unreadable_kept_verdict_is_asked_again_not_a_failed_lookup(
    live_checking: LiveServer, upstream_server: FakeUpstream, redis_client: Redis, what: str, garbage: bytes | None
) -> None:
    live = live_checking
    await ask(live, {"prompt": QUESTION, "history": HISTORY})  # stored
    first = await ask(live, {"prompt": QUESTION, "history": REWORDED})
    assert first["outcome"] == "semantic" and first["cache_document"]["verify"]["serves"] is True, first
    (key,) = await kept_keys(redis_client, live, "verdict")
    if garbage is None:
        await redis_client.delete(key)
        await redis_client.hset(key, "serves", "true")
    else:
        await redis_client.set(key, garbage)
    upstream_server.reset(upstream_server.answer("Yes", usage=(250, 1)))
    again = await ask(live, {"prompt": QUESTION, "history": REWORDED})
    # Not a lookup failed (a "degraded" cache, the LLM asked, nothing stored): the check is asked again.
    assert again["status"] == "done" and again["error"] is None, again
    assert again["outcome"] == "semantic" and again["cache_document"]["verify"]["serves"] is True, again
    assert not again["cache_document"]["verify"]["cached"] and len(upstream_server.chat_requests) == 1
    # The verdict kept again in its place: the next request reads it back.
    third = await ask(live, {"prompt": QUESTION, "history": REWORDED})
    assert third["outcome"] == "semantic" and third["cache_document"]["verify"]["cached"] is True, third
    assert len(upstream_server.chat_requests) == 1


async def test_an_unreadable_kept_rewrite_is_asked_again(
    live_checking: LiveServer, upstream_server: FakeUpstream, redis_client: Redis
) -> None:
    live = live_checking
    await ask(live, {"prompt": SINGLE})  # a single question: no rewrite, no check
    yes = upstream_server.answer("Yes", usage=(250, 1))
    upstream_server.reset(upstream_server.answer(REWRITTEN, usage=(130, 10)), by_model={"gpt-4o-mini": yes})
    first = await ask(live, {"prompt": FOLLOW_UP, "history": REWRITE_HISTORY})
    assert first["outcome"] == "semantic" and first["cache_document"]["rewrite"]["question"] == REWRITTEN, first
    (key,) = await kept_keys(redis_client, live, "rewrite")
    await redis_client.set(key, b'{"question": 5}')
    again = await ask(live, {"prompt": FOLLOW_UP, "history": REWRITE_HISTORY})
    assert again["status"] == "done" and again["error"] is None, again
    assert again["outcome"] == "semantic" and not again["cache_document"]["rewrite"]["cached"], again
    assert again["cache_document"]["rewrite"]["question"] == REWRITTEN


@asynccontextmanager
async def checking(
    settings: Settings, local_embedder: LocalEmbedder, upstream: FakeUpstream, verify_timeout: float
) -> AsyncIterator[LiveServer]:
    """A server whose check's model is the fake, with ``verify_timeout``, and the conversation ``HISTORY`` stored."""
    own: dict[str, object] = {"llm": "openai", "openai_base_url": upstream.base_url, "verify_model": "gpt-4o-mini"}
    own["verify_timeout"] = verify_timeout
    async with serve_on_own_index(settings.model_copy(update=own), local_embedder) as live:
        await ask(live, {"prompt": QUESTION, "history": HISTORY})
        yield live


async def burst(live: LiveServer, requests: int) -> list[dict[str, Any]]:
    """``requests`` identical ``/ask`` of ``REWORDED`` at once: their cache columns."""
    body = {"prompt": QUESTION, "history": REWORDED, "include_raw": False}
    replies = await asyncio.gather(*(live.client.post("/ask", json=body) for _ in range(requests)))
    return [reply.json()["cache"] for reply in replies]


async def test_the_same_request_many_times_at_once_makes_one_call(
    settings: Settings, local_embedder: LocalEmbedder, upstream_server: FakeUpstream
) -> None:
    # A burst of the very same conversation (a retrying client, a page reloaded): the LLM's answers are shared by
    # its flights; the check's call for the same entry and request is made once too, the others wait for its verdict.
    async with checking(settings, local_embedder, upstream_server, 10) as live:
        upstream_server.reset(Stream([Pause(1.0), *upstream_server.answer("Yes", usage=(250, 1)).items]))
        columns = await burst(live, 6)
        assert [column["outcome"] for column in columns] == ["semantic"] * 6, columns
        assert len(upstream_server.chat_requests) == 1
        verdicts = [column["cache_document"]["verify"] for column in columns]
        assert all(verdict["serves"] is True for verdict in verdicts)
        assert sum(verdict["cost_usd"] > 0 for verdict in verdicts) == 1  # the call's price counted once
        counters = (await live.client.get("/cache/stats")).json()["counters"]
        assert counters["verifies"] == 1 and counters["verifies_cached"] == 5, counters


async def test_a_burst_whose_one_call_fails_is_refused_by_each_request_on_one_failure(
    settings: Settings, local_embedder: LocalEmbedder, upstream_server: FakeUpstream
) -> None:
    async with checking(settings, local_embedder, upstream_server, 0.5) as live:
        upstream_server.reset(Pause(5))  # later than NEARHIT_VERIFY_TIMEOUT
        documents = [column["cache_document"] for column in await burst(live, 4)]
        assert all(document["rejected_by"] == "verify" for document in documents), documents
        assert all("took longer than 0.5 s" in document["verify"]["error"] for document in documents)
        assert len(upstream_server.chat_requests) == 1
        counters = (await live.client.get("/cache/stats")).json()["counters"]
        assert counters["verify_failures"] == 1 and counters["verifies"] == 0 and counters["verifies_cached"] == 0
