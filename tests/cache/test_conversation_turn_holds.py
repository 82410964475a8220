"""A turn one side says alone that tells what the asker holds or is on (:func:`nearhit.cache.clause.turn_holds`: a
plan, a product, an income, a medication taken) is no chatter to the turn-by-turn second chance, though it is short
and names no condition: the answer for the asker depends on it. A question, what the asker has to ask, or an event
("I got the job") holds nothing. Invented conversations, other words than the dev sets'. Real Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, clause, turns
from nearhit.cache.conversation import Context
from tests.support.lookups import Turns, ask

STORY: Turns = [
    ("user", "I'm a freelance illustrator and I file my own self assessment every January."),
    ("assistant", "OK."),
]
HOLDS: Turns = [
    ("user", "This spring we started using a joint savings pot through our bank."),
    ("assistant", "Got it."),
]
SAVE = "How much can I put aside each month without paying any tax on the interest?"


async def test_a_turn_telling_what_the_asker_holds_is_no_chatter(cache: SemanticCache) -> None:
    await cache.store(ask(cache, STORY, SAVE), "up to your allowance")
    result = await cache.lookup(ask(cache, STORY + HOLDS, SAVE))
    assert not result.hit, result.context
    # The turn is kept in every reading the second chance may make: none can serve, so it embeds nothing.
    readings = turns.readings(Context(tuple(STORY + HOLDS)), Context(tuple(STORY)), SAVE, 16)
    assert readings and all(HOLDS[0] in mine.turns for mine, _ in readings)
    assert "turn_by_turn" not in result.timings_ms and "embed_ahead" not in result.timings_ms


@pytest.mark.parametrize(
    ("turn", "held"),
    [
        ("Last autumn I started taking a small pension from an old employer.", "i started taking"),
        ("we're on the family plan", "we're on"),
        ("Morning! I've got some leftover paint from the hallway.", "i've got"),
    ],
)
def test_what_the_asker_holds(turn: str, held: str) -> None:
    assert clause.turn_holds(turn, "what can I do with it?") == held


@pytest.mark.parametrize(
    ("turn", "question"),
    [
        ("omg I got the job!!!", "how should I word the email?"),  # an event, not a holding
        ("I have a quick question", "how do I reset my password?"),  # the talk
        ("can we take snacks through security", "how many bags can we take?"),  # asked, not told
        ("I used to live there", "where should I stay?"),
        ("we're on the family plan", "how many screens does the basic plan allow?"),  # the question not the asker's
    ],
)
def test_what_holds_nothing(turn: str, question: str) -> None:
    assert clause.turn_holds(turn, question) is None
