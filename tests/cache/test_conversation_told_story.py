"""A reworded follow-up after the very same turns whose telling after the answer reads just under
``AFTER_ANSWER_THRESHOLD`` (:func:`conversation_lookup.after_the_answer`): served when the two stories told as one
question read alike too, the candidate's read from its twin; a question swapped after the same turns, near after
the answer but told apart, is not. Invented conversations (other words than the dev sets'), the real embedded Redis,
the default guards."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from nearhit.cache import SemanticCache, context_match, conversation_lookup
from nearhit.guards import GuardSet
from tests.support.lookups import Turns, ask

BOILER: Turns = [
    ("user", "Our boiler pressure keeps dropping to below 1 bar every few days."),
    (
        "assistant",
        "Pressure that keeps dropping usually means a small leak somewhere in the system or a faulty pressure "
        "relief valve.",
    ),
]


@pytest.fixture(autouse=True)
def guarded(cache: SemanticCache) -> None:
    cache.guards = GuardSet.default()


@pytest.mark.parametrize(
    ("stored", "asked"),
    [
        ("should I call a gas engineer?", "do I need a professional for this?"),  # 0.33 alone, 0.83 after, 0.87 told
        ("how do I repressurise it?", "how do I top it back up?"),  # 0.38 alone, 0.83 after, 0.88 told
    ],
)
async def test_a_follow_up_just_under_the_answer_threshold_is_served_when_the_stories_read_alike(
    cache: SemanticCache, stored: str, asked: str
) -> None:
    key = await cache.store(ask(cache, BOILER, stored), "an answer")
    await cache.background.drain()
    result = await cache.lookup(ask(cache, BOILER, asked))
    assert result.hit and result.answer is not None and result.answer.doc_id == key, result.candidates
    assert result.context is not None
    told = result.context["after_answer"]
    assert isinstance(told, float)
    assert context_match.AFTER_ANSWER_STORY_FLOOR <= told < context_match.AFTER_ANSWER_THRESHOLD


async def test_a_question_swapped_after_the_same_turns_told_apart_is_not_served(cache: SemanticCache) -> None:
    # 0.31 alone and 0.83 after the answer, no guard reading a difference; told as one 0.80. The one-stretch
    # exchange (``exchanged.py``) now refuses it before the story reading runs: either refusal will do.
    await cache.store(ask(cache, BOILER, "how do I find the leak?"), "an answer")
    await cache.background.drain()
    result = await cache.lookup(ask(cache, BOILER, "how do I repressurise it?"))
    assert not result.hit, result.candidates
    exchanged = any("where the other names" in (candidate.reason or "") for candidate in result.candidates)
    assert exchanged or "after_answer" in result.timings_ms, result.candidates


async def test_an_entry_without_its_twin_gets_no_story_reading(cache: SemanticCache, redis_client: Redis) -> None:
    query = ask(cache, BOILER, "should I call a gas engineer?")
    key = await cache.store(query, "an answer")
    (twin, _), *_ = conversation_lookup.twins(cache.keys, query, key)
    assert await redis_client.delete(twin) == 1  # as a twin expired or deleted apart from its entry
    result = await cache.lookup(ask(cache, BOILER, "do I need a professional for this?"))
    assert not result.hit, result.candidates


async def test_another_question_told_just_under_the_story_mark_is_not_served(cache: SemanticCache) -> None:
    """What it costs against how soon it must be done, after the very same turns: 0.40 alone, 0.83 after the answer,
    0.849 told as one, no guard reading a difference. ``STORY_THRESHOLD`` at 0.82 served it (the thirty-fifth
    session's rq42 measured that mark: +6 fit should-hits, no fit trap served, and this invented trap)."""
    await cache.store(ask(cache, BOILER, "is it expensive to sort out?"), "an answer")
    await cache.background.drain()
    result = await cache.lookup(ask(cache, BOILER, "does that need sorting soon?"))
    assert not result.hit, result.context
