"""Conversations whose shape, not their wording, decides: an opening exchange that only says a question
follows, facts written short in a story told over turns, an ordinal that says
when, one sentence with its object swapped, a sentence added about the thing asked about. Invented
conversations (none of the datasets' words), through the engine on the real embedded Redis where the
embedding does not decide the outcome, else on the rule itself."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.conversation import Context, differs, says_nothing
from nearhit.cache.story import alone_differs, one_slot
from tests.support.lookups import Turns, ask


@pytest.mark.parametrize(
    "opening",
    [
        [("user", "Hey, got a sec?"), ("assistant", "Yep, shoot.")],
        [("user", "Mind if I ask you something?"), ("assistant", "Absolutely, what do you need help with?")],
        [("user", "Hi there, quick question."), ("assistant", "Happy to help. What would you like to know?")],
    ],
)
def test_an_opening_that_only_says_a_question_follows_says_nothing(opening: Turns) -> None:
    assert says_nothing(opening)


@pytest.mark.parametrize(
    "opening",
    [
        [("user", "Hi, I have a question about my espresso machine."), ("assistant", "Sure, go ahead.")],
        [("user", "Hey, got a sec?"), ("assistant", "Sure. Is this about your Vespa order?")],
    ],
)
def test_an_opening_with_a_topic_or_a_name_says_something(opening: Turns) -> None:
    assert not says_nothing(opening)


DESCALE = "How do I descale a stovetop espresso maker with citric acid?"


async def test_a_question_after_an_empty_opening_is_the_question_alone(cache: SemanticCache) -> None:
    await cache.store(ask(cache, [("user", "Hey, got a sec?"), ("assistant", "Yep, shoot.")], DESCALE), "descaling")
    alone = await cache.lookup(ask(cache, [], DESCALE))
    assert alone.hit and alone.answer.response == "descaling"
    other_opening = [("user", "Mind if I ask you something?"), ("assistant", "Of course, fire away.")]
    assert (await cache.lookup(ask(cache, other_opening, DESCALE))).hit


def _context(*user: str) -> Context:
    turns: list[tuple[str, str]] = []
    for said in user:
        turns += [("user", said), ("assistant", "Okay.")]
    return Context(tuple(turns))


TOLD_AT_ONCE = _context("My dog is a 6 kg Pomeranian, 9 years old, and I earn 38,000 a year.")
TOLD_SHORT = _context("A Pom.", "About 6 kg, 9 years old.", "I make 38k.")


def test_facts_written_short_are_the_same_facts() -> None:
    assert differs("Can I afford surgery for him?", TOLD_SHORT, TOLD_AT_ONCE, 0.9) is None
    other_salary = _context("A Pom.", "About 6 kg, 9 years old.", "I make 39k.")
    assert "other facts" in (differs("Can I afford surgery for him?", other_salary, TOLD_AT_ONCE, 0.9) or "")
    other_breed = _context("A Poodle.", "About 6 kg, 9 years old.", "I make 38k.")
    assert "other facts" in (differs("Can I afford surgery for him?", other_breed, TOLD_AT_ONCE, 0.9) or "")


def test_an_ordinal_that_says_when_is_no_pick_among_offers() -> None:
    mine = Context((("user", "My sourdough came out flat."), ("assistant", "Your starter may be weak.")))
    theirs = Context((("user", "My sourdough came out flat."), ("assistant", "The starter may be too weak.")))
    assert differs("What should I try first?", mine, theirs, 0.95) is None
    assert differs("What's the first thing to change?", mine, theirs, 0.95) is None
    assert "option by its place" in (differs("I'll go with the second one", mine, theirs, 0.95) or "")


IN_ONE_EDITOR: Turns = [("user", "I'm cutting my vlog in Final Cut Pro."), ("assistant", "Nice.")]
IN_ANOTHER: Turns = [("user", "I'm cutting my vlog in Avid Media Composer."), ("assistant", "Nice.")]
RIPPLE = "What's the shortcut for a ripple delete on the timeline?"


def test_one_sentence_with_its_object_swapped_is_one_slot() -> None:
    assert one_slot("I'm cutting my vlog in Final Cut Pro.", "I'm cutting my vlog in Avid Media Composer.")
    assert one_slot("I cut my vlog with Final Cut.", "I cut my vlog using Final Cut.") is None  # small words only
    assert alone_differs(IN_ANOTHER, IN_ONE_EDITOR) is not None


async def test_a_question_alone_after_another_tool_named_is_not_served(cache: SemanticCache) -> None:
    await cache.store(ask(cache, IN_ONE_EDITOR, RIPPLE), "final cut shortcut")
    assert (await cache.lookup(ask(cache, IN_ONE_EDITOR, RIPPLE))).hit  # the control: the same turns
    assert not (await cache.lookup(ask(cache, IN_ANOTHER, RIPPLE))).hit


FENCE = [("user", "I'm repainting the garden fence this weekend."), ("assistant", "Good weather for it.")]
FENCE_DAMP = [
    ("user", "I'm repainting the garden fence this weekend. The timber is still soaked from the storm."),
    ("assistant", "Good weather for it."),
]
FENCE_ASIDE = [
    ("user", "I'm repainting the garden fence this weekend, I usually put a podcast on for chores."),
    ("assistant", "Good weather for it."),
]
WHICH_PAINT = "Which primer should I buy?"


def test_a_sentence_added_about_the_thing_is_a_fact_an_aside_about_the_asker_is_not() -> None:
    question = WHICH_PAINT
    assert differs(question, Context(tuple(FENCE_DAMP)), Context(tuple(FENCE)), 0.9) is not None
    assert differs(question, Context(tuple(FENCE_ASIDE)), Context(tuple(FENCE)), 0.9) is None


async def test_a_sentence_added_about_the_thing_asked_about_is_not_served(cache: SemanticCache) -> None:
    await cache.store(ask(cache, FENCE, WHICH_PAINT), "primer answer")
    assert (await cache.lookup(ask(cache, FENCE, WHICH_PAINT))).hit  # the control: the same turns
    assert not (await cache.lookup(ask(cache, FENCE_DAMP, WHICH_PAINT))).hit


PICNIC_AT_ONCE = Context(
    (("user", "I'm packing a picnic for my son, who is allergic to sesame."), ("assistant", "Sounds fun."))
)


def test_a_yes_to_the_assistants_question_states_what_it_asked() -> None:
    """Told in short answers, a condition is in the assistant's question and the user's "yes"."""
    asked = [("user", "I'm packing a picnic for my son."), ("assistant", "Sounds fun. Is he allergic to anything?")]
    yes = Context((*asked, ("user", "Yeah, sesame."), ("assistant", "Sounds fun.")))
    no = Context((*asked, ("user", "Nope, he eats everything."), ("assistant", "Sounds fun.")))
    question = "What sandwiches could I make for him?"
    assert differs(question, yes, PICNIC_AT_ONCE, 0.9) is None
    assert "another asker or thing" in (differs(question, no, PICNIC_AT_ONCE, 0.9) or "")
