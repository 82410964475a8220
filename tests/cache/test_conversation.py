"""The rules that say whether two conversations' earlier turns are the same context (no Redis, no embedder)."""

from __future__ import annotations

import numpy as np
import pytest

from nearhit.cache.context_match import vector_of, vector_text
from nearhit.cache.conversation import (
    Context,
    context_of,
    differs,
    differs_from_one,
    other_referent,
    split_statements,
    standalone,
    states_more,
    told_as_one,
)

FLIXORA = Context(
    (
        ("user", "I have a Flixora Standard subscription that I barely use."),
        ("assistant", "Your Flixora Standard plan renews on the 14th at £10.99. Would you like to cancel?"),
    )
)


@pytest.mark.parametrize(
    ("question", "alone"),
    [
        ("Do you deliver on Sundays?", True),
        ("Is PulseFit open on Christmas Day?", True),
        ("cancel it", False),
        ("How do I cancel it?", False),
        ("can I bring my dog?", False),  # about the asker: their situation was told before
        ("so what will I pay a month?", False),
        ("book the first slot", False),
    ],
)
def test_a_question_stands_alone_when_nothing_points_back(question: str, alone: bool) -> None:
    assert standalone(question) is alone


def test_tool_turns_and_standalone_questions_have_no_context() -> None:
    assert context_of([], "cancel it") is None
    assert context_of(FLIXORA.turns, "Do you deliver on Sundays?") is None
    assert context_of([("user", "x"), ("tool", "{}")], "cancel it") is None
    assert context_of(FLIXORA.turns, "cancel it") == FLIXORA


def user(
    text: str, assistant: str = "Your Flixora Standard plan renews on the 14th at £10.99. Would you like to cancel?"
) -> Context:
    return Context((("user", text), ("assistant", assistant)))


@pytest.mark.parametrize(
    ("other", "similarity", "reason"),
    [
        (FLIXORA, 0.5, "about something else"),
        (user("I have a Flixora Standard subscription that I barely use, £12 a month."), 0.95, "other facts"),
        (user("I have a Flixora Premium subscription that I barely use."), 0.95, "other facts"),
        (
            user("I have a Flixora Standard subscription that I barely use. I pay through Kestrel."),
            0.9,
            "the user's turns",
        ),
        (
            user(
                "I have a Flixora Standard subscription that I barely use.",
                "Your Flixora Standard plan renews on the 15th at £10.99. Would you like to cancel?",
            ),
            0.99,
            "a detail",
        ),
    ],
)
def test_a_changed_context_is_named(other: Context, similarity: float, reason: str) -> None:
    found = differs("how do I cancel it?", other, FLIXORA, similarity)
    assert found is not None and reason in found


def test_small_talk_and_the_same_turns_are_the_same_context() -> None:
    assert differs("cancel it", FLIXORA, FLIXORA, 1.0) is None
    chatty = user("Hi there, hope you're well! I have a Flixora Standard subscription that I barely use.")
    assert differs("cancel it", chatty, FLIXORA, 0.9) is None


def test_a_reply_needs_the_same_offer_and_an_ordinal_the_same_order() -> None:
    other_offer = user(FLIXORA.turns[0][1], "Shall I switch you to annual billing instead?")
    assert differs("yes please", other_offer, FLIXORA, 0.85) is not None
    first = Context((("user", "Two flights?"), ("assistant", "1) 07:10 direct, £142; 2) 06:40 via Amsterdam, £98.")))
    swapped = Context((("user", "Two flights?"), ("assistant", "1) 06:40 via Amsterdam, £98; 2) 07:10 direct, £142.")))
    assert differs("the first one", swapped, first, 0.99) is not None


