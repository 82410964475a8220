"""Conversations told apart by what happened, and kept together whatever they say on the side: the asker acting
vs acted on, opposite words in a story with the same facts, a time word one side adds, a correction opened with
"sorry", an opening that only announces a topic, a bare follow-up whose subject the assistant named. Invented
conversations (none of the datasets' words), through the engine on the real embedded Redis where the
embedding does not decide the outcome, else on the rule itself."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, constraints, events
from nearhit.cache.conversation import Context, differs, says_nothing, told_as_one, told_with_answer
from tests.support.lookups import Turns, ask


def _context(*user: str) -> Context:
    turns: list[tuple[str, str]] = []
    for said in user:
        turns += [("user", said), ("assistant", "Understood.")]
    return Context(tuple(turns))


@pytest.mark.parametrize(
    ("mine", "theirs"),
    [
        ("I hired a plumber from Leeds for 3 days.", "A plumber from Leeds hired me for 3 days."),
        ("My landlord in Bristol evicted me after 4 years.", "I evicted my tenant in Bristol after 4 years."),
        ("I'm lending 200 pounds to my cousin in Dublin.", "I'm borrowing 200 pounds from my cousin in Dublin."),
        ("I'm selling 2 tickets for the Oslo concert.", "I'm buying 2 tickets for the Oslo concert."),
    ],
)
def test_the_same_facts_with_another_event_are_another_context(mine: str, theirs: str) -> None:
    assert events.differs(mine, theirs) is not None
    reason = differs("What are my rights here?", _context(theirs), _context(mine), 0.95)
    assert "another event" in (reason or "")


@pytest.mark.parametrize(
    ("mine", "theirs"),
    [
        ("I hired a plumber from Leeds for 3 days.", "I took on a Leeds plumber for 3 days."),
        ("We adopted 2 rescue cats in March.", "In March we took in 2 cats from a shelter."),
        ("I like winning but hate losing at chess.", "Chess: I hate to lose."),  # opposite words, no facts
        ("I'm in the US and bought a Ford.", "Bought a Ford, I live in the US."),  # "US" is a name, not "us"
    ],
)
def test_the_same_event_reworded_is_no_other_event(mine: str, theirs: str) -> None:
    assert events.differs(mine, theirs) is None


FENCE = "I'm repainting the cedar fence in my back garden."


def test_a_time_word_one_side_adds_is_no_other_fact_but_another_time_is() -> None:
    question = "Do I need to sand it first?"
    when = _context(FENCE + " Doing it this weekend, finally.")
    assert differs(question, when, _context(FENCE), 0.9) is None
    friday = _context("I'm repainting the cedar fence in my back garden on Friday.")
    sunday = _context("I'm repainting the cedar fence in my back garden on Sunday.")
    assert "other facts" in (differs(question, friday, sunday, 0.9) or "")
    assert "other facts" in (differs(question, _context(FENCE + " It's 3 metres tall."), _context(FENCE), 0.9) or "")


def test_a_correction_opened_with_sorry_is_no_small_talk() -> None:
    payroll = ("user", "I run the payroll for my 4 staff in Xero."), ("assistant", "Okay.")
    corrected = Context((*payroll, ("user", "Sorry, we switched to Sage Cloud last spring.")))
    reason = differs("How do I add a bonus payment?", corrected, Context(payroll), 0.9)
    assert "say something the other's do not" in (reason or "")


@pytest.mark.parametrize(
    ("opening", "empty"),
    [
        ("I have a question about gardening.", True),
        ("I need some help with taxes.", True),
        ("I have a greenhouse.", False),  # about the asker, not the talk
        ("I have a question about my espresso machine.", False),  # two words of topic: something said
    ],
)
def test_an_asker_announcing_a_topic_says_nothing(opening: str, empty: bool) -> None:
    assert says_nothing([("user", opening), ("assistant", "Sure, go ahead.")]) is empty


KNIFE: Turns = [
    ("user", "My kitchen knife is dull and I bought a whetstone."),
    ("assistant", "Great, a whetstone will sharpen the knife well."),
]
SHARPEN = "How do I sharpen a kitchen knife with a whetstone?"


def test_a_bare_follow_up_is_also_told_with_the_assistants_last_turn() -> None:
    told = told_with_answer(Context(tuple(KNIFE)), "How do I do that?")
    assert told is not None and "will sharpen the knife" in told
    assert told_as_one(Context(tuple(KNIFE)), "How do I do that?").count("sharpen") == 0
    assert told_with_answer(Context(tuple(KNIFE)), "Which grit should I start with for a Japanese blade?") is None


async def test_a_bare_follow_up_is_served_the_single_question_the_assistant_named(cache: SemanticCache) -> None:
    await cache.store(ask(cache, [("user", "Quick question."), ("assistant", "Sure.")], SHARPEN), "use 1000 grit")
    result = await cache.lookup(ask(cache, KNIFE, "How do I do that?"))
    assert result.hit and result.answer is not None and result.answer.response == "use 1000 grit"
    assert result.context is not None and "will sharpen the knife" in str(result.context["told_as_one"])


async def test_a_bare_follow_up_after_another_story_is_not_served(cache: SemanticCache) -> None:
    await cache.store(ask(cache, [("user", "Quick question."), ("assistant", "Sure.")], SHARPEN), "use 1000 grit")
    scissors: Turns = [
        ("user", "My kitchen scissors are dull and I bought a whetstone."),
        ("assistant", "A whetstone can sharpen scissors too, at a steeper angle."),
    ]
    assert not (await cache.lookup(ask(cache, scissors, "How do I do that?"))).hit


def test_a_request_to_the_assistant_is_no_part_in_the_story() -> None:
    assert events.differs("I bought 2 Ikea wardrobes.", "Can you tell me about my 2 Ikea wardrobes?") is None
    assert events.differs("I bought 2 Ikea wardrobes.", "Ikea sold me 2 wardrobes.") is not None


async def test_a_story_told_as_one_question_under_the_threshold_is_shown_as_a_candidate(cache: SemanticCache) -> None:
    await cache.store(ask(cache, [("user", "Quick question."), ("assistant", "Sure.")], SHARPEN), "use 1000 grit")
    steel: Turns = [("user", "My kitchen knife feels dull."), ("assistant", "Try a honing steel before each use.")]
    result = await cache.lookup(ask(cache, steel, "How do I do that?"))
    assert not result.hit
    shown = [c for c in result.candidates if c.prompt == SHARPEN]
    assert shown and all(c.outcome == "below_threshold" and "told as one" in (c.reason or "") for c in shown)


def test_a_sentence_about_the_asker_written_with_a_contraction_is_an_aside() -> None:
    """ "I'm a pilot, so I'm away a lot." is about the asker as "I am" is; "The soil there is pure clay." is a
    fact about the thing asked about."""
    plain = Context((("user", "I just planted a lemon tree."), ("assistant", "Lovely, they like sun.")))
    aside = Context((("user", "I just planted a lemon tree. I'm a pilot, so I'm away a lot."), plain.turns[1]))
    soil = Context((("user", "I just planted a lemon tree. The soil there is pure clay."), plain.turns[1]))
    assert differs("How often should I feed it?", aside, plain, 0.9) is None
    assert differs("How often should I feed it?", soil, plain, 0.9) is not None


def test_a_word_inside_a_longer_phrase_of_one_alternative_is_no_condition() -> None:
    """ "renting a car" names a car rental; "renting" alone (a flat, a house) is the asker's housing."""
    assert constraints.conditions_of("We're renting a car for the road trip around Crete.") == frozenset()
    assert constraints.conditions_of("We're renting a flat in Crete.") == frozenset({"housing"})
    car = "I'm renting a car in Crete for a week."
    assert constraints.differ(car, "Next week I'll rent a car in Crete.") is None
    assert constraints.differ(car, "I'm renting a house in Crete for a week.") is not None
