"""The relatedness probe's readings (``benchmarks/extra_fact_relatedness.py``): the text one side's user turns add,
a person's state, the share of the turns a single question says, and the AUC its tables print."""

from __future__ import annotations

from types import ModuleType

import pytest

from nearhit.evaluation import Pair, Side
from tests.support.benchmarks import load_script

SHORT = Side("Is it safe to have every day?", (("user", "I want a green smoothie with kale."), ("assistant", "Nice.")))
LONG = Side(
    "Is it safe to have every day?",
    (("user", "I want a green smoothie with kale. I'm 10 weeks pregnant."), ("assistant", "Nice.")),
)


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("extra_fact_relatedness")


def test_the_extra_text_is_what_one_side_adds(script: ModuleType) -> None:
    assert script.extra_text(Pair("x", "constraint_added", SHORT, LONG, False)) == ("", "i'm 10 weeks pregnant")
    assert script.extra_text(Pair("x", "irrelevant_detail", Side("q?"), LONG, True)) is None


def test_a_persons_state_against_a_narrative(script: ModuleType) -> None:
    assert script._STATE.search("i'm 10 weeks pregnant")
    assert script._STATE.search("my daughter is blind")
    assert not script._STATE.search("my colleague dave recommended it")


def test_covered_is_the_share_of_the_turns_the_single_question_says(script: ModuleType) -> None:
    single = Side("Is a kale smoothie safe every day?")
    assert script.covered(Pair("x", "standalone_vs_contextual", single, SHORT, True)) == pytest.approx(2 / 3)
    assert script.covered(Pair("x", "standalone_vs_contextual", SHORT, LONG, True)) is None


def test_auc_counts_ties_half(script: ModuleType) -> None:
    assert script._auc([1.0, 2.0], [0.0]) == 1.0
    assert script._auc([1.0], [1.0]) == 0.5