def test_the_stored_vector_reads_back_and_a_bad_one_is_none() -> None:
    vector = np.array([0.5, 0.5, 0.5, 0.5], dtype=np.float32)
    assert np.array_equal(vector_of(vector_text(vector), 4), vector)  # type: ignore[arg-type]
    assert vector_of(vector_text(vector), 8) is None
    assert vector_of("not base64!", 4) is None
    # Another client's edit: infinities made a dot product of inf ("the same context"), a long vector one over 1.
    for edited in ([np.inf, 0, 0, 0], [np.nan, 0, 0, 0], [3.0, 3.0, 3.0, 3.0], [0.0, 0.0, 0.0, 0.0]):
        assert vector_of(vector_text(np.array(edited, dtype=np.float32)), 4) is None, edited
    assert Context.from_json(FLIXORA.to_json()) == FLIXORA
    assert Context.from_json("") is None and Context.from_json("[1, 2]") is None


def test_things_named_twice_that_trade_places_differ_a_reordered_sentence_does_not() -> None:
    shoes = user("I bought shoes and a jacket. The shoes don't fit, the jacket is perfect.", "Glad one worked out.")
    jacket = user("I bought shoes and a jacket. The jacket doesn't fit, the shoes are perfect.", "Glad one worked out.")
    found = differs("how do I return it?", jacket, shoes, 0.98)
    assert found is not None and "another order" in found
    reordered = user("I barely use my Flixora Standard subscription.")
    assert differs("how do I cancel it?", reordered, FLIXORA, 0.9) is None


FLIXORA_TURN = FLIXORA.turns[0][1]


def test_an_aside_inside_a_turn_is_the_same_context() -> None:
    aside = user(f"{FLIXORA_TURN} I mostly watch it on the train to work.")
    assert differs("how do I cancel it?", aside, FLIXORA, 0.9) is None
    assert differs("how do I cancel it?", FLIXORA, aside, 0.9) is None  # either side may have it


@pytest.mark.parametrize(
    "added",
    [
        "It isn't in my name.",  # a negation
        "I'm on the student discount.",  # a constraint word
        "I got it through my Kestrel bundle.",  # a name
        "I also want to cancel my gym.",  # a word of the question's
    ],
)
def test_an_added_phrase_that_may_bear_on_the_question_is_a_change(added: str) -> None:
    found = differs("how do I cancel it?", user(f"{FLIXORA_TURN} {added}"), FLIXORA, 0.9)
    # The student discount is a condition of the asker's (data/constraints.json): refused before the words.
    assert found is not None and ("the user's turns" in found or "another asker" in found)


def test_an_aside_as_a_turn_of_its_own_is_a_change() -> None:
    """A new turn is a new request (a topic shift), not a detail of the old one."""
    extra = Context((*FLIXORA.turns, ("user", "I mostly watch it on the train to work."), ("assistant", "Nice.")))
    found = differs("how do I cancel it?", extra, FLIXORA, 0.9)
    assert found is not None and "the user's turns" in found


SINGLE = "I have a Vireo Plus phone plan and I'm travelling to Portugal next week. Will I pay roaming charges there?"


def told(first: str, second: str = "My phone plan is Vireo Plus.") -> str:
    turns = (("user", first), ("assistant", "Nice! How can I help?"), ("user", second), ("assistant", "Got it."))
    return told_as_one(Context(turns), "Will I pay roaming charges there?")


def test_a_conversation_told_as_one_question_is_its_user_turns_then_the_question() -> None:
    assert told("I'm travelling to Portugal next week.") == (
        "I'm travelling to Portugal next week.\nMy phone plan is Vireo Plus.\nWill I pay roaming charges there?"
    )
    assert differs_from_one(told("I'm travelling to Portugal next week."), SINGLE) is None


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        ("I'm travelling to Spain next week.", "My phone plan is Vireo Plus.", "other facts"),
        ("I'm travelling to Portugal in 3 weeks.", "My phone plan is Vireo Plus.", "other facts"),
        ("I'm travelling to Portugal next week.", "My phone plan is Vireo Plus, the student one.", "'student'"),
        ("I'm travelling to Portugal next week.", "My phone plan isn't Vireo Plus.", "'not'"),
        ("I'm travelling to Portugal next week.", "My data plan is Vireo Plus.", "exchanged"),
    ],
)
def test_a_conversation_told_as_one_question_with_another_fact_or_constraint_differs(
    first: str, second: str, reason: str
) -> None:
    found = differs_from_one(told(first, second), SINGLE)
    assert found is not None and reason in found


