"""``benchmarks/conversation_misses.py --show``: which pairs it prints. An empty filter is a prefix of every cause,
so ``--show ""`` prints every missed should-hit (as its help promises), not none; served pairs and traps never."""

from __future__ import annotations

from types import ModuleType

import pytest

from nearhit.cache.results import Candidate, LookupResult
from nearhit.evaluation import Pair, Side
from tests.support.benchmarks import load_script


@pytest.fixture(scope="module")
def misses() -> ModuleType:
    return load_script("conversation_misses")


def _pair(same_answer: bool) -> Pair:
    side = Side("How long do I boil an egg?", (("user", "I like them soft."),))
    return Pair("show-001", "reworded_history", side, side, same_answer)


def _missed() -> LookupResult:
    refused = Candidate("d1", "How long do I boil an egg?", 0.82, "below_threshold", reason="question under")
    return LookupResult(match=None, threshold=0.9, candidates=[refused])


def test_an_empty_show_prints_every_missed_should_hit(misses: ModuleType) -> None:
    assert misses.shown("", _pair(True), _missed())
    assert misses.shown("question under", _pair(True), _missed())
    assert not misses.shown("told as one", _pair(True), _missed())
    assert not misses.shown(None, _pair(True), _missed())


def test_show_prints_no_trap_and_no_served_pair(misses: ModuleType) -> None:
    served = LookupResult(match="semantic", threshold=0.9)
    assert not misses.shown("", _pair(False), _missed())
    assert not misses.shown("", _pair(True), served)
    assert not misses.shown("served", _pair(True), served)


def test_the_fit_sets_hold_no_validation_and_no_held_out_set(misses: ModuleType) -> None:
    fit, validation = misses.chosen_sets("fit"), misses.chosen_sets("validation")
    assert set(validation) == set(misses.VALIDATION) and "conversations" in fit
    assert not set(fit) & set(validation) and not (set(fit) | set(validation)) & set(misses.HELD_OUT)
    assert "nearhit-conversations-v85" in fit  # the newest fit set; every newer one is validation or held out
    newer = {name for name in misses.SETS if name.startswith("nearhit-conversations-v") and int(name[23:]) >= 90}
    assert newer == set(misses.HELD_OUT)
