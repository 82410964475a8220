"""A question whose "this" or "same" point at the calendar or the clock ("... this year?", "... at the same time?")
stands alone after turns about something else: the answer cached after one such chat serves it after another. A
"this" or "that" that points back at the turns ("How much does this plan cost each year?", "... that weekend?") still
needs them, and the same story with a detail changed is still another question. Invented conversations, the real
embedded Redis and the default guards (fow-cache's long conversations, twentieth session, issue 14)."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from nearhit.guards import GuardSet
from tests.support.lookups import Turns, ask

PARKING: Turns = [
    ("user", "Where can I park near the town hall on market days?"),
    ("assistant", "The Riverside car park is closest, and it is free after 6pm."),
    ("user", "great, thanks"),
    ("assistant", "You're welcome! Anything else?"),
]
BINS: Turns = [
    ("user", "My green bin wasn't collected on Tuesday."),
    ("assistant", "Sorry about that. I've logged a missed collection, the crew will return within two working days."),
    ("user", "ok cheers"),
    ("assistant", "Glad to help."),
]
BINS_CHANGED: Turns = [
    ("user", "My black bin wasn't collected on Tuesday."),
    *BINS[1:],
]


async def _served(cache: SemanticCache, stored: Turns, asked: Turns, question: str) -> bool:
    cache.guards = GuardSet.default()
    await cache.store(ask(cache, stored, question), "the council's answer")
    return (await cache.lookup(ask(cache, asked, question))).hit


@pytest.mark.parametrize(
    "question",
    [
        "When does enrolment close for the staff pension scheme this year?",
        "How many people can join a video call at the same time on the Team plan?",
    ],
    ids=["this-year", "at-the-same-time"],
)
async def test_a_clock_phrase_does_not_tie_a_question_to_the_turns(cache: SemanticCache, question: str) -> None:
    assert ask(cache, BINS, question).context is None  # read as standing alone
    assert await _served(cache, PARKING, BINS, question)


@pytest.mark.parametrize(
    "question",
    ["How much does this plan cost each year?", "Will the recycling centre be open that weekend?"],
    ids=["this-plan", "that-weekend"],
)
async def test_a_word_that_points_back_still_needs_the_turns(cache: SemanticCache, question: str) -> None:
    assert ask(cache, BINS, question).context is not None
    assert not await _served(cache, PARKING, BINS, question)


async def test_the_same_story_with_a_detail_changed_is_still_another_question(cache: SemanticCache) -> None:
    question = "When is the garden waste collected this month?"
    assert ask(cache, BINS_CHANGED, question).context is None  # standing alone: its turns are compared as a story
    assert not await _served(cache, BINS, BINS_CHANGED, question)
