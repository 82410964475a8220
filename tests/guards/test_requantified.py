"""A thing quantified on both sides by scope words of other classes, when a class the other side uses elsewhere
(a sentence of context: "Each post has comments.") hides the swap from the class sets. Invented pairs, in
other words than the labelled sets' (``data/requantified.jsonl``): the look-alikes are read as a scope swap,
the rewordings (the same class in other words, a class bound to another thing) are not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nearhit.guards import ScopeGuard

_PAIRS = [json.loads(line) for line in (Path(__file__).parent / "data" / "requantified.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("pair", [p for p in _PAIRS if not p["same_answer"]], ids=lambda p: p["b"][-40:])
def test_a_masked_quantifier_swap_is_read(pair: dict[str, str]) -> None:
    for first, second in ((pair["a"], pair["b"]), (pair["b"], pair["a"])):
        verdict = ScopeGuard().check(first, second)
        assert verdict is not None and verdict.guard == "scope"


@pytest.mark.parametrize("pair", [p for p in _PAIRS if p["same_answer"]], ids=lambda p: p["b"][-40:])
def test_the_same_scope_in_other_words_passes(pair: dict[str, str]) -> None:
    assert ScopeGuard().check(pair["a"], pair["b"]) is None
    assert ScopeGuard().check(pair["b"], pair["a"]) is None
