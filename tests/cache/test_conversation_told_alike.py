"""A reworded follow-up after the same turns, judged by the conversation told as one question when the follow-up
alone reads unlike (context_match.TOLD_THRESHOLD). Invented conversations (other words than the dev sets'), the real
embedded Redis, the local embedder and the default guards."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, context_match
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


SALARY: Turns = [
    ("user", "My employer overpaid my salary by £600 last month."),
    ("assistant", "You'll usually have to pay it back."),
]


async def test_a_follow_up_that_names_another_party_and_shares_no_word_is_not_served_by_its_story(
    cache: SemanticCache,
) -> None:
    """Told after the same story the two read 0.89 alike, alone 0.48 and no guard reads a difference: the party
    swapped ("I" repay / "they" take back) with no word of the ask in common (context_match.other_party)."""
    cache.guards = GuardSet.default()
    await cache.store(ask(cache, SALARY, "So how much do I have to repay?"), "answer")
    result = await cache.lookup(
        ask(cache, SALARY, "So how much can they take back?"), threshold=DEFAULT_SIMILARITY_THRESHOLD
    )
    assert not result.hit, result.candidates


@pytest.mark.parametrize(
    ("asked", "cached", "apart"),
    [
        ("So how much can they take back?", "So how much do I have to repay?", True),
        ("What forms will they want from me?", "Which forms do I fill in?", False),  # a word of the ask kept
        ("What can I do to make him calmer?", "How can I help him relax?", False),  # the same party
        ("Where can we book somewhere to play?", "How do I find a pitch?", False),  # "I" and "we": one party
        ("Any fixes?", "How do I fix it?", False),  # one side names nobody
    ],
)
def test_other_party_reads_the_subject_of_two_follow_ups_that_share_no_word(
    asked: str, cached: str, apart: bool
) -> None:
    assert context_match.other_party(asked, cached) is apart


async def test_the_told_route_is_off_under_a_wrong_hit_bound(cache: SemanticCache) -> None:
    """Under NEARHIT_MAX_WRONG_RATE the bound's evidence was counted without the told route: it is not run."""
    bounded = SemanticCache(cache.redis, cache.embedder, cache.spec, threshold=0.76, max_wrong_rate=0.02, seed=7)
    turns, stored, asked = STARTER, "How do I fix it?", "What should I do to get it back to normal?"
    await bounded.store(ask(bounded, turns, stored), "answer")
    result = await bounded.lookup(ask(bounded, turns, asked), threshold=DEFAULT_SIMILARITY_THRESHOLD)
    assert "told" not in result.timings_ms and not result.hit, result.candidates
    assert "told" in (await cache.lookup(ask(cache, turns, asked), threshold=DEFAULT_SIMILARITY_THRESHOLD)).timings_ms
