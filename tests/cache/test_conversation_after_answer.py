"""A reworded follow-up after the very same turns, judged with the assistant's last turn it follows
(:func:`conversation_lookup.after_the_answer`): served further below the threshold when the two follow-ups, each
told after that turn, read alike; another question after the same turns still misses (the guards, or told apart);
an entry stored before the told follow-up was kept gets no second look. Invented conversations (other words than
the dev sets'), the real embedded Redis, the default guards."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from nearhit.cache import SemanticCache, context_match, entry
from nearhit.cache import conversation as cv
from nearhit.guards import GuardSet
from tests.support import wire
from tests.support.lookups import Turns, ask

SHOWER: Turns = [
    ("user", "Water is getting under my shower tray and staining the ceiling below."),
    (
        "assistant",
        "A leaking shower tray is usually the silicone seal around it failing; it can be redone in an afternoon.",
    ),
]
STARTER: Turns = [
    ("user", "I made my first sourdough starter last week."),
    ("assistant", "Your sourdough starter is ready when it doubles within six hours of a feed."),
]
REDO = "How do I redo it?"
REPLACE = "What's the way to replace that myself?"  # 0.56 alone, 0.95 told after the answer


@pytest.fixture(autouse=True)
def guarded(cache: SemanticCache) -> None:
    cache.guards = GuardSet.default()


async def test_a_reworded_follow_up_after_the_same_turns_is_served_with_the_answer_it_follows(
    cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = await cache.store(ask(cache, SHOWER, REDO), "seal answer")
    await cache.background.drain()
    sent = wire.record(monkeypatch, bytes)
    result = await cache.lookup(ask(cache, SHOWER, REPLACE))
    # The told follow-up's embedding (2 KB) is no KNN field: read for the candidate in the band, in a read of its own.
    asked = [payload for payload in sent if entry.FOLLOWUP_VECTOR.encode() in payload]
    assert len(asked) == 1 and b"HGET" in asked[0] and key.encode() in asked[0] and b"FT.SEARCH" not in asked[0]
    assert result.hit and result.answer is not None and result.answer.doc_id == key, result.candidates
    assert result.similarity is not None and result.similarity < result.threshold - context_match.SAME_TURNS_MARGIN
    assert result.context is not None and result.context["after_answer"] >= context_match.AFTER_ANSWER_THRESHOLD
    assert "after_answer" in result.timings_ms


async def test_without_guards_there_is_no_second_look(cache: SemanticCache) -> None:
    cache.guards = None
    await cache.store(ask(cache, SHOWER, REDO), "seal answer")
    result = await cache.lookup(ask(cache, SHOWER, REPLACE))
    assert not result.hit and "after_answer" not in result.timings_ms, result.candidates


@pytest.mark.parametrize(
    ("turns", "stored", "asked"),
    [
        # Another question after the same turns, told after the answer 0.92 alike: the intent guard refuses it.
        (SHOWER, REDO, "Is that something I can fix on my own?"),
        # Another question after the same turns, no guard reading a difference: told after the answer 0.74.
        (STARTER, "Can I freeze it?", "How do I keep it alive while I'm away?"),
    ],
)
async def test_another_question_after_the_same_turns_is_not_served(
    cache: SemanticCache, turns: Turns, stored: str, asked: str
) -> None:
    await cache.store(ask(cache, turns, stored), "an answer")
    result = await cache.lookup(ask(cache, turns, asked))
    assert not result.hit, result.candidates
    assert "after_answer" in result.timings_ms  # looked at again, and refused


async def test_after_other_turns_there_is_no_second_look(cache: SemanticCache) -> None:
    """Only after the very same turns: the answer before the follow-up is what both follow-ups are about."""
    await cache.store(ask(cache, SHOWER, REDO), "seal answer")
    retold = [SHOWER[0], ("assistant", SHOWER[1][1].replace("in an afternoon", "in a single afternoon"))]
    result = await cache.lookup(ask(cache, retold, REPLACE))
    assert not result.hit and "after_answer" not in result.timings_ms, result.candidates
    assert [c.outcome for c in result.candidates] == ["below_threshold"]  # its turns matched, its question too far


async def test_an_entry_stored_without_its_told_follow_up_gets_no_second_look(
    cache: SemanticCache, redis_client: Redis
) -> None:
    key = await cache.store(ask(cache, SHOWER, REDO), "seal answer")
    assert await redis_client.hget(key, entry.FOLLOWUP_VECTOR)  # kept with a conversation's entry
    await redis_client.hdel(key, entry.FOLLOWUP_VECTOR)  # as an entry stored before it was kept
    result = await cache.lookup(ask(cache, SHOWER, REPLACE))
    assert not result.hit and "after_answer" not in result.timings_ms, result.candidates
    await redis_client.hset(key, entry.FOLLOWUP_VECTOR, "not base64!")  # a damaged value is no vector either
    assert not (await cache.lookup(ask(cache, SHOWER, REPLACE))).hit


def test_the_follow_up_is_told_after_the_assistants_last_turn() -> None:
    assert cv.after_answer(cv.Context(tuple(SHOWER)), REDO) == f"{SHOWER[1][1]}\n{REDO}"
    assert cv.after_answer(cv.Context((SHOWER[0],)), REDO) is None  # no assistant turn: nothing to tell it after
