"""Guards as features: a signal with a strength in [0, 1]; the veto is a cut on top of it."""

from __future__ import annotations

import pytest

from nearhit.guards import EntityGuard, GuardSet, GuardSignal, NumberGuard


def test_a_clear_difference_is_a_full_strength_signal_and_a_veto() -> None:
    signal = NumberGuard().signal("Remind me at 7am", "Remind me at 7pm")
    assert signal is not None
    assert signal.guard == "numbers" and signal.strength == 1.0 and "7am" in signal.reason
    assert NumberGuard().check("Remind me at 7am", "Remind me at 7pm") == signal.verdict()


def test_a_rewording_gives_a_weak_subject_signal_under_the_cut() -> None:
    query, candidate = "What's the capital of Australia?", "Which city is Australia's capital?"
    guard = EntityGuard()
    signal = guard.signal(query, candidate)
    if signal is not None:  # a weak signal is allowed, a veto is not
        assert signal.strength < guard.cut
    assert guard.check(query, candidate) is None
    slot = guard.signal("What vaccines does my puppy need?", "What vaccines does my kitten need?")
    assert slot is not None and slot.strength >= guard.cut


def test_the_set_lists_every_signal_in_order() -> None:
    guards = GuardSet.default()
    signals = guards.signals("Which foods are high in iron at 7am?", "Which foods are low in iron at 7pm?")
    assert [s.guard for s in signals][:2] == ["numbers", "negation"]
    assert all(0.0 <= s.strength <= 1.0 for s in signals)
    assert guards.signals("How do I cancel my order?", "How do I cancel my order?") == []


def test_a_min_similarity_signal_vetoes_only_below_it() -> None:
    signal = GuardSignal("language", 1.0, "stricter", min_similarity=0.95)
    assert signal.vetoes(0.5, 0.90)
    assert not signal.vetoes(0.5, 0.97)
    assert signal.vetoes(0.5, None)  # unknown similarity: the strict side


@pytest.mark.parametrize("strength", [-0.1, 1.5])
def test_a_strength_outside_the_unit_interval_is_refused(strength: float) -> None:
    with pytest.raises(ValueError, match="strength"):
        GuardSignal("numbers", strength, "x")
