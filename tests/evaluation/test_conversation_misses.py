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
    assert "nearhit-conversations-v297" in fit  # the newest fit set; every newer one is validation or held out
    every = misses.FIT + misses.VALIDATION + misses.HELD_OUT
    newer = {name for name in every if name.startswith("nearhit-conversations-v") and int(name[23:]) >= 306}
    assert newer == set(misses.HELD_OUT)
    # A run without --sets, and the id maps of --compare / --stages / --by-stage, never read a held-out set.
    assert misses.SETS == misses.FIT and not set(misses.READABLE) & set(misses.HELD_OUT)


def test_a_served_pair_names_the_stage_margin_and_cosines(misses: ModuleType) -> None:
    """``--pairs`` lines of served pairs end with what ``--by-stage`` reads: the stage (``first_look`` unless a second
    chance served), the served candidate's margin (``at``: at or over the threshold) and the two cosines."""
    served = Candidate("d1", "How long do I boil an egg?", 0.7, "served", margin="same_turns")
    result = LookupResult(match="semantic", threshold=0.76, similarity=0.7, candidates=[served])
    result.context = {"turns": [], "similarity": 1.0}
    assert misses.served_by(result) == "by first_look same_turns 0.700 turns 1.000"
    alone = LookupResult(match="semantic", threshold=0.76, similarity=0.9, candidates=[])
    assert misses.served_by(alone) == "by first_look at 0.900 turns -"
    # A hit the judge read and let through says how, with its p; --by-stage counts it on a row of its own.
    result.context |= {"strict_overruled": {"strict": "strict: ...", "p": 0.9812, "cut": 0.97}}
    assert misses.served_by(result) == "by first_look same_turns 0.700 turns 1.000 judge overruled 0.981"
    result.context = {"turns": [], "similarity": 0.9, "judge_veto": {"p": 0.5, "veto": 0.2}}
    assert misses.served_by(result).endswith("turns 0.900 judge veto 0.500")


async def test_the_second_chances_are_watched_and_put_back(misses: ModuleType) -> None:
    """Under ``stages_watched`` a second chance that turns a miss into a hit is named; after it, the stages are the
    engine's own again."""
    from nearhit.cache import learned_add

    engine = learned_add.serve
    result = LookupResult(match=None, threshold=0.76)

    def serving(found: LookupResult, *_: object) -> bool:
        found.match = "semantic"
        return True

    learned_add.serve = serving
    try:
        with misses.stages_watched():
            assert learned_add.serve is not serving
            learned_add.serve(result, None, [], None)
        assert learned_add.serve is serving
    finally:
        learned_add.serve = engine
    assert misses.served_by(result).startswith("by learned_add ")
