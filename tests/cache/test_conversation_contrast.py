"""Two words one side sets against each other ("dry, not oily") that the other side sets the other way round
("oily, not dry") are another story, though each side says the same words (:func:`nearhit.cache.story.
swapped_contrast`); the same contrast told by both, or one side's alone, is not read so. Invented conversations,
other words than the dev sets'. Real Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, story
from nearhit.guards import GuardSet
from tests.support.lookups import Turns, ask

QUESTION = "Which cleanser should I buy for it?"


def _skin(said: str, reply: str) -> Turns:
    return [("user", f"my skin has changed since I moved flat, it's {said}"), ("assistant", reply)]


DRY = _skin("dry, not oily", "Dry skin does best with a gentle cream cleanser.")
OILY = _skin("oily, not dry", "Oily skin often likes a foaming gel cleanser.")


@pytest.fixture
def guarded(cache: SemanticCache) -> SemanticCache:
    cache.guards = GuardSet.default()
    return cache


async def test_a_contrast_set_the_other_way_round_is_not_served_on_the_real_redis(guarded: SemanticCache) -> None:
    await guarded.store(ask(guarded, DRY, QUESTION), "a cream cleanser")
    await guarded.background.drain()
    result = await guarded.lookup(ask(guarded, OILY, QUESTION))
    assert not result.hit, result.candidates
    assert any("other way round" in (candidate.reason or "") for candidate in result.candidates), result.candidates


async def test_the_same_contrast_told_again_is_served_on_the_real_redis(guarded: SemanticCache) -> None:
    await guarded.store(ask(guarded, DRY, QUESTION), "a cream cleanser")
    await guarded.background.drain()
    result = await guarded.lookup(ask(guarded, _skin("dry, not oily", DRY[1][1]), QUESTION))
    assert result.hit and result.answer is not None and result.answer.response == "a cream cleanser"


def test_the_words_on_either_side_of_not_or_rather_than() -> None:
    assert story.swapped_contrast("it's dry, not oily", "it's oily, not dry") is not None
    assert story.swapped_contrast("we pay weekly rather than monthly", "we pay monthly rather than weekly")
    assert story.swapped_contrast("it's dry, not oily", "it's dry, not oily") is None  # the same contrast
    assert story.swapped_contrast("it's dry, not oily", "it's oily and dry") is None  # none set on the other side
    assert story.swapped_contrast("I do not know", "I know, do not") is None  # function words set against nothing
