"""Paraphrases the guards read as look-alikes, fixed by their structure: a number or a "can't" told only as
context, a name written as one word or two, a negation said by a verb ("stop it biting", "without losing"),
a phrase moved with its preposition, a long word mistyped. Each rule passes a rewording and still rejects
the look-alike beside it. Invented pairs, in other words than the evaluation pairs that showed the cause."""

from __future__ import annotations

import pytest

from nearhit.guards import DirectionGuard, EntityGuard, GuardSet, NegationGuard, NumberGuard
from nearhit.guards.clauses import split_question
from nearhit.guards.entities import _slipped
from nearhit.guards.stemming import stem
from nearhit.guards.text import analyse


@pytest.mark.parametrize(
    ("told", "plain"),
    [
        (  # a weekday told so is no date that differs at all (test_told_day.py)
            "We moved into the flat in 2021 and the radiators are cold at the top. How do I bleed a radiator?",
            "How do I bleed a radiator?",
        ),
        (
            "I've been learning the guitar for six months and my fingertips still hurt. How do I build calluses?",
            "How do I build guitar calluses?",
        ),
        (
            "My sister got married last June and I never sent a card. What should I write in a belated wedding card?",
            "What should I write in a late wedding card?",
        ),
    ],
)
def test_a_number_told_as_context_against_a_question_with_no_number_is_not_a_changed_slot(
    told: str, plain: str
) -> None:
    for query, candidate in ((told, plain), (plain, told)):
        found = NumberGuard().signal(query, candidate)
        assert found is not None and found.strength < NumberGuard().cut
        assert found.reason.endswith("(the other asks with no number) (in backstory only)")


@pytest.mark.parametrize(
    ("told", "plain"),
    [
        # Both sides tell a number: a value changed in shared context.
        ("I've had a sore throat for 3 weeks. Should I see a GP?", "I've had a sore throat for 2 days. Should I go?"),
    ],
)
def test_a_number_in_a_slot_of_both_sides_still_counts(told: str, plain: str) -> None:
    found = NumberGuard().signal(told, plain)
    assert found is not None and found.strength >= NumberGuard().cut


@pytest.mark.parametrize(
    ("told", "plain"),
    [
        (
            "Our dishwasher is a Bosch, we got it in 2017. It leaves a white film on glasses. What causes that?",
            "Our dishwasher is a Bosch. It leaves a white film on glasses. What causes that?",
        ),
        (
            "I'm writing a Go service, it replaces 3 old scripts. How do I read an environment variable?",
            "I'm writing a Go service. How do I read an environment variable?",
        ),
    ],
)
def test_a_number_both_backstories_leave_but_one_adds_as_an_aside_is_context(told: str, plain: str) -> None:
    """Both sides tell a backstory; one adds a number or a date in a part that says no word of the question:
    a detail added to the story, not a value changed."""
    for query, candidate in ((told, plain), (plain, told)):
        found = NumberGuard().signal(query, candidate)
        assert found is not None and found.strength < NumberGuard().cut, found


@pytest.mark.parametrize(
    ("told", "plain"),
    [
        # The part holding the number says a word of the question: it may be what is asked about.
        (
            "I'm planning a trip, the flight is 9 hours long. How do I avoid jet lag on a long flight?",
            "I'm planning a trip. How do I avoid jet lag on a long flight?",
        ),
        # An age is a condition, however it is told.
        (
            "I have a bad cough, I'm 70. Which cough medicine is safe?",
            "I have a bad cough. Which cough medicine is safe?",
        ),
    ],
)
def test_a_number_added_in_a_part_touching_the_question_or_an_age_still_counts(told: str, plain: str) -> None:
    found = NumberGuard().signal(told, plain)
    assert found is not None and found.strength >= NumberGuard().cut, found


@pytest.mark.parametrize(
    ("told", "plain"),
    [
        (
            "The garage quoted me 380 euros on Monday. How much should a clutch replacement cost?",
            "How much should a clutch replacement cost?",
        ),
        ("It's the 12-seat minibus, fine. When is the rental due back?", "When is the rental due back?"),
        ("Ok so it's the 45 minute class. How long is the yoga session?", "How long is the yoga session?"),
    ],
)
def test_a_number_told_beside_a_question_asking_an_amount_is_never_context(told: str, plain: str) -> None:
    """The number may be the very amount asked ("it's the £17.99 plan; how much is it?"): never context, so
    the quiet band does not serve the pair."""
    for query, candidate in ((told, plain), (plain, told)):
        found = NumberGuard().signal(query, candidate)
        assert found is not None and not found.context, found
    assert not GuardSet.default().quiet(told, plain)


def test_an_age_told_as_context_is_still_a_condition() -> None:
    """Not a vetoing signal (the backstory shares no word with the other question), but never context."""
    told, plain = "My son is four and he has a cold. Which cough syrup is safe?", "Which cough syrup is safe?"
    found = NumberGuard().signal(told, plain)
    assert found is not None and not found.context
    assert not GuardSet.default().quiet(
        "I'm 17 and I just got my first job. Can I open a savings account?", "Can I open a savings account?"
    )


def test_context_only_one_side_tells_leaves_the_pair_quiet_unless_it_names_a_condition_or_a_country() -> None:
    guards = GuardSet.default()
    story = "We bought the sofa three weeks ago and the cat clawed it. How do I repair scratches on a leather sofa?"
    assert guards.quiet(story, "How do I repair scratches on a leather sofa?")
    assert not guards.quiet("I'm vegan. What should I eat before a long run?", "What should I eat before a long run?")
    assert not guards.quiet("I live in Canada. Do I need a visa for Japan?", "Do I need a visa for Japan?")
    # A look-alike still trips a guard in its question clause.
    assert not guards.quiet(story, "How do I repair scratches on a wooden table?")


