"""A date one side tells and the other leaves out is an aside of the story on the told-as-one path ("I baked it for a
picnic on Saturday"), as :func:`conversation.differs_from_one` already reads it: the number guard marks the
difference (``GuardSignal.date_one_side``) and the path lets it through when the side with the date tells little
else (``conversation.dated_aside``). A near day (a deadline), or a date told with much more (a correction), is no
aside. Invented words, none of the dev sets'; the same stories through the engine on the real embedded Redis are in
``data/conversation_told_as_one.jsonl`` (``sourdough-*``, ``test_conversation_told_as_one.py``)."""

from __future__ import annotations

import pytest

from nearhit.cache import context_match
from nearhit.cache import conversation as cv
from nearhit.guards import GuardSet
from nearhit.guards.numbers import NumberGuard

ASKED = "my sourdough loaf came out dense\nhow do I get a more open crumb?"


@pytest.mark.parametrize(
    ("single", "one_side"),
    [
        # a month: a weekday told so is no date that differs at all (tests/guards/test_told_day.py)
        ("My sourdough loaf came out dense, I baked it in June. How do I get a more open crumb?", True),
        ("My sourdough loaf came out dense in June. How do I get a more open crumb?", True),
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
    guards = context_match.told_guards(GuardSet.default())  # the told-as-one path's guards
    single = "My sourdough loaf came out dense, I baked it in June. How do I get a more open crumb?"
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
