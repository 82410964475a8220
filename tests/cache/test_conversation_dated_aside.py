"""A date one side tells and the other leaves out is an aside of the story on the told-as-one path ("I baked it for a
picnic on Saturday"), as :func:`conversation.differs_from_one` already reads it: the number guard marks the
difference (``GuardSignal.date_one_side``) and the path lets it through when the side with the date tells little
else (``conversation.dated_aside``). A near day (a deadline), or a date told with much more (a correction), is no
aside. Invented conversations (``data/conversation_dated_aside.jsonl``, none of the dev sets' words), each ``a``
stored and its ``b`` looked up through the engine on the real embedded Redis, with the default guards."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import SemanticCache, context_match
from nearhit.cache import conversation as cv
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.evaluation.dataset import Pair, load_jsonl
from nearhit.guards import GuardSet
from nearhit.guards.numbers import NumberGuard
from tests.support.lookups import ask

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_dated_aside.jsonl")
ASKED = "my sourdough loaf came out dense\nhow do I get a more open crumb?"


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_a_date_told_on_one_side_is_an_aside_of_the_story(cache: SemanticCache, pair: Pair) -> None:
    cache.guards = GuardSet.default()
    await cache.store(ask(cache, list(pair.a.history), pair.a.prompt), f"answer for {pair.id}")
    result = await cache.lookup(ask(cache, list(pair.b.history), pair.b.prompt), threshold=DEFAULT_SIMILARITY_THRESHOLD)
    assert result.hit is pair.same_answer, result.candidates
    if pair.same_answer:
        assert result.context is not None and "told_as_one" in result.context


@pytest.mark.parametrize(
    ("single", "one_side"),
    [
        ("My sourdough loaf came out dense, I baked it on Saturday. How do I get a more open crumb?", True),
        ("My sourdough loaf came out dense on Saturday. How do I get a more open crumb?", True),
        # a date on each side, or a number besides: another fact, as before
        ("My sourdough loaf came out dense on Sunday. How do I get a more open crumb?", False),
        ("My 2 sourdough loaves came out dense on Saturday. How do I get a more open crumb?", False),
    ],
)
def test_the_number_guard_marks_a_date_only_one_side_tells(single: str, one_side: bool) -> None:
    told = ASKED if one_side else ASKED.replace("dense", "dense on Saturday")
    found = NumberGuard().signal(told, single)
    assert found is not None and found.date_one_side is one_side


def test_a_date_aside_rejects_nothing_on_the_told_as_one_path_only() -> None:
    guards = context_match._without_subject(GuardSet.default())  # the told-as-one path's guards
    single = "My sourdough loaf came out dense, I baked it on Saturday. How do I get a more open crumb?"
    assert guards.first_rejection(ASKED, single) is not None  # a single question's judgement is unchanged
    assert guards.first_rejection(ASKED, single, dates_one_side=True) is None
    # the guards after the number guard are still asked
    negated = single.replace("How do I get", "Why can't I get")
    assert guards.first_rejection(ASKED, negated, dates_one_side=True) is not None


@pytest.mark.parametrize(
    ("single", "aside"),
    [
        ("My sourdough loaf came out dense, I baked it for a picnic on Saturday. How do I get an open crumb?", True),
        # a near day is a deadline
        ("My sourdough loaf came out dense, the picnic is tomorrow. How do I get a more open crumb?", False),
        # a date told with a correction tells more than DATED_MORE words
        (
            "My sourdough loaf came out dense. Oh, I switched to rye flour and a clay oven last month. "
            "How do I get a more open crumb?",
            False,
        ),
        # no date on either side
        ("My sourdough loaf came out dense. How do I get a more open crumb?", False),
    ],
)
def test_a_dated_aside_tells_little_else_and_no_near_day(single: str, aside: bool) -> None:
    assert cv.dated_aside(ASKED, single) is aside
    assert cv.dated_aside(single, ASKED) is aside
