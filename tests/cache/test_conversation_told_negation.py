"""A "not" a story told as one question says in its statements ("the 5GHz band isn't showing up") tells the story
in its own words: on the told-as-one path it refuses nothing by itself (``conversation.states_more(told=True)``, the
negation guard's ``GuardSignal.stated_one_side``), and the checks after it judge the story. A "not" in the sentence
that asks, or before a word the story said earlier (it takes that word back), still refuses; a single question's
judgement is unchanged. Invented words, none of the dev sets'."""

from __future__ import annotations

import pytest

from nearhit.cache import context_match, conversation
from nearhit.guards import GuardSet
from nearhit.guards.negation import NegationGuard

TOLD = "my router is acting up\nthe 5GHz band isn't showing up on my laptop\nhow do I get it back?"
SINGLE = "My router's 5GHz band has vanished from my laptop's list of networks. How do I get it back?"


def test_a_not_the_story_tells_refuses_nothing_by_itself_when_told() -> None:
    assert conversation.states_more(TOLD, SINGLE, added_times=False, told=True) is None
    assert conversation.states_more(SINGLE, TOLD, added_times=False, told=True) is None


def test_the_negation_guard_lets_it_through_when_told_only() -> None:
    found = NegationGuard().signal(TOLD, SINGLE)
    assert found is not None and found.stated_one_side
    guards = context_match.told_guards(GuardSet.default())
    assert guards.first_rejection(TOLD, SINGLE, 0.95) is not None  # a single question's judgement is unchanged
    assert guards.first_rejection(TOLD, SINGLE, 0.95, told=True) is None


@pytest.mark.parametrize(
    "told",
    [
        # said in the sentence that asks
        "my router is acting up\nthe 5GHz band is showing up on my laptop\nso it's not the router then?",
        # before a word the story said earlier: it takes that word back
        "my router's 5GHz band vanished from my laptop\nsorry, from my phone, not laptop\nhow do I get it back?",
    ],
)
def test_a_not_that_asks_or_takes_a_word_back_still_refuses(told: str) -> None:
    why = conversation.states_more(told, SINGLE, added_times=False, told=True)
    assert why == "one side says 'not', the other does not"


def test_a_not_the_single_question_says_is_no_refusal_when_told_otherwise() -> None:
    told = "my router is acting up\nthe 5GHz band vanished from my laptop\nhow do I get it back?"
    single = "My router's 5GHz band isn't showing up on my laptop any more. How do I get it back?"
    assert conversation.states_more(told, single, added_times=False, told=True) is None
    assert conversation.states_more(told, single, added_times=False) is not None  # asked after the same turns
