"""A chat's next turn read ahead after each store (issue 14, latency): the turns the chat's next lookup sends (these
and the exchange just stored, :func:`conversation.next_turn`) are read in the background as that lookup's context
stage first reads its own side, with its context's embedder input, so the lookup finds them kept; every lookup is
judged as without it, stores and lookups racing or a clear between them included. The real embedded Redis."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest

from nearhit.cache import SemanticCache, constraints, conversation, embedding_store
from nearhit.cache.conversation import Context
from nearhit.cache.index import drop_index
from nearhit.cache.lookup import Lookup
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.guards.text import _tokenised, analyse
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest
from nearhit.service.runtime import Runtime
from tests.api.test_conversations import CACHED, QUESTION, REWORDED
from tests.cache.test_conversation_turns import ANSWER, FLOUR, STORY
from tests.cache.test_stored_turns_read import verdict
from tests.support.live import LiveServer, fast_llm, serve
from tests.support.lookups import Turns, ask
from tests.support.readings import forget_readings
from tests.support.waiting import settled

CHATS: list[tuple[Turns, str, str, str]] = [
    (STORY, "How often should I feed it?", ANSWER, "Can it stay in the fridge while I'm on holiday?"),
    (
        FLOUR + STORY,
        "Should I throw it away and start again?",
        "No, feed it and wait a day.",
        "And if it still smells?",
    ),
    (
        [],
        "My starter has a grey liquid on top.",
        "That is hooch: pour it off and feed it.",
        "How often should I feed it?",
    ),
]
"""Each chat's turns, the question asked after them and its answer (the turn stored), then the question asked next."""


def next_lookup(cache: SemanticCache, chat: tuple[Turns, str, str, str], tenant: str = "t") -> Lookup:
    """The chat's next lookup: its turns and the exchange stored sent back, then the next question."""
    turns, question, answer, following = chat
    return ask(cache, [*turns, ("user", question), ("assistant", answer)], following, tenant)


async def store_turn(cache: SemanticCache, chat: tuple[Turns, str, str, str], tenant: str = "t") -> None:
    """The chat's turn as the service runs it: looked up, then its answer stored."""
    turns, question, answer, _ = chat
    asked = ask(cache, turns, question, tenant)
    await cache.lookup(asked)
    await cache.store(asked, answer)


async def test_the_next_turns_own_side_is_read_once_a_turn_is_stored(guarded_cache: SemanticCache) -> None:
    """After a turn's store (and its background work), each reading the next lookup's context stage and exact read
    make of its own turns is found kept, none computed; with the read off, they are computed then."""
    cache = guarded_cache
    for read in (True, False):
        forget_readings()
        cache.read_next_turn = read
        tenant = f"next{read}"
        await store_turn(cache, CHATS[0], tenant)
        await cache.background.drain()
        context = next_lookup(cache, CHATS[0], tenant).context
        assert context is not None
        kept = kept_readings(cache, context)
        assert kept == [read] * len(kept), (read, kept)


def kept_readings(cache: SemanticCache, context: Context) -> list[bool]:
    """For each reading the context stage and the exact read of a lookup with ``context`` make of its own turns,
    whether it is found kept (computed before) rather than computed now."""
    affirmed = conversation._affirmed(context)
    readings: list[tuple[Any, tuple[Any, ...]]] = [
        (analyse, (conversation._written_alone(context.users)[0],)),
        (analyse, (conversation._written_alone(context.assistants)[0],)),
        (constraints.conditions_of, (affirmed,)),
        (constraints.alternatives_of, (affirmed,)),
        (_tokenised, (context.text,)),
        *((conversation._stems, (turn,)) for _, turn in context.turns[-2:]),
        (embedding_store._embedder_input, (context.normalised, cache.embeddings._repair)),
    ]
    kept = []
    for reading, args in readings:
        misses = reading.cache_info().misses
        reading(*args)
        kept.append(reading.cache_info().misses == misses)
    return kept


