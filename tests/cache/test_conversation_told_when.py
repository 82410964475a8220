"""What one side's earlier turns add that cannot bear on the answer is let through, and what can still refuses it:
when a told event happens ("this evening at 7pm", "on the 21st") unless the question asks about time, a greeting
whose negation is about the asking ("hope you don't mind me asking") but not one that negates the story ("I don't
drive"), a sentence saying what the thing is for ("It's for a little allotment society site."), and a name said
with a possessive ("my son Alfie's nursery" / "my son's nursery"; another person's, "my neighbour's", is not). Invented
conversations (``data/conversation_told_when.jsonl``, none of the dev sets' words), each ``a`` stored and its ``b``
looked up through the engine on the real embedded Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import SemanticCache, circumstance
from nearhit.evaluation.dataset import Pair, load_jsonl
from nearhit.guards.numbers import quantities
from nearhit.guards.text import analyse
from tests.support.lookups import stored_then_asked

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_told_when.jsonl")


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_what_cannot_bear_on_the_answer_is_served_and_what_can_is_not(cache: SemanticCache, pair: Pair) -> None:
    await stored_then_asked(cache, pair)


@pytest.mark.parametrize(
    ("text", "asked", "told"),
    [
        ("my lesson is tomorrow at 4pm", "What should I bring?", True),
        ("it was delivered at 2:13pm", "Who do I contact?", True),
        ("the interview is at 10 in their Leeds office", "What should I wear?", True),
        ("the party is on the 14th at my flat", "Which games are good?", True),
        ("my lesson is tomorrow at 4pm", "When should I leave?", False),
        ("I get the 7:40 train", "Which ticket should I buy?", False),
        ("we live on the 3rd floor", "How do I get a sofa up?", False),
        ("I'm a tenant at 7 Larch Mews", "Who fixes the boiler?", False),
    ],
)
def test_when_an_event_happens_is_told_and_a_time_naming_a_thing_is_not(text: str, asked: str, told: bool) -> None:
    tokens = analyse(text).tokens
    (quantity,) = quantities(tokens)
    assert circumstance.told(quantity, tokens, asked) is told
