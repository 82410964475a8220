"""A chat's next turn read ahead after each store (issue 14, latency): the turns the chat's next lookup sends (these
and the exchange just stored, :func:`conversation.next_turn`) are read in the background as that lookup's context
stage first reads its own side, with its context's embedder input, so the lookup finds them kept; every lookup is
judged as without it, stores and lookups racing or a clear between them included. The real embedded Redis."""

from __future__ import annotations

import asyncio
from typing import Any

from nearhit.cache import SemanticCache, constraints, conversation, embedding_store
from nearhit.cache.lookup import Lookup
from nearhit.guards.text import _tokenised, analyse
from tests.cache.test_conversation_turns import ANSWER, FLOUR, STORY
from tests.cache.test_stored_turns_read import verdict
from tests.support.lookups import Turns, ask
from tests.support.readings import forget_readings

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
        assert kept == [read] * len(readings), (read, kept)


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
        racing = await asyncio.gather(
            *(store_turn(cache, chat, tenant) for chat in others),
            *(cache.lookup(next_lookup(cache, chat, tenant)) for chat in CHATS),
        )
        await cache.background.drain()
        after = [verdict(await cache.lookup(next_lookup(cache, chat, tenant))) for chat in CHATS]
        await cache.clear(tenant=tenant)
        cleared = [await cache.lookup(next_lookup(cache, chat, tenant)) for chat in CHATS]
        assert not any(result.hit for result in cleared)
        decided[read] = [*(verdict(r) for r in racing if r is not None), *after, *(verdict(r) for r in cleared)]
    assert decided[True] == decided[False]
