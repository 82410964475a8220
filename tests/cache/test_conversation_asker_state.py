"""A sentence one side adds whose subject is the asker and whose verb tells a standing situation (a present state or
habit, a state in the passive, what the asker will be doing) is no aside before a question about the asker
(:func:`nearhit.cache.clause.tells_of_asker`): "We live in a conservation area." before "Can we put up a shed?". An
event of the story ("I bought the patio slabs at a sale"), what the asker is or wants, or how often they use the
thing stays an aside. Invented conversations, other words than the dev sets'. Real Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, clause
from nearhit.guards.text import folded_words
from tests.support.lookups import Turns, ask

GARDEN: Turns = [
    ("user", "Our back garden is mostly lawn with a patio by the kitchen door."),
    ("assistant", "Plenty of room for a small building then."),
]
GARDEN_RENTED: Turns = [
    ("user", "Our back garden is mostly lawn with a patio by the kitchen door. We live in a conservation area."),
    ("assistant", "Plenty of room for a small building then."),
]
GARDEN_BOUGHT: Turns = [
    ("user", "Our back garden is mostly lawn with a patio by the kitchen door. I bought the patio slabs at a sale."),
    ("assistant", "Plenty of room for a small building then."),
]
SHED = "Can we put up a shed without asking anyone?"


async def test_the_askers_standing_situation_added_is_not_served(cache: SemanticCache) -> None:
    await cache.store(ask(cache, GARDEN, SHED), "the stored answer")
    result = await cache.lookup(ask(cache, GARDEN_RENTED, SHED))
    assert not result.hit, result.candidates


async def test_an_event_of_the_story_added_is_still_an_aside(cache: SemanticCache) -> None:
    await cache.store(ask(cache, GARDEN, SHED), "the stored answer")
    result = await cache.lookup(ask(cache, GARDEN_BOUGHT, SHED))
    assert result.hit, result.candidates


@pytest.mark.parametrize(
    ("sentence", "situation"),
    [
        ("We rent from the council", True),
        ("I earn about half the threshold", True),
        ("We're registered with a GP in Leeds", True),
        ("Both of us are retired", True),
        ("I'll be cycling most of the way", True),
        ("I already own two of them", True),
        ("I bought the slabs at a sale", False),
        ("We came here for a wedding", False),
        ("I'm painting the fence next week", False),
        ("I'm a teacher", False),
        ("I mostly use it for podcasts", False),
        ("I want to surprise my dad", False),
        ("I named him Biscuit", False),
    ],
)
def test_tells_of_asker_reads_the_verbs_form(sentence: str, situation: bool) -> None:
    assert clause.tells_of_asker(folded_words(sentence), "Should we do it?", opens=".") is situation


def test_tells_of_asker_needs_a_sentence_of_its_own_and_a_question_about_the_asker() -> None:
    span = folded_words("we rent from the council")
    assert not clause.tells_of_asker(span, "Should we do it?", opens=",")
    assert not clause.tells_of_asker(span, "How tall can a shed be?", opens=".")
