"""The guards' verdicts, memoised per (query, candidate) pair, are the verdicts of running every guard afresh:
checked over a fixed share of every bundled dataset's pairs, ~12,000 in all (every pair with
``NEARHIT_TEST_EVERY_PAIR=1``: :mod:`tests.support.pair_sample`),
both ways round, at similarities on both sides of the language guard's stricter threshold, cold (first ask)
and warm (asked again)."""

from __future__ import annotations

import pytest

from nearhit.evaluation.dataset import BUILTIN, load
from nearhit.guards import GuardSet, GuardVerdict
from nearhit.guards.verdicts import GuardSignal
from tests.support import pair_sample

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


BUDGET = 12_000
"""About how many pairs are walked (each both ways round): the memo is the same code on every pair; the checks below
that the sample holds every kind of verdict keep it honest (the whole walk took 90 s on a loaded machine)."""


def _prompt_pairs() -> list[tuple[str, str]]:
    sets = [load(name) for name in BUILTIN]
    every = pair_sample.step(sum(map(len, sets)), BUDGET)
    pairs = [(p.b.prompt, p.a.prompt) for pairs in sets for p in pairs[::every]]
    return pairs + [(candidate, query) for query, candidate in pairs]


@pytest.mark.slow
def test_memoised_verdicts_equal_fresh_ones_on_the_bundled_pairs() -> None:
    guards = GuardSet.default()
    pairs = _prompt_pairs()
    assert len(pairs) > 2000
    deciders, cut_short, similarity_decides = set(), 0, 0
    for query, candidate in pairs:
        signals = afresh(guards, query, candidate)
        expected = [verdict_at(signals, similarity) for similarity in SIMILARITIES]
        for attempt in ("cold", "warm"):  # the first ask fills the pair's memo, the second reads it
            found = [guards.first_rejection(query, candidate, similarity) for similarity in SIMILARITIES]
            assert found == expected, (attempt, query, candidate)
        deciders |= {verdict.guard for verdict in expected if verdict is not None}
        cut_short += len(guards.deciding_signals(query, candidate)) < len(guards.guards)
        similarity_decides += len(set(expected)) > 1
    # The sample holds what the memo must get right: every guard deciding, memos stopped at a veto, and
    # verdicts that change with the similarity.
    assert deciders == set(guards.names) and cut_short > 100 and similarity_decides > 10


def test_a_pair_asked_again_is_not_judged_again() -> None:
    guards = GuardSet.default()
    query, candidate = "Which foods are low in iron?", "Which foods are high in iron?"
    first = guards.first_rejection(query, candidate, 0.95)
    again = guards.first_rejection(query, candidate, 0.95)
    assert first == again and first is not None and first.guard == "negation"
    info = guards.deciding_signals.cache_info()
    assert (info.hits, info.misses) == (1, 1)
