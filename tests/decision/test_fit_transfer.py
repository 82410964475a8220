"""The leave-one-set-out measure of ``benchmarks/fit_decision.py``: a set's own labels never reach the model
or the threshold that score it, so its figure is what the decision does on a set it never saw."""

from __future__ import annotations

from dataclasses import replace
from types import ModuleType

import numpy as np
import pytest

from nearhit.evaluation import Pair
from nearhit.evaluation.dataset import Side
from tests.support.benchmarks import load_script


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("fit_decision")


def synthetic(script: ModuleType, sets: tuple[str, ...]) -> list:
    """Pairs whose label follows the similarity (a should-hit above 0.8), a few per set against it."""
    rng = np.random.default_rng(7)
    found = []
    for name in sets:
        for n in range(60):
            similarity = float(rng.uniform(0.66, 1.0))
            label = similarity > 0.8 if n % 10 else similarity <= 0.8
            quiet = bool(n % 3)
            values = {"similarity": similarity, "quiet": float(quiet), "strongest_signal": 0.0 if quiet else 0.3}
            pair = Pair(f"{name}-{n}", "c", Side("a"), Side("b"), bool(label))
            found.append(script.Row(name, pair, similarity, values, True, False, quiet))
    return found


def test_a_set_is_scored_and_thresholded_without_its_own_labels(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    sets = ("one", "two", "three")
    monkeypatch.setattr(script, "DATASETS", sets)
    monkeypatch.setattr(script, "ITERATIONS", 300)
    data = synthetic(script, sets)
    before = script.leave_one_set_out(data, script.V2, 0.05)
    # Turn every label of set "one" around: its own scores and served pairs must not move.
    flipped = [
        replace(r, pair=replace(r.pair, same_answer=not r.pair.same_answer)) if r.dataset == "one" else r for r in data
    ]
    after = script.leave_one_set_out(flipped, script.V2, 0.05)
    mine = np.array([r.dataset == "one" for r in data])
    assert np.array_equal(before.pooled_scores[mine], after.pooled_scores[mine])
    assert np.array_equal(before.served[mine], after.served[mine])
    assert before.thresholds["one"] == after.thresholds["one"]
    # ...while the other sets, fitted with "one" in their training data, do move.
    assert not np.array_equal(before.pooled_scores[~mine], after.pooled_scores[~mine])


def test_the_threshold_rule_is_the_most_recall_within_the_bound(script: ModuleType) -> None:
    scores = np.array([0.95, 0.9, 0.85, 0.8, 0.75])
    labels = np.array([True, True, False, True, False])
    # Within 0 of 2 traps: serve down to 0.9 only (0.85 is a trap); within 50%: down to 0.8.
    assert script.choose_threshold(scores, labels, 0.0) == 0.9
    assert script.choose_threshold(scores, labels, 0.5) == 0.8
