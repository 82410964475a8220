"""Two wordings of one question after the very same turns, one read as standing alone and one as a follow-up; a
story that tells nothing the single question does not; "twice" as "two times". Invented conversations (other
words than the dev sets'), the real embedded Redis and the local embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, context_match, entry
from nearhit.cache import conversation as cv
from nearhit.cache.results import LookupResult
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from tests.support.lookups import (
    Turns,
    ask,
    asked_after_the_same_turns,
    assert_served,
    refused_after_the_same_turns,
    served_after_the_same_turns,
)

CEILING: Turns = [
    ("user", "I'm repainting my bathroom ceiling, which gets a lot of condensation."),
    ("assistant", "A mould-resistant bathroom paint is a good idea there."),
]
KITCHEN: Turns = [
    ("user", "I'm repainting my kitchen wall, which has greasy marks from the hob."),
    ("assistant", "A stain-blocking primer is a good idea there."),
]
STANDS_ALONE = "Can mould-resistant paint go over old gloss paint?"
FOLLOW_UP = "Can I paint it over the old gloss?"


def test_the_two_wordings_are_read_apart() -> None:
    """The premise: one wording stands alone, the other points back, so they are stored in different scopes."""
    assert cv.standalone(STANDS_ALONE, CEILING)
    assert not cv.standalone(FOLLOW_UP, CEILING)


async def test_a_follow_up_is_served_the_question_asked_alone_after_the_same_turns(cache: SemanticCache) -> None:
    result = await served_after_the_same_turns(cache, CEILING, STANDS_ALONE, FOLLOW_UP, "gloss answer")
    assert result.context is not None and result.context["same_turns"] is True


async def test_the_question_asked_alone_after_other_turns_is_not_served(cache: SemanticCache) -> None:
    await cache.store(ask(cache, KITCHEN, STANDS_ALONE), "gloss answer")
    result = await cache.lookup(ask(cache, CEILING, FOLLOW_UP))
    assert not result.hit, result.candidates


async def test_a_follow_up_that_adds_a_condition_is_not_served(cache: SemanticCache) -> None:
    asked = "Can I paint it over the old gloss without sanding?"
    await refused_after_the_same_turns(cache, CEILING, STANDS_ALONE, asked, answer="gloss answer")


COFFEE = "How do I descale a Nespresso machine?"


@pytest.mark.parametrize(
    ("said", "served"),
    [
        ("It needs descaling every few months.", True),  # "that" is descaling: the single question names it
        ("It needs a new gasket.", False),  # "that" is the gasket: another question, though the user said the same
    ],
)
async def test_a_bare_follow_up_is_the_single_question_only_when_the_assistant_named_what_it_adds(
    cache: SemanticCache, said: str, served: bool
) -> None:
    key = await cache.store(ask(cache, [], COFFEE), "descaling answer")
    result = await cache.lookup(
        ask(cache, [("user", "I have a Nespresso machine."), ("assistant", said)], "How do I do that?")
    )
    assert result.hit is served, result.candidates
    assert not served or (result.answer is not None and result.answer.doc_id == key)


@pytest.mark.parametrize(
    ("told", "single", "answer", "expected"),
    [
        # the story tells nothing more; the single question names one thing more, which the assistant said
        ("I have a Nespresso machine.\nHow do I do that?", COFFEE, "It needs descaling.", True),
        # ... which the assistant did not say
        ("I have a Nespresso machine.\nHow do I do that?", COFFEE, "It needs a new gasket.", False),
        # a question that names what it asks: the single question may name one thing more
        (
            "My basil is indoors.\nHow often should I water the basil?",
            "How often should I water indoor basil in winter?",
            "",
            True,
        ),
        # two things more: a more specific question
        (
            "My car battery is flat.\nHow do I jump start it?",
            "How do I jump start a flat car battery with a portable booster?",
            "",
            False,
        ),
        # the story tells something the single question does not (a symptom)
        (
            "My basil is wilting indoors.\nHow often should I water the basil?",
            "How often should I water indoor basil?",
            "",
            False,
        ),
    ],
)
def test_a_story_tells_no_more_than_the_single_question(told: str, single: str, answer: str, expected: bool) -> None:
    assert cv.tells_no_more(told, single, answer) is expected


@pytest.mark.parametrize(
    ("mine", "theirs", "same"),
    [
        ("My dog was sick twice last night.", "My dog threw up two times overnight.", True),
        ("The printer jammed thrice.", "The printer jammed three times.", True),
        ("I take it once a day.", "I take it one time a day.", True),
        ("My dog was sick twice.", "My dog was sick three times.", False),
    ],
)
def test_times_written_as_one_word_are_the_number_of_times(mine: str, theirs: str, same: bool) -> None:
    assert (cv._different_facts(mine, theirs) is None) is same


def test_once_opening_a_clause_is_no_number() -> None:
    assert cv._written_out("Once I get home, I charge it.") == "Once I get home, I charge it."


@pytest.mark.parametrize(
    ("told", "similarity", "served"),
    [
        ("My basil is indoors.\nHow often should I water the basil?", 0.80, True),  # tells no more: the threshold
        ("My basil is indoors.\nHow often should I water the basil?", 0.74, False),  # ... and not under it
        # a symptom: the story tells more, yet the single question names only what it tells (asks_no_more)
        ("My basil is wilting indoors.\nHow often should I water the basil?", 0.80, True),
        ("My basil is wilting indoors.\nHow often should I water the basil?", 0.74, False),
    ],
)
def test_a_story_that_tells_no_more_is_judged_at_the_single_questions_threshold(
    told: str, similarity: float, served: bool
) -> None:
    result = LookupResult(match=None, threshold=0.76, scope_id="s")
    fields = {"prompt": "How often should I water indoor basil?", entry.DISTANCE: str(1 - similarity)}
    matched = context_match.as_one_question(result, told, [("k", fields)], None)
    assert (matched is not None) is served, result.candidates


def test_a_count_doubled_is_a_count_twice() -> None:
    assert cv._different_facts("Our water bill doubled this quarter.", "Our water bill is twice what it was.") is None
    assert cv._different_facts("Our water bill doubled this quarter.", "Our water bill tripled this quarter.")


BENCH: Turns = [
    ("user", "I found an old cast-iron garden bench at a car boot sale."),
    ("assistant", "Cast iron lasts for decades if it's looked after."),
]
DRILL: Turns = [
    ("user", "I'm bringing a cordless drill back from my holiday."),
    ("assistant", "Tools with batteries have a few rules when flying."),
]
OLIVE: Turns = [
    ("user", "I've just bought a young olive tree in a pot."),
    ("assistant", "Olive trees do well in pots on a sunny patio."),
]


@pytest.mark.parametrize(
    ("turns", "stored", "asked"),
    [
        (BENCH, "How do I get the rust off?", "What's the best way to clean the corrosion from it?"),  # 0.64
        (DRILL, "Can I take it on the plane?", "Am I allowed to bring it in my cabin bag?"),  # 0.65
    ],
)
async def test_a_follow_up_reworded_after_the_same_turns_is_served_down_to_the_margin(
    guarded_cache: SemanticCache, turns: Turns, stored: str, asked: str
) -> None:
    """A follow-up says little of its own ("it"), so two wordings of it read further apart than two full questions
    do: after the very same turns, under the quiet band's floor, the guards judge it."""
    # The default threshold, with its margins.
    key, result = await asked_after_the_same_turns(guarded_cache, turns, stored, asked, "answer")
    assert result.similarity is not None and result.similarity < DEFAULT_SIMILARITY_THRESHOLD - 0.10, result.candidates
    assert_served(result, key)


