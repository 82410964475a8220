"""A stored conversation's turns read in the background after its store (issue 14, latency): the readings a lookup's
context stage makes of a candidate's side (its parsed turns, the user's and the assistant's turns' tokens, names,
quantities and dates, the user's conditions and alternatives: :func:`conversation.read_side`) are kept in this
process before any lookup meets the entry, and every lookup is judged as without them. The real embedded Redis."""

from __future__ import annotations

from typing import Any

from nearhit.cache import SemanticCache, constraints, conversation
from nearhit.cache.results import LookupResult
from nearhit.guards.text import analyse
from tests.cache.test_conversation_turns import ANSWER, FLOUR, STORY
from tests.cache.test_first_look_later import STORED
from tests.support.lookups import ask
from tests.support.readings import forget_readings

ASKED = [
    (STORY, "How often do I need to feed it?"),
    (STORY, "Can it stay in the fridge while I'm on holiday?"),
    (FLOUR + STORY, "Should I bin it and start over?"),
    (FLOUR, "Is rye better for a starter?"),
]


def verdict(result: LookupResult) -> dict[str, Any]:
    """What a lookup decided, its scope's own names (the tenant, the entries' keys) left out."""
    return {
        "hit": result.hit,
        "match": result.match,
        "similarity": result.similarity,
        "response": result.answer.response if result.answer else None,
        "rejected_by": (result.rejected_by, result.rejection_reason),
        "candidates": [(c.prompt, c.similarity, c.outcome, c.guard, c.reason, c.margin) for c in result.candidates],
        "context": result.context,
    }


async def test_a_stored_conversations_side_is_read_once_it_is_stored(guarded_cache: SemanticCache) -> None:
    """After the store (and its background work), the entry's side is read: each reading a lookup makes of it is
    found kept, none computed."""
    cache = guarded_cache
    forget_readings()
    query = ask(cache, FLOUR + STORY, "Should I throw it away and start again?")
    await cache.store(query, ANSWER)
    await cache.background.drain()
    assert query.context is not None
    raw = query.context.to_json()
    context = conversation.stored(raw)
    assert context is not None
    affirmed = conversation._affirmed(context)
    readings = [
        (conversation.stored, (raw,)),
        (analyse, (conversation._written_alone(context.users)[0],)),
        (analyse, (conversation._written_alone(context.assistants)[0],)),
        (constraints.conditions_of, (affirmed,)),
        (constraints.alternatives_of, (affirmed,)),
    ]
    for read, args in readings:
        misses = read.cache_info().misses
        read(*args)
        assert read.cache_info().misses == misses, read  # kept since the store: no reading made now


async def test_lookups_are_judged_as_without_the_reading(guarded_cache: SemanticCache) -> None:
    """The same conversations stored and asked in two scopes, the stored turns read after the store in one only
    (each time with every per-text cache emptied first): every lookup decides the same, candidates and reasons
    included."""
    cache = guarded_cache
    decided: dict[bool, list[dict[str, Any]]] = {}
    for read in (False, True):
        forget_readings()
        cache.read_stored_turns = read
        tenant = f"read{read}"
        for turns, question in STORED:
            await cache.store(ask(cache, turns, question, tenant), f"{ANSWER} ({question})")
        await cache.background.drain()
        decided[read] = [verdict(await cache.lookup(ask(cache, turns, q, tenant))) for turns, q in ASKED]
    assert decided[True] == decided[False]
    assert any(v["hit"] for v in decided[True]) and any(v["candidates"] for v in decided[True])
