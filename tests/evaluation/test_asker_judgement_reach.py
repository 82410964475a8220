"""``benchmarks/asker_judgement_reach.py``'s reading (measured, not shipped): a sentence one side adds, the asker its
subject, before a question judging the asker's own doing; and the dev pairs it can move."""

from __future__ import annotations

from types import ModuleType

import pytest

from nearhit.evaluation.dataset import Pair, Side
from nearhit.guards.text import folded_words
from tests.support.benchmarks import load_script


@pytest.fixture(scope="module")
def probe() -> ModuleType:
    return load_script("asker_judgement_reach")


@pytest.mark.parametrize(
    ("sentence", "question", "judged"),
    [
        ("I earn just above minimum wage", "Should I sign up?", True),
        ("oh and we already own a condo", "should we open an FHSA?", True),
        ("I'm a Blue Badge holder", "Do I have to pay the congestion charge?", True),
        ("I'm 10 weeks pregnant", "Is it safe to have every day?", True),
        ("I mostly use it for music", "How many people can I add?", False),
        ("My partner is taking him", "What time does it open?", False),
        ("Both of us are based in Glasgow", "Should I use Money Claim Online?", False),
    ],
)
def test_judged_for_asker_reads_the_subject_and_the_questions_opening(
    probe: ModuleType, sentence: str, question: str, judged: bool
) -> None:
    assert probe.judged_for_asker(folded_words(sentence), question, opens=".") is judged


def test_judged_for_asker_needs_a_sentence_of_its_own(probe: ModuleType) -> None:
    assert not probe.judged_for_asker(folded_words("I earn just above minimum wage"), "Should I sign up?", opens=",")


def test_reached_reads_a_span_one_side_adds(probe: ModuleType) -> None:
    story = "My employer offers salary sacrifice for pension contributions."
    told = Side(
        history=(("user", f"{story} I earn just above minimum wage."), ("assistant", "Noted.")),
        prompt="Should I sign up?",
    )
    plain = Side(history=(("user", story), ("assistant", "Noted.")), prompt="Should I sign up?")
    pair = Pair(id="x", category="constraint_added", same_answer=False, a=told, b=plain)
    assert probe.reached(pair)
    assert not probe.reached(Pair(id="y", category="chatter", same_answer=True, a=plain, b=plain))
