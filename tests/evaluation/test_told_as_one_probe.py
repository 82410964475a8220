"""The told-as-one probe's tellings (``benchmarks/told_as_one_probe.py``): a conversation's user turns told in one
message as a person writes it, and as the older mode joins them (by spaces, as typed)."""

from __future__ import annotations

from types import ModuleType

import pytest

from nearhit.evaluation import Pair, Side
from tests.support.benchmarks import load_script

STORY = Side(
    "can he catch it",
    (
        ("user", "my 4yo has chickenpox"),
        ("assistant", "Poor thing. How is she doing?"),
        ("user", "spots came out 2 days ago, mild temp"),
        ("assistant", "That's typical."),
        ("user", "i think NASA knows. her brother is 8 months"),
    ),
)


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("told_as_one_probe")


def test_told_as_a_person_writes_one_message(script: ModuleType) -> None:
    assert script.as_written(STORY) == Side(
        "My 4yo has chickenpox. And spots came out 2 days ago, mild temp. "
        "Also, I think NASA knows. Her brother is 8 months. So can he catch it?"
    )


def test_a_question_alone_or_already_opened_is_told_as_it_is(script: ModuleType) -> None:
    assert script.as_written(Side("how do I fix it")) == Side("How do I fix it?")
    told = script.as_written(Side("so what now?", (("user", "The tap drips."),)))
    assert told == Side("The tap drips. So what now?")


def test_both_modes_tell_the_chosen_side_and_keep_the_other(script: ModuleType) -> None:
    pair = Pair("p", "short_vs_long", Side("q?", (("user", "a"),)), STORY, True)
    (plain,) = script.joined([pair], "b")
    assert plain.a == pair.a
    assert plain.b == Side(
        "my 4yo has chickenpox spots came out 2 days ago, mild temp i think NASA knows. her brother is 8 months "
        "can he catch it"
    )
    (written,) = script.joined([pair], "b", written=True)
    assert written.b == script.as_written(STORY)


def test_a_capital_the_writer_gave_an_answer_to_the_assistants_question_is_kept(script: ModuleType) -> None:
    texas = (("user", "I live in Texas and want to switch providers."), ("assistant", "Where in Texas?"))
    told = script.as_written(Side("Houston. Can I choose my provider?", texas))
    assert told == Side("I live in Texas and want to switch providers. So Houston. Can I choose my provider?")
    unasked = (("user", "I live in Texas."), ("assistant", "Good to know."), ("user", "The bills are high."))
    assert script.as_written(Side("what now", unasked)) == Side("I live in Texas. And the bills are high. So what now?")
