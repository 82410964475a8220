"""``benchmarks/asker_sentence_reach.py``'s reading (measured, not shipped): a whole sentence one side's earlier user
turns add, the asker opening it as its subject; and the dev pairs it can move."""

from __future__ import annotations

from types import ModuleType

import pytest

from nearhit.evaluation.dataset import Pair, Side
from tests.support.benchmarks import load_script

STORY = "I keep forming calcium stones and my 24-hour urine test showed low citrate."


@pytest.fixture(scope="module")
def probe() -> ModuleType:
    return load_script("asker_sentence_reach")


@pytest.mark.parametrize(
    ("added", "read"),
    [
        ("I also have stage 4 CKD and I'm on a low-potassium diet.", True),
        ("Oh and we're moving to Madrid in 6 weeks.", True),
        ("My mates think I'm mad haha.", False),
        ("The repo is private.", False),
    ],
)
def test_asker_sentence_added_reads_a_whole_sentence_the_asker_opens(probe: ModuleType, added: str, read: bool) -> None:
    assert (probe.asker_sentence_added(f"{STORY} {added}", STORY) is not None) is read
    assert (probe.asker_sentence_added(STORY, f"{STORY} {added}") is not None) is read


def test_asker_sentence_added_leaves_a_clause_inside_a_sentence(probe: ModuleType) -> None:
    assert probe.asker_sentence_added(f"{STORY[:-1]}, and I also have stage 4 CKD.", STORY) is None


def test_reached_needs_two_stories_one_adding_a_sentence(probe: ModuleType) -> None:
    told = Side(history=(("user", f"{STORY} I also have stage 4 CKD."), ("assistant", "Noted.")), prompt="Is it OK?")
    plain = Side(history=(("user", STORY), ("assistant", "Noted.")), prompt="Is it OK?")
    pair = Pair(id="x", category="constraint_added", same_answer=False, a=told, b=plain)
    assert probe.reached(pair)
    assert probe.reached(pair, any_person=True)
    assert not probe.reached(Pair(id="y", category="chatter", same_answer=True, a=plain, b=plain))
