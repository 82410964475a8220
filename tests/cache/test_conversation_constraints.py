"""Conversations whose earlier turns are reworded *and* changed: a condition of the asker added, or one of two
exclusive things swapped (``data/constraints.json``), and a question that names with "the" what the assistant
just spoke of. Invented conversations, through the engine on the real embedded Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, constraints
from nearhit.cache import conversation as conversation_module
from tests.support.lookups import Turns, ask


@pytest.mark.parametrize(
    ("mine", "theirs", "reason"),
    [
        ("I have a sore throat.", "I have a sore throat and I'm breastfeeding.", "'pregnancy'"),
        ("I want to learn to sail.", "I'm a retiree and want to learn sailing.", "'older age'"),
        ("Installing the printer on Windows 11.", "Installing the printer on my MacBook.", "'windows' vs 'mac'"),
        ("I booked a flight to Porto.", "I booked a hotel in Porto.", "'flight' vs 'hotel'"),
        # a condition told by its mark or a medicine by its generic name's stem (ca42)
        ("I'm off to Paris with my dog.", "I'm off to Paris with my guide dog, I'm visually impaired.", "'disability'"),
        ("Taking mum to the dentist.", "Taking mum to the dentist, she has a Blue Badge.", "'disability'"),
        ("I have a spare room in my flat.", "I have a spare room in my housing association flat.", "'housing'"),
        ("I get back pain.", "I get back pain and take naproxen and amlodipine.", "'medication'"),
    ],
)
def test_a_condition_on_one_side_or_another_alternative_differs(mine: str, theirs: str, reason: str) -> None:
    found = constraints.differ(mine, theirs)
    assert found is not None and reason in found


@pytest.mark.parametrize(
    ("mine", "theirs"),
    [
        ("I have a sore throat.", "My throat has been sore since Monday."),
        ("I'm pregnant and have a cold.", "I have a cold; I'm 20 weeks pregnant."),
        ("My train was cancelled.", "They cancelled my train, the 8:15."),
        ("Feel free to be brief.", "I just want it short."),  # "free" alone names no plan
    ],
)
def test_the_same_conditions_and_alternatives_in_other_words_do_not(mine: str, theirs: str) -> None:
    assert constraints.differ(mine, theirs) is None


CACHED: Turns = [
    ("user", "I've come down with a nasty cold and my nose is totally blocked."),
    ("assistant", "Sorry to hear that. Blocked noses are the worst part of a cold; steam and saline spray help."),
]
REWORDED: Turns = [
    ("user", "My nose is completely blocked, I caught a bad cold."),
    ("assistant", "That sounds miserable. Steam and a saline spray can ease a blocked nose during a cold."),
]
WITH_A_CONDITION: Turns = [
    ("user", "My nose is completely blocked, I caught a bad cold. Also, I have asthma."),
    ("assistant", "That sounds miserable. Steam and a saline spray can ease a blocked nose during a cold."),
]
DECONGESTANT = "Can I take a decongestant for it?"


async def test_a_reworded_history_with_an_added_condition_is_not_served(cache: SemanticCache) -> None:
    await cache.store(ask(cache, CACHED, DECONGESTANT), "decongestant answer")
    reworded = await cache.lookup(ask(cache, REWORDED, DECONGESTANT))
    assert reworded.hit and reworded.answer.response == "decongestant answer"  # the control: the same story reworded
    added = await cache.lookup(ask(cache, WITH_A_CONDITION, DECONGESTANT))
    assert not added.hit
    reasons = [c.reason or "" for c in added.candidates if c.guard == "context"]
    assert any("'breathing'" in reason for reason in reasons), reasons


REFUND_PROMISED: Turns = [
    ("user", "You charged me twice for my March delivery box."),
    ("assistant", "Sorry about that. I've cancelled the duplicate charge and sent the refund of £34.50 to your card."),
]
REFUND_UNRELATED: Turns = [
    ("user", "You charged me twice for my gym membership this month."),
    ("assistant", "Sorry about that, I've raised a ticket with the billing team and they will refund you."),
]
UNRELATED: Turns = [("user", "Is the app down?"), ("assistant", "Not at the moment; try logging in again.")]
HOW_LONG = "How long will the refund take?"


def test_a_question_naming_what_the_assistant_just_spoke_of_leans_on_it() -> None:
    assert not conversation_module.standalone(HOW_LONG, REFUND_PROMISED)
    assert conversation_module.standalone(HOW_LONG, UNRELATED)
    assert conversation_module.standalone(HOW_LONG)


async def test_the_refund_just_spoken_of_is_not_another_conversations_refund(cache: SemanticCache) -> None:
    await cache.store(ask(cache, REFUND_UNRELATED, HOW_LONG), "gym refund answer")
    assert not (await cache.lookup(ask(cache, REFUND_PROMISED, HOW_LONG))).hit
    # After turns that speak of no refund, the question stands alone as before: the single question answers.
    await cache.store(ask(cache, [], HOW_LONG), "refunds in general")
    alone = await cache.lookup(ask(cache, UNRELATED, HOW_LONG))
    assert alone.hit and alone.answer.response == "refunds in general"


def test_a_condition_told_over_turns_is_not_a_single_question_without_it() -> None:
    told = conversation_module.told_as_one(
        conversation_module.Context((("user", "I get migraines."), ("assistant", "Sorry to hear that."))),
        "Can I take ibuprofen every day?",
    )
    found = conversation_module.differs_from_one(told, "Can I take ibuprofen every day?")
    assert found is not None and "'other medical'" in found


BOOKED_A_HOTEL: Turns = [
    ("user", "I booked a hotel in Lisbon for next weekend through Tripzen and now I can't go."),
    ("assistant", "Sorry your plans changed. The cancellation terms depend on the booking you chose."),
]
BOOKED_A_FLIGHT_REWORDED: Turns = [
    ("user", "Next weekend's Lisbon flight, booked through Tripzen: turns out I can't go now."),
    ("assistant", "Sorry your plans changed. The cancellation terms depend on the booking you chose."),
]
CANCEL = "How do I cancel it?"


async def test_a_reworded_history_about_another_kind_of_booking_is_not_served(cache: SemanticCache) -> None:
    await cache.store(ask(cache, BOOKED_A_HOTEL, CANCEL), "hotel cancellation")
    result = await cache.lookup(ask(cache, BOOKED_A_FLIGHT_REWORDED, CANCEL))
    assert not result.hit
    reasons = [c.reason or "" for c in result.candidates if c.guard == "context"]
    assert any("another trip booking" in reason for reason in reasons), reasons


@pytest.mark.parametrize(
    ("turn", "condition"),
    [
        ("I'm on warfarin for atrial fibrillation.", "heart and blood pressure"),
        ("had a root canal finished this morning", "medical procedure"),
        ("just had my wisdom teeth out", "medical procedure"),
    ],
)
def test_a_short_turn_naming_a_condition_of_the_asker_s_body_is_no_chatter(turn: str, condition: str) -> None:
    """A medication or a procedure is a fact of the asker's, not chatter, however short: "root canal" is a
    procedure, not the "root" of admin rights."""
    assert constraints.conditions_of(turn) == {condition}
    assert constraints.about_health(turn)
    assert not conversation_module.fact_free(turn)


def test_a_short_turn_naming_another_condition_is_still_chatter() -> None:
    """Only the body's conditions: "Hello! Quick mortgage question" before "what's an offset mortgage?" stays
    chatter (a housing word, measured on dev: nhc5-chatter-008)."""
    assert conversation_module.fact_free("Hello! Quick mortgage question")
    assert not constraints.about_health("Hello! Quick mortgage question")


async def test_a_reworded_history_with_a_procedure_added_is_not_served(cache: SemanticCache) -> None:
    """ "Had a root canal this morning." added to the reworded story, through the engine: a procedure, no longer
    the "root" of admin rights that the other side did not name either."""
    await cache.store(ask(cache, CACHED, DECONGESTANT), "decongestant answer")
    added = await cache.lookup(
        ask(cache, [(REWORDED[0][0], f"{REWORDED[0][1]} Had a root canal this morning."), REWORDED[1]], DECONGESTANT)
    )
    assert not added.hit
    assert "medical procedure" in (added.rejection_reason or "")