@pytest.mark.parametrize(
    ("mine", "theirs", "more"),
    [
        ("What's the monthly price for it?", "How much does it cost per month?", False),
        ("Actually it's the £17.99 plan. How much is it a month?", "How much is it a month?", True),
        ("Sorry, I meant Windows. What is it?", "What is it?", True),
        ("Is it non-refundable?", "Is it refundable?", True),
        ("Can I take it if I'm pregnant?", "Can I take it?", True),
        # An alternative asked for after the same turns, not a correction of them.
        ("What could I use instead?", "Is there a substitute I could use?", False),
        ("Can I get a blank cell rather than the error?", "How do I make it show an empty cell?", False),
        ("Sorry, it's oat milk instead, not cow's milk. Can I use it?", "Can I use it?", True),
    ],
)
def test_a_follow_up_states_more_with_a_new_fact_a_correction_or_a_constraint(
    mine: str, theirs: str, more: bool
) -> None:
    assert (states_more(mine, theirs) is not None) is more
    assert (states_more(theirs, mine) is not None) is more


def test_a_story_told_as_one_question_that_says_instead_still_states_more() -> None:
    """Told as one question, "instead" may amend the story ("We'll take the train instead."), so it still counts."""
    assert states_more("We'll take the train instead. How long is it?", "How long is it?", told=True) is not None


@pytest.mark.parametrize(
    ("message", "statements", "question"),
    [
        (
            "On adobe.com, four months ago. How much will it cost me to cancel?",
            "On adobe.com, four months ago.",
            "How much will it cost me to cancel?",
        ),
        (
            "It's good. I want to raise it gently. How should I phrase it?",
            "It's good. I want to raise it gently.",
            "How should I phrase it?",
        ),
        (
            "Two, without replacement. What's the chance? Both red?",
            "Two, without replacement.",
            "What's the chance? Both red?",
        ),
        ("How much will it cost me to cancel?", "", "How much will it cost me to cancel?"),
        ("It was 40 days ago; can I still return it?", "", "It was 40 days ago; can I still return it?"),
        ("I bought it four months ago.", "", "I bought it four months ago."),
        ("Is it worth it? I barely use it.", "", "Is it worth it? I barely use it."),
    ],
)
def test_a_last_message_splits_into_its_statements_and_the_question_after_them(
    message: str, statements: str, question: str
) -> None:
    assert split_statements(message) == (statements, question)


@pytest.mark.parametrize(
    ("message", "statements", "question"),
    [
        ("Can I fit it myself? We live in Perth.", "We live in Perth.", "Can I fit it myself?"),
        ("I rent. Can I fit it myself? The lease is strict.", "I rent. The lease is strict.", "Can I fit it myself?"),
        ("Which lens should I buy? 🙏", "🙏", "Which lens should I buy?"),
        ("How much will it cost me to cancel?", "", "How much will it cost me to cancel?"),
        ("I bought it four months ago.", "", "I bought it four months ago."),
    ],
)
def test_after_the_question_a_last_message_s_statements_are_the_story_s_too(
    message: str, statements: str, question: str
) -> None:
    """A condition said after the question ("We live in Perth.") is lifted with those before it."""
    assert split_statements(message, after=True) == (statements, question)


@pytest.mark.parametrize(
    ("mine", "theirs", "other"),
    [
        ("What would it cost for her?", "What would it cost for him?", True),
        ("Can they join?", "Can it join?", True),
        ("What's the answer to (a)?", "What's the answer to (b)?", True),
        ("How do I do part a?", "How do I do part b?", True),
        ("How do I cancel it?", "How do I cancel the plan?", False),
        ("What would it cost for her?", "What would her policy cost?", False),
        ("What's the answer to (a)?", "What is (a)?", False),
    ],
)
def test_a_follow_up_pointing_at_another_person_or_label_is_named(mine: str, theirs: str, other: bool) -> None:
    assert (other_referent(mine, theirs) is not None) is other


def test_a_question_with_a_label_leans_on_the_turns_before_it() -> None:
    assert not standalone("What's the answer to (b)?")
    assert standalone("What's the answer to life and everything?")
