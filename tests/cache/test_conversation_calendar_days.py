"""The facts of the earlier turns read a day written with its month's name as one date: the same day written
another way is the same fact, a day of another month another (a detail swap the month alone tells). Invented
conversations (other words than the dev sets'), the real embedded Redis and the local embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, story
from nearhit.cache import conversation as cv
from tests.support.lookups import Turns, ask


@pytest.mark.parametrize(
    ("mine", "theirs", "same"),
    [
        ("My passport expires on 3 May.", "My passport expires on May 3rd.", True),
        ("My passport expires on the 1st of May.", "My passport expires May 1.", True),
        ("My passport expires on 3 May.", "My passport expires on 3 March.", False),
        ("My passport expires on May 3rd.", "My passport expires on March 3rd.", False),
    ],
)
def test_a_day_written_two_ways_is_one_fact(mine: str, theirs: str, same: bool) -> None:
    assert (cv._different_facts(mine, theirs) is None) is same


def _turns(day: str) -> Turns:
    return [
        ("user", f"My puppy had her first vaccination on {day} 2025 and she is 9 weeks old."),
        ("assistant", "Lovely, she's off to a good start."),
    ]


async def test_a_day_of_another_month_in_the_turns_is_not_served(cache: SemanticCache) -> None:
    question = "when can she go for walks outside?"
    await cache.store(ask(cache, _turns("4 March"), question), "walks answer")
    result = await cache.lookup(ask(cache, _turns("4 May"), question))
    assert not result.hit, result.candidates


def test_a_story_told_again_exchanges_a_day_of_another_month() -> None:
    told = "we moved into the flat on 3 March and the boiler broke"
    assert story._exchanged_facts(told, told.replace("3 March", "3 May"))
    assert story._exchanged_facts(told, told.replace("3 March", "March 3rd")) is None


def test_a_day_with_its_month_told_in_passing_is_a_dated_aside() -> None:
    single = "My sourdough loaf came out dense, I baked it on 3 May. How do I get a more open crumb?"
    assert cv.dated_aside(single, "my sourdough loaf came out dense\nhow do I get a more open crumb?")