@pytest.mark.parametrize(
    ("split", "one"),
    [
        ("How do I pair my headphones over Blue-Tooth?", "how do i pair my headphones over bluetooth"),
        ("Can I take a Santander Cycle on the Tube?", "can i take a santandercycle on the tube"),
        ("How do I reset my X-Box controller?", "how do i reset my xbox controller"),
    ],
)
def test_a_name_split_by_a_hyphen_or_a_space_is_the_word_written_as_one(split: str, one: str) -> None:
    assert EntityGuard().check(split, one) is None
    assert EntityGuard().check(one, split) is None


def test_a_name_written_as_one_word_is_still_not_another_name() -> None:
    assert EntityGuard().check("How do I reset my X-Box controller?", "how do i reset my playstation controller")


@pytest.mark.parametrize(
    ("verb", "written"),
    [
        ("How do I stop my cat scratching the sofa?", "How do I get my cat to not scratch the sofa?"),
        ("What prevents ice from sinking in water?", "Why doesn't ice sink in water?"),
        ("Can I wipe my laptop but keep my documents?", "Can I wipe my laptop without losing my documents?"),
        ("How do I repaint a door but keep the hinges?", "How do I repaint a door without removing the hinges?"),
    ],
)
def test_a_negation_said_by_a_verb_matches_one_written_out(verb: str, written: str) -> None:
    assert NegationGuard().check(verb, written) is None
    assert NegationGuard().check(written, verb) is None


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Can I wipe my laptop and lose my documents?", "Can I wipe my laptop without losing my documents?"),
        ("How do I get my cat to scratch the post?", "How do I get my cat to not scratch the post?"),
        ("How do I keep my laptop running with the lid shut?", "Why is my laptop not running with the lid shut?"),
    ],
)
def test_a_negation_the_verb_does_not_say_still_differs(one: str, other: str) -> None:
    assert NegationGuard().check(one, other) is not None


def test_a_phrase_moved_with_its_preposition_keeps_its_role_past_an_article() -> None:
    assert (
        DirectionGuard().check(
            "In a pinch, how do I sharpen a knife with a mug?", "With a mug, how do I sharpen a knife in a pinch?"
        )
        is None
    )
    assert DirectionGuard().check(
        "How do I move money from my savings account to my current account?",
        "How do I move money from my current account to my savings account?",
    )


@pytest.mark.parametrize(
    ("typed", "meant", "same"),
    [
        ("recieving", "receiving", True),  # two inner letters swapped
        ("calenderr", "calender", True),  # a letter doubled
        ("adress", "address", True),  # a letter undoubled
        ("braking", "barking", False),  # two English words
        ("lender", "slender", False),  # a letter added, not doubled
        ("trial", "trail", False),  # too short to tell
    ],
)
def test_a_long_word_mistyped_is_that_word(typed: str, meant: str, same: bool) -> None:
    assert _slipped(stem(typed), analyse(typed), analyse(meant)) is same


def test_the_entity_guard_reads_a_long_word_mistyped_as_that_word() -> None:
    assert EntityGuard().check("How can I improve my fitnses?", "How can I improve my fitness?") is None
    assert EntityGuard().check("How can I improve my fitness?", "How can I improve my fitnses?") is None


def test_a_decimal_point_ends_no_sentence() -> None:
    """ "Node 18.2" is one question with no backstory, so its number is compared in the question clause."""
    assert split_question("What is new in Node 18.2?").backstory == ""
    found = NumberGuard().signal("What is new in Node 18.2?", "What is coming in the next Node release?")
    assert found is not None and found.strength >= NumberGuard().cut


@pytest.mark.parametrize(
    ("told", "plain"),
    [
        (  # a sentence of its own only one side tells
            "Our choir sings in a draughty old chapel every Thursday. My voice goes hoarse after an hour. How do I "
            "rest it between songs?",
            "My voice goes hoarse after an hour. How do I rest it between songs?",
        ),
        (  # a part added to a sentence both tell, with no subject of its own
            "I rent a van for the move, booked through a friend of Marta's. Do I need extra insurance?",
            "I rent a van for the move. Do I need extra insurance?",
        ),
    ],
)
def test_an_aside_one_side_adds_to_a_shared_backstory_is_context(told: str, plain: str) -> None:
    """Both sides tell a backstory, and the difference is a part only one side tells, with no counterpart on the
    other side: an aside, not a changed slot, so it vetoes nothing."""
    guard = EntityGuard()
    for query, candidate in ((told, plain), (plain, told)):
        found = guard.signal(query, candidate)
        assert found is None or not found.vetoes(guard.cut, None), found


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (  # a slot changed in a part both tell
            "The rash is on my left arm. Should I see a doctor?",
            "The rash is on my right leg. Should I see a doctor?",
        ),
        (  # one part told in place of another: both sides differ
            "Yes, the landlord fixed the boiler. Can I still claim for the cold weeks?",
            "Yes, an electrician rewired the flat. Can I still claim for the cold weeks?",
        ),
        (  # one more fact joined by "and" to a part both tell: a constraint
            "I strained my wrist lifting boxes, and I'm on blood thinners. Can I take aspirin for it?",
            "I strained my wrist lifting boxes. Can I take aspirin for it?",
        ),
    ],
)
def test_a_backstory_changed_in_shared_context_still_vetoes(one: str, other: str) -> None:
    guard = EntityGuard()
    found = guard.signal(one, other)
    assert found is not None and found.vetoes(guard.cut, None)