async def test_another_follow_up_after_the_same_turns_within_the_margin_is_refused(
    guarded_cache: SemanticCache,
) -> None:
    """ "Water" is not "feed" (0.62): inside the margin the question is still read, here as one word exchanged for
    another thing before the guards (which refuse it too: the entities guard)."""
    result = await refused_after_the_same_turns(
        guarded_cache, OLIVE, "How often should I feed it?", "How often should I water it?", answer="feeding answer"
    )
    assert any("names 'water' where the other names 'feed'" in (c.reason or "") for c in result.candidates), (
        result.candidates
    )
    verdict = guarded_cache.guards.first_rejection("How often should I water it?", "How often should I feed it?", 0.62)
    assert verdict is not None and verdict.guard == "entities"


KNEES: Turns = [
    ("user", "My uncle (64) tore a meniscus last month, and my aunt (61) has a frozen shoulder."),
    ("assistant", "Sorry to hear that, two injuries in one house is hard."),
]


async def test_a_single_question_after_the_same_turns_about_another_person_is_not_served(
    cache: SemanticCache,
) -> None:
    """ "hers" and "his" point at two people the turns named: the single question after the very same turns is
    refused as a conversation's entry after them is (:func:`conversation.other_referent`)."""
    stored = "can hers get better without an operation?"
    assert cv.standalone(stored, KNEES)
    asked = "can his get better without an operation?"
    await refused_after_the_same_turns(cache, KNEES, stored, asked, answer="frozen shoulder answer")
