"""``benchmarks/answer_rests_on.py``: the engine's reading (:mod:`nearhit.cache.answer_rests_on`), pair by pair. A
stored answer that takes up what its turns say more is read as resting on it; one that names what only the asking
turns say, as naming another case; a name the answer does not take up, a placeholder, an empty or a tool-call answer
give no signal."""

from __future__ import annotations

from types import ModuleType

import pytest

from nearhit.cache import stored_answer
from nearhit.cache.conversation import Context
from nearhit.llm.base import ToolCall
from tests.support.benchmarks import load_script

HEDGEHOG = "I really want to get an African pygmy hedgehog"
PLAIN = Context((("user", f"{HEDGEHOG}."), ("assistant", "They can make lovely pets.")))
IN_LA = Context((("user", f"{HEDGEHOG}, I live in Los Angeles."), ("assistant", "They can make lovely pets.")))
BUY = "Where can I buy one?"
FOR_LA = "You can't legally keep one in Los Angeles: they are restricted wild animals in California."
ANYWHERE = "Look for a licensed breeder or a rescue, and check the hedgehog has been health-checked."


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("answer_rests_on")


def test_an_answer_resting_on_what_the_asker_does_not_say(script: ModuleType) -> None:
    assert script.read(BUY, PLAIN, IN_LA, BUY, FOR_LA)["rests_on"] == [("i live in los angeles", ["los", "angel"])]
    assert script.read(BUY, IN_LA, PLAIN, BUY, "If you live in Los Angeles, you can't keep one.")["names_added"]


@pytest.mark.parametrize(
    "answer",
    [
        ANYWHERE,
        "cached answer for nhc89-constraint_added-010",
        "",
        stored_answer.encode("Breeders near Los Angeles:", (ToolCall("c1", "find", '{"city": "Los Angeles"}'),)),
    ],
)
def test_no_signal(script: ModuleType, answer: str) -> None:
    assert not any(script.read(BUY, PLAIN, IN_LA, BUY, answer).values())


def test_a_passing_word_is_not_a_span_taken_up(script: ModuleType) -> None:
    said = f"{HEDGEHOG}. It's my first pet and I'm a bit obsessed with cute animal videos."
    asking, passing = Context((("user", f"{HEDGEHOG}."),)), Context((("user", said),))
    assert not script.read(BUY, asking, passing, BUY, "Find a pet hedgehog breeder.").get("rests_on")
