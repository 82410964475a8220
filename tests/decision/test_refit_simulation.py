"""``benchmarks/decision_refit.py`` counts shared lookups as arrays: the candidate it serves must be the one the
engine's rule (``nearhit.decision.choice.serving``) picks, or its figures say nothing about the engine."""

from __future__ import annotations

import sys
from types import ModuleType

import numpy as np
import pytest

from nearhit.decision.choice import serving
from nearhit.decision.model import Judgement
from nearhit.guards import GuardVerdict
from tests.support.benchmarks import load_script


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("decision_refit")


def synthetic(script: ModuleType, n: int = 400) -> list:
    """Lookups whose candidates pass or are vetoed at random, above and under the threshold and the floor."""
    shared_script = sys.modules["fit_decision_shared"]  # imported by the script, as when it runs
    rng = np.random.default_rng(13)
    found = []
    for i in range(n):
        sims = sorted(rng.uniform(0.6, 1.0, 3), reverse=True)
        seen = [
            shared_script.Seen(
                float(s), {"similarity": float(s)}, bool(rng.random() < 0.6), bool(rng.random() < 0.5), k == 0
            )
            for k, s in enumerate(sims)
        ]
        pair = shared_script.Seen(sims[0], {"similarity": sims[0]}, seen[0].passes, seen[0].quiet, True)
        found.append(shared_script.Lookup("set", bool(i % 2), pair, tuple(seen)))
    return found


def engine_pick(lookup, scores: np.ndarray, threshold: float, script: ModuleType) -> int | None:
    """The engine's choice over the judged candidates (those from the floor), as ``cache.choose.by_decision``."""
    judged = [
        (
            s.similarity,
            Judgement(float(score), threshold, None if s.passes else GuardVerdict("entities", "x"), (), tuple),
        )
        for s, score in zip(lookup.shared, scores, strict=True)
        if s.similarity >= script.FLOOR
    ]
    return serving(judged, script.THRESHOLD)


def test_the_arrays_serve_what_the_engine_serves(script: ModuleType) -> None:
    data = synthetic(script)
    table = script.Table.of(data)
    everyone = np.ones(len(data), bool)
    shared = np.random.default_rng(5).uniform(0.0, 1.0, (len(data), 3))
    picks = [engine_pick(d, row, 0.5, script) for d, row in zip(data, shared, strict=True)]
    counted = table.decision((np.zeros(len(data)), shared), 0.5, everyone, "veto")
    neighbours = sum(p is not None and not data[i].shared[p].own for i, p in enumerate(picks))
    wrong = sum(p is not None and (not data[i].shared[p].own or not data[i].same_answer) for i, p in enumerate(picks))
    assert (counted[4], counted[5]) == (neighbours, wrong)
    # The rule is exercised: a farther one served past a nearest the score refused, none past a veto.
    assert any(p not in (None, 0) for p in picks)
    assert any(
        p is None
        and not d.shared[0].passes
        and d.shared[0].similarity >= script.FLOOR
        and any(
            s.passes and s.similarity >= script.THRESHOLD and sc >= 0.5
            for s, sc in zip(d.shared[1:], row[1:], strict=True)
        )
        for d, row, p in zip(data, shared, picks, strict=True)
    )
