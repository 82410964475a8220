"""A follow-up that asks for another measure after the same turns ("how long" / "how much") is another question
(:mod:`nearhit.cache.measure`). Invented conversations (other words than the dev sets'), the real embedded Redis
and the local embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.measure import measure, other_measure
from tests.support.lookups import Turns, refused_after_the_same_turns, served_after_the_same_turns

DEPOSIT: Turns = [
    ("user", "My landlord kept part of my deposit when I moved out of the flat in March."),
    ("assistant", "You can dispute it through the deposit protection scheme."),
]
KITTEN: Turns = [
    ("user", "We just brought home a ten week old kitten."),
    ("assistant", "Congratulations! Kittens that age need a lot of small meals."),
]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how long do I have to dispute it?", "a duration"),
        ("how many weeks does the scheme take?", "a duration"),
        ("how much notice must I give?", "a duration"),
        ("how far in advance should I apply?", "a duration"),
        ("how much can I get back?", "an amount"),
        ("how many forms do I fill in?", "an amount"),
        ("how often should I feed him?", "a rate"),
        ("how many meals a day should he get?", "a rate"),
        ("how many times should I feed him?", "a rate"),
        ("how much is it a month?", "an amount"),
        ("how far can it go on one charge?", "a distance"),
        ("what should I feed him?", None),
        ("how do I dispute it?", None),
    ],
)
def test_the_measure_a_question_asks(question: str, kind: str | None) -> None:
    assert measure(question) == kind


@pytest.mark.parametrize(
    ("mine", "theirs", "other"),
    [
        ("how long do I have to dispute it?", "how much can I get back?", True),
        ("how often should he be fed?", "how much should he be fed?", True),
        # The same measure in other words: a rewording.
        ("how long should it bake?", "roughly how many minutes does it need in the oven?", False),
        ("how many meals a day should he get?", "how often should I feed him?", False),
        ("how much notice do I need to give?", "how far in advance must I tell them?", False),
        ("how much is the plan?", "how much is it per month?", False),
        # A bare "how much" asked of a day or a week may ask time spent: a duration's rewording.
        ("how much should I practise each day?", "how long should my daily sessions be?", False),
        ("how long should he sleep a night?", "how much should he sleep every night?", False),
        ("how much should I practise?", "how long should my daily sessions be?", True),
        ("how much should I swim per week?", "how long should my longest swim be?", True),
        ("how much is it a day?", "how long is it a day?", True),
        ("how much should he eat a day?", "how often should he eat?", True),
        # One side asks no measure: left to the other checks.
        ("how long do I have to dispute it?", "when is the deadline to dispute it?", False),
    ],
)
def test_another_measure(mine: str, theirs: str, other: bool) -> None:
    assert (other_measure(mine, theirs) is not None) is other


@pytest.mark.parametrize(
    ("turns", "stored", "asked"),
    [
        (DEPOSIT, "how long do I have to dispute it?", "how much can I get back?"),
        (KITTEN, "how often should he be eating?", "how much should he be eating?"),
    ],
)
async def test_a_follow_up_asking_another_measure_is_not_served(
    guarded_cache: SemanticCache, turns: Turns, stored: str, asked: str
) -> None:
    await refused_after_the_same_turns(guarded_cache, turns, stored, asked, "another measure")


async def test_a_follow_up_asking_the_same_measure_is_still_served(guarded_cache: SemanticCache) -> None:
    await served_after_the_same_turns(
        guarded_cache, KITTEN, "how often should I feed him?", "how often do I need to feed him?", "four times a day"
    )
