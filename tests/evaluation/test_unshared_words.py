"""The unshared-words measurement's helpers (``benchmarks/unshared_words.py``): the guard's reason read back
into each side's words, a side's words exchanged for the other's, and a cut that keeps to its trap budget."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.support.benchmarks import load_script


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("unshared_words")


def test_reason_read_back_per_side(script: ModuleType) -> None:
    reason = "different subject: 'kettl', 'steel' vs nothing (a clause on one side: 'of steel')"
    assert script.unshared_of(reason) == (["kettl", "steel"], [])
    assert script.unshared_of("different names: 'oslo' vs 'bergen'") == (["oslo"], ["bergen"])


def test_words_exchanged_where_the_first_stood(script: ModuleType) -> None:
    tokens = ["fix", "a", "leaking", "garden", "hose"]
    at = script.positions(tokens, ["fix", "a", "leak", "garden", "hose"], ["leak", "hose"])
    assert at == [2, 4]
    assert script.swapped(tokens, at, ["dripping", "pipe"]) == "fix a dripping pipe garden"
    assert script.swapped(tokens, [], ["today"]) == "fix a leaking garden hose today"
    assert script.window(tokens, [0], size=1) == "fix a"


def test_cut_keeps_to_the_trap_budget() -> None:
    script = load_script("veto_signals")  # shared with one_sided.py
    items = [(0.99, True), (0.97, False), (0.95, True), (0.93, True), (0.90, False)]
    assert script.best_cut(items, 0) == (0.99, 1, 0)
    assert script.best_cut(items, 1) == (0.93, 3, 1)
    assert script.best_cut([(0.5, False)], 0)[1] == 0
    assert script.auc([0.9, 0.8], [0.1]) == 1.0
