"""A number one side's earlier turns add is a circumstance when it tells a time already passed or an occasion and the
last question does not ask about time ("been there six years", "since 2017", "my mum's 60th birthday"): such a pair
is served. A time ahead ("a deposit in about 9 months"), a time passed that a deadline question turns on, or a
measure ("34 degrees") still refuses it. Invented conversations (``data/conversation_circumstance.jsonl``, none of the
dev sets' words), each ``a`` stored and its ``b`` looked up through the engine on the real embedded Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import SemanticCache, circumstance
from nearhit.evaluation.dataset import Pair, load_jsonl
from nearhit.guards.numbers import quantities
from nearhit.guards.text import analyse
from tests.support.lookups import stored_then_asked

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_circumstance.jsonl")


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_a_circumstance_added_is_served_and_a_constraint_is_not(cache: SemanticCache, pair: Pair) -> None:
    await stored_then_asked(cache, pair)


@pytest.mark.parametrize(
    ("text", "asked", "told"),
    [
        ("I've had it for 3 years", "How do I clean it?", True),
        ("we fell out 2 weeks ago", "What should I say to her?", True),
        ("we fell out 2 weeks ago", "Is it too late to apologise?", False),
        ("I've had it for four months", "How much will it cost me to cancel?", False),
        ("we move abroad in 2 years", "Which account should I open?", False),
        ("it's a 2019 model", "How do I reset it?", False),
        ("for her 18th birthday", "What should I get her?", True),
        ("I'm 34", "How do I reset it?", False),
        ("a toy for a 6 year old", "What should I get?", False),
    ],
)
def test_a_time_passed_or_an_occasion_is_told_and_other_numbers_are_not(text: str, asked: str, told: bool) -> None:
    tokens = analyse(text).tokens
    (quantity,) = quantities(tokens)
    assert circumstance.told(quantity, tokens, asked) is told