async def test_lookups_are_judged_as_without_the_read(guarded_cache: SemanticCache) -> None:
    """The same chats asked turn by turn in two scopes, the next turn read ahead in one only (every per-text cache
    emptied first), the stores and next lookups racing, then after a clear of the scope: every lookup decides the
    same, candidates and reasons included, and after the clear nothing is served."""
    cache = guarded_cache
    decided: dict[bool, list[dict[str, Any]]] = {}
    for read in (False, True):
        forget_readings()
        cache.read_next_turn = read
        tenant = f"race{read}"
        for chat in CHATS:
            await store_turn(cache, chat, tenant)
            await store_turn(cache, (chat[0], chat[1], chat[2], chat[1]), tenant)  # the same turn asked again
        # Stores of other chats' turns and their next lookups at once: their background reads meet the lookups.
        others = [(turns, f"{question} Thanks.", answer, following) for turns, question, answer, following in CHATS]
        decided[read] = await raced_then_cleared(cache, tenant, [store_turn(cache, chat, tenant) for chat in others])
    assert decided[True] == decided[False]


async def raced_then_cleared(
    cache: SemanticCache, tenant: str, turns: list[Coroutine[Any, Any, None]]
) -> list[dict[str, Any]]:
    """The chats' next lookups run at once with ``turns`` (stores or hits, whose background reads meet them: each must
    answer, though what it finds depends on which store lands first, so its verdict is not compared), then their
    verdicts once the background work is done, then after a clear of ``tenant`` (nothing served)."""
    racing = await asyncio.gather(*turns, *(cache.lookup(next_lookup(cache, chat, tenant)) for chat in CHATS))
    assert all(result.threshold > 0 for result in racing[len(turns) :])
    await cache.background.drain()
    after = [verdict(await cache.lookup(next_lookup(cache, chat, tenant))) for chat in CHATS]
    await cache.clear(tenant=tenant)
    cleared = [await cache.lookup(next_lookup(cache, chat, tenant)) for chat in CHATS]
    assert not any(result.hit for result in cleared)
    return [*after, *map(verdict, cleared)]


async def hit_turn(cache: SemanticCache, chat: tuple[Turns, str, str, str], tenant: str = "t") -> None:
    """The chat's turn looked up as the service serves a hit: its answer's text (the client's) then read ahead."""
    turns, question, _, _ = chat
    asked = ask(cache, turns, question, tenant)
    result = await cache.lookup(asked)
    if result.answer is not None:
        cache.read_next_turn_after(asked, result.answer.response)


async def test_lookups_after_a_hit_are_judged_as_without_the_read(guarded_cache: SemanticCache) -> None:
    """Each chat's turn stored (its store's read ahead off), then served again, the next turn read ahead after each
    hit in one scope only (every per-text cache emptied first), hits and next lookups racing, then after a clear:
    every lookup decides the same, candidates and reasons included, and after the clear nothing is served."""
    cache = guarded_cache
    decided: dict[bool, list[dict[str, Any]]] = {}
    for read in (False, True):
        forget_readings()
        cache.read_next_turn = False
        tenant = f"hit{read}"
        for chat in CHATS:
            await store_turn(cache, chat, tenant)
        cache.read_next_turn = read
        served = [verdict(await cache.lookup(ask(cache, turns, question, tenant))) for turns, question, _, _ in CHATS]
        hits = [hit_turn(cache, chat, tenant) for chat in CHATS]
        decided[read] = [*served, *await raced_then_cleared(cache, tenant, hits)]
    assert all(entry["match"] for entry in decided[True][: len(CHATS)])
    assert decided[True] == decided[False]


@contextlib.asynccontextmanager
async def chat_server(settings: Settings, embedder: LocalEmbedder, *, read: bool) -> AsyncIterator[LiveServer]:
    """A real server (uvicorn, the guards on) on an index of its own, the next turn read ahead or not; dropped after."""
    own = settings.model_copy(update={"guards": True, "index_name": f"t_{uuid.uuid4().hex[:12]}"})
    runtime = Runtime(own, embedder, fast_llm())
    try:
        (await runtime.cache()).read_next_turn = read
        async with serve(own, runtime) as server:
            yield server
    finally:
        await runtime.telemetry.flush()
        cache = await runtime.cache()
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await runtime.close()


