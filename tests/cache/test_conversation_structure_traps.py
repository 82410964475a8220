"""Conversation traps closed by structure, not by words (:mod:`nearhit.cache.story`): a follow-up about the asker
against the same follow-up about someone else the story names, a requirement added to the same story, and a thing
the question names with "the" that only one side's turns speak of. Invented conversations (other words than the
dev sets'), the real embedded Redis and the local embedder; each case beside its should-hit."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, story
from tests.support.lookups import Turns, ask

JOBS: Turns = [
    ("user", "My brother is Canadian and I'm Brazilian. We're both starting new jobs in Osaka in April."),
    ("assistant", "Work rules in Japan depend on each person's nationality and contract."),
]


@pytest.mark.parametrize(
    ("asked", "served"),
    [
        ("Will I need a work visa?", True),  # the same person, reworded
        ("Does he need a work visa?", False),  # the brother, not the asker
    ],
)
async def test_a_follow_up_about_someone_else_of_the_story_is_another_question(
    cache: SemanticCache, asked: str, served: bool
) -> None:
    key = await cache.store(ask(cache, JOBS, "Do I need a work visa?"), "asker's visa answer")
    result = await cache.lookup(ask(cache, JOBS, asked))
    assert result.hit is served, result.candidates
    assert not served or (result.answer is not None and result.answer.doc_id == key)


def test_a_side_that_names_both_people_is_no_exchange() -> None:
    assert story.other_person("Does she need a visa?", "Do I need a visa?") is not None
    assert story.other_person("Can I bring her with me?", "Can she come too?") is None
    assert story.other_person("Do they ship abroad?", "Can I get it shipped abroad?") is None  # "they": a company


PIANO: Turns = [
    ("user", "I'm moving my upright piano from my flat to my sister's house across town."),
    ("assistant", "Pianos are heavy and awkward, so plan the route and the lifting."),
]
PIANO_BOUND: Turns = [
    (
        "user",
        "I'm moving my upright piano from my flat to my sister's house across town. "
        "I have to carry it down the stairs because the lift is broken.",
    ),
    PIANO[1],
]
PIANO_COLOUR: Turns = [
    ("user", "I'm moving my upright piano from my flat to my sister's house across town, she plays jazz."),
    PIANO[1],
]


@pytest.mark.parametrize(("history", "served"), [(PIANO_COLOUR, True), (PIANO_BOUND, False)])
async def test_a_requirement_added_to_the_same_story_is_a_constraint(
    cache: SemanticCache, history: Turns, served: bool
) -> None:
    """ "I have to carry it down the stairs" binds the answer whatever it is about; colour added binds nothing."""
    await cache.store(ask(cache, PIANO, "What's the cheapest way to do it?"), "piano answer")
    result = await cache.lookup(ask(cache, history, "What's the cheapest way to do it?"))
    assert result.hit is served, result.candidates


BACKUP: Turns = [("user", "Our shop's customer database lives on one old server in the back office.")]
BACKUP_BOUND: Turns = [
    (
        "user",
        "Our shop's customer database lives on one old server in the back office. "
        "Card details must never leave the building, and we're not allowed to use a cloud service.",
    )
]
ALONE = "What's the simplest way to back up a database every night?"


async def test_a_requirement_added_before_a_question_that_stands_alone_is_a_constraint(cache: SemanticCache) -> None:
    key = await cache.store(ask(cache, BACKUP, ALONE), "backup answer")
    same = await cache.lookup(ask(cache, BACKUP, ALONE))
    assert same.hit and same.answer is not None and same.answer.doc_id == key
    result = await cache.lookup(ask(cache, BACKUP_BOUND, ALONE))
    assert not result.hit, result.candidates


def test_requirement_words_are_an_obligation_or_a_permission_not_a_bare_negation() -> None:
    assert story.requires("the files must keep their names") == "must"
    assert story.requires("we're not allowed to install anything") == "allowed"
    assert story.requires("I hope this isn't a silly question") is None
    assert story.requires("I only started last week") is None


HEATER: Turns = [
    ("user", "The water heater in my garage keeps shutting itself off at night."),
    ("assistant", "The pilot light may be going out when the garage gets cold."),
]
HEATER_OTHER: Turns = [
    ("user", "the garage water heater goes off by itself every night"),
    ("assistant", "It may be tripping its high temperature cutoff."),
]


def test_a_thing_the_question_names_that_only_one_side_spoke_of_is_another_referent() -> None:
    question = ("How do I reset the cutoff?", "How do I reset the cutoff?")
    assert story.named_on_one_side(question, HEATER_OTHER, HEATER) is not None
    assert story.named_on_one_side(question, HEATER, HEATER_OTHER) is not None  # either side
    assert story.named_on_one_side(question, HEATER_OTHER, HEATER_OTHER) is None
    assert story.named_on_one_side(("How do I reset it?",) * 2, HEATER_OTHER, HEATER) is None  # nothing named
    short = [("user", "my heater's cutoff keeps tripping")]  # a form of the word on the other side: the same thing
    assert story.named_on_one_side(question, HEATER_OTHER, short) is None


async def test_the_same_follow_up_after_a_story_that_names_its_referent_on_one_side_only_is_not_served(
    cache: SemanticCache,
) -> None:
    await cache.store(ask(cache, HEATER, "How do I reset the cutoff?"), "cutoff answer")
    result = await cache.lookup(ask(cache, HEATER_OTHER, "How do I reset the cutoff?"))
    assert not result.hit, result.candidates
