"""A scope word one side says only in its story ("so excited, first time there!!", "driving me mad all
morning", "I mostly game on it", "each dict has a date key") is the story's wording on the told-as-one path, not
a scope the question asks: the scope guard marks it (``GuardSignal.stated_one_side``) and the path lets it through
(``first_rejection(told=True)``); a single question's judgement is unchanged, and one said in the sentence that
asks still refuses. Invented words, none of the dev sets'."""

from __future__ import annotations

import pytest

from nearhit.cache import context_match
from nearhit.guards import GuardSet
from nearhit.guards.scope import ScopeGuard

TOLD = "my laptop fan is really loud\nhow do I clean it?"


@pytest.mark.parametrize(
    "single",
    [
        "My laptop fan is really loud, my first laptop! How do I clean it?",
        "My laptop fan is really loud, sorry for all the questions lol. How do I clean it?",
        "My laptop fan is really loud, I mostly game on it. How do I clean it?",
        "My laptop fan is really loud, and each vent is dusty. How do I clean it?",
    ],
)
def test_a_word_the_story_says_in_passing_is_let_through_when_told(single: str) -> None:
    found = ScopeGuard().signal(TOLD, single)
    assert found is not None and found.stated_one_side
    guards = context_match.told_guards(GuardSet.default())
    assert guards.first_rejection(TOLD, single) is not None  # a single question's judgement is unchanged
    assert guards.first_rejection(TOLD, single, told=True) is None


@pytest.mark.parametrize(
    ("told", "single"),
    [
        # said in the sentence that asks, a condition before its question clause too
        (
            "we've got two cron jobs on one box\nif both run the second script at midnight, does one block?",
            "We've got two cron jobs on one box. So if both run the first script at midnight, does one block?",
        ),
        (
            "I have a list of futures in Java\nhow do I wait for them?",
            "I have a list of futures in Java. How do I wait for all of them?",
        ),
        # another scope word in the sentence that asks
        (TOLD, "My laptop fan is really loud. How do I clean each vent?"),
    ],
)
def test_a_scope_the_question_asks_still_refuses(told: str, single: str) -> None:
    guards = context_match.told_guards(GuardSet.default())
    assert guards.first_rejection(told, single, 0.95, told=True) is not None


def test_words_bound_apart_in_the_stories_are_let_through_when_neither_question_scopes() -> None:
    told = "I have a list of dicts\neach dict has a date key\nhow do I sort the list by date?"
    single = "I have a list of dicts, each with a date key. How do I sort the list by date?"
    found = ScopeGuard().signal(told, single)
    assert found is not None and found.stated_one_side  # "each" bound to "dict" / to "date": the stories only
    guards = context_match.told_guards(GuardSet.default())
    assert guards.first_rejection(told, single, 0.95) is not None  # a single question's judgement is unchanged
    assert guards.first_rejection(told, single, 0.95, told=True) is None
