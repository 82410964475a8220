"""A reworded follow-up after the same turns, judged by the conversation told as one question when the follow-up
alone reads unlike (context_match.TOLD_THRESHOLD). Invented conversations (other words than the dev sets'), the real
embedded Redis, the local embedder and the default guards."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.guards import GuardSet
from tests.support.lookups import Turns, ask

STARTER: Turns = [
    ("user", "My sourdough starter smells like nail polish remover."),
    ("assistant", "That usually means it's hungry."),
]
GEARS: Turns = [
    ("user", "The rear derailleur on my road bike keeps skipping gears."),
    ("assistant", "That's often a cable tension issue."),
]


@pytest.mark.parametrize(
    ("turns", "stored", "asked"),
    [
        (STARTER, "How do I fix it?", "What should I do to get it back to normal?"),  # alone 0.53, told 0.96
        (GEARS, "How do I adjust it?", "What's the way to tune the derailleur so it stops jumping?"),  # 0.34, 0.89
    ],
)
async def test_a_follow_up_reworded_far_below_the_margin_is_served_by_its_story(
    cache: SemanticCache, turns: Turns, stored: str, asked: str
) -> None:
    cache.guards = GuardSet.default()
    key = await cache.store(ask(cache, turns, stored), "answer")
    result = await cache.lookup(ask(cache, turns, asked), threshold=DEFAULT_SIMILARITY_THRESHOLD)
    assert result.similarity is not None and result.similarity < 0.6, result.candidates
    assert result.hit and result.answer is not None and result.answer.doc_id == key, result.candidates


async def test_another_question_about_the_same_story_is_still_judged_by_the_guards(cache: SemanticCache) -> None:
    """ "Should I replace the chain?" after the same turns reads 0.84 told as one: under the told threshold, and
    the intent guard refuses it besides."""
    cache.guards = GuardSet.default()
    await cache.store(ask(cache, GEARS, "How do I adjust it?"), "answer")
    result = await cache.lookup(
        ask(cache, GEARS, "Should I replace the chain?"), threshold=DEFAULT_SIMILARITY_THRESHOLD
    )
    assert not result.hit, result.candidates
