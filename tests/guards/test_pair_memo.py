"""The guards' verdicts, memoised per (query, candidate) pair, are the verdicts of running every guard afresh:
checked over every pair of the bundled datasets, both ways round, at similarities on both sides of the
language guard's stricter threshold, cold (first ask) and warm (asked again)."""

from __future__ import annotations

import pytest

from nearhit.evaluation.dataset import BUILTIN, load
from nearhit.guards import GuardSet, GuardVerdict
from nearhit.guards.verdicts import GuardSignal

SIMILARITIES = (None, 0.5, 0.76, 0.9, 0.97, 0.979, 0.98, 0.99, 1.0)


def afresh(guards: GuardSet, query: str, candidate: str) -> list[tuple[float, GuardSignal | None]]:
    """Every guard's signal computed afresh, nothing kept: the verdict before the memo, at any similarity, is
    the first of these that vetoes there (:func:`verdict_at`)."""
    return [(guard.cut, guard.signal(query, candidate)) for guard in guards.guards]


def verdict_at(signals: list[tuple[float, GuardSignal | None]], similarity: float | None) -> GuardVerdict | None:
    for cut, found in signals:
        if found is not None and found.vetoes(cut, similarity):
            return found.verdict()
    return None


def _prompt_pairs() -> list[tuple[str, str]]:
    pairs = [(p.b.prompt, p.a.prompt) for name in BUILTIN for p in load(name)]
    return pairs + [(candidate, query) for query, candidate in pairs]


@pytest.mark.slow
def test_memoised_verdicts_equal_fresh_ones_on_every_bundled_pair() -> None:
    guards = GuardSet.default()
    pairs = _prompt_pairs()
    assert len(pairs) > 2000
    for attempt in ("cold", "warm"):  # a fresh set: the first pass fills the memo, the second reads it
        for query, candidate in pairs:
            signals = afresh(guards, query, candidate)
            for similarity in SIMILARITIES:
                expected = verdict_at(signals, similarity)
                assert guards.first_rejection(query, candidate, similarity) == expected, (attempt, query, candidate)


def test_a_pair_asked_again_is_not_judged_again() -> None:
    guards = GuardSet.default()
    query, candidate = "Which foods are low in iron?", "Which foods are high in iron?"
    first = guards.first_rejection(query, candidate, 0.95)
    again = guards.first_rejection(query, candidate, 0.95)
    assert first == again and first is not None and first.guard == "negation"
    info = guards.deciding_signals.cache_info()
    assert (info.hits, info.misses) == (1, 1)