def following(history: list[dict[str, str]], question: str, text: str) -> Context:
    """The context of the chat's next request as the service reads it: the history sent back, the question and the
    answer's ``text`` as the client received it, then the next question."""
    sent = [*history, {"role": "user", "content": question}, {"role": "assistant", "content": text}]
    request = AskRequest(NEXT, history=tuple(ChatMessage(m["role"], m["content"]) for m in sent))
    query = request.checked("gpt-4o", 100_000).query
    assert query is not None and query.context is not None
    return query.context


NEXT = "Can I get a refund for this month?"
"""The chat's next question (one that needs its turns: matched with them as a conversation)."""


async def test_the_next_turn_after_a_hit_through_ask_is_read(settings: Settings, local_embedder: LocalEmbedder) -> None:
    """A chat through ``/ask`` with ``history``: stored, then an exact hit; the next request's own turns (the hit's
    answer as ``/ask`` returned it) are found read once the hit's background work is done, none with the read off."""
    for read in (True, False):
        async with chat_server(settings, local_embedder, read=read) as live:
            cache = await live.runtime.cache()
            body = {"prompt": QUESTION, "history": CACHED, "include_raw": False}
            assert (await live.client.post("/ask", json=body)).json()["cache"]["outcome"] == "miss"
            await settled(live.runtime)
            await cache.background.drain()
            forget_readings()
            hit = (await live.client.post("/ask", json=body)).json()["cache"]
            assert hit["outcome"] == "exact", hit
            await cache.background.drain()
            assert set(kept_readings(cache, following(CACHED, QUESTION, hit["answer"]))) == {read}, read
            history = [*CACHED, {"role": "user", "content": QUESTION}, {"role": "assistant", "content": hit["answer"]}]
            reply = await live.client.post("/ask", json={"prompt": NEXT, "history": history, "include_raw": False})
            assert reply.status_code == 200, reply.text


async def gateway_chat(live: LiveServer, history: list[dict[str, str]], **options: Any) -> tuple[str, str]:
    """One chat completion of ``history`` then :data:`QUESTION`: its cache outcome and text (a stream's deltas
    joined), once its store and the cache's background work are done."""
    body = {"model": "gpt-4o", "messages": [*history, {"role": "user", "content": QUESTION}], **options}
    response = await live.client.post("/v1/chat/completions", json=body, headers={"authorization": "Bearer sk-x"})
    assert response.status_code == 200, response.text
    await settled(live.runtime)
    await (await live.runtime.cache()).background.drain()
    if not options.get("stream"):
        return response.headers["x-nearhit-cache"], response.json()["choices"][0]["message"]["content"]
    events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: {")]
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"])
    return response.headers["x-nearhit-cache"], text


@pytest.mark.parametrize("stream", [False, True])
async def test_the_next_turn_after_a_cut_hit_through_the_gateway_is_read(
    settings: Settings, local_embedder: LocalEmbedder, stream: bool
) -> None:
    """A chat through the gateway: stored, then a reworded history served the answer cut at ``max_tokens``; the next
    request's turns are the cut text the client got, found read (not the stored answer's), not all with the read off."""
    for read in (True, False):
        async with chat_server(settings, local_embedder, read=read) as live:
            cache = await live.runtime.cache()
            outcome, stored = await gateway_chat(live, CACHED, stream=stream)
            assert outcome == "miss"
            forget_readings()
            outcome, cut = await gateway_chat(live, REWORDED, max_tokens=4, stream=stream)
            assert outcome == "hit-semantic" and stored.startswith(cut) and cut != stored, (outcome, cut)
            # Off, the hit's own lookup has read some of them (the question's words): not all.
            kept = kept_readings(cache, following(REWORDED, QUESTION, cut))
            assert all(kept) is read, (read, kept)
