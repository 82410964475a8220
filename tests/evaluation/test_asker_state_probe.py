"""``benchmarks/asker_state_probe.py``'s reading (measured, not shipped): a sentence one side adds, the asker its
subject, read as the asker's standing situation from its verb's form; and ``conversation_misses --sets``: this
session's fit and validation dev splits, the newer sets in neither."""

from __future__ import annotations

from types import ModuleType

import pytest

from nearhit.guards.text import folded_words
from tests.support.benchmarks import load_script


@pytest.fixture(scope="module")
def probe() -> ModuleType:
    return load_script("asker_state_probe")


@pytest.mark.parametrize(
    ("sentence", "situation"),
    [
        ("We rent from the council", True),
        ("I earn about half the threshold", True),
        ("We're registered with a GP in Leeds", True),
        ("I'll be cycling most of the way", True),
        ("I already own two of them", True),
        ("I bought the slabs at a sale", False),
        ("We came here for a wedding", False),
        ("I'm painting the fence next week", False),
        ("I'm a teacher", False),
        ("I mostly use it for podcasts", False),
        ("I want to surprise my dad", False),
    ],
)
def test_tells_of_asker_reads_the_verbs_form(probe: ModuleType, sentence: str, situation: bool) -> None:
    assert probe.tells_of_asker(folded_words(sentence), "Should we do it?", opens=".") is situation


def test_tells_of_asker_needs_a_sentence_of_its_own_and_a_question_about_the_asker(probe: ModuleType) -> None:
    span = folded_words("we rent from the council")
    assert not probe.tells_of_asker(span, "Should we do it?", opens=",")
    assert not probe.tells_of_asker(span, "How tall can a shed be?", opens=".")


def test_the_fit_and_validation_splits_leave_the_newer_sets_out() -> None:
    misses = load_script("conversation_misses")
    assert tuple(f"nearhit-conversations-v{n}" for n in range(298, 306)) == misses.VALIDATION
    assert "nearhit-conversations-v297" in misses.FIT and "conversations" in misses.FIT
    assert not set(misses.FIT) & set(misses.VALIDATION)
    assert not any(f"-v{n}" in name for name in misses.FIT for n in range(298, 314))
