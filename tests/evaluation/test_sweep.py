"""The threshold sweep and the pick, on hand-made outcomes measured at threshold 0."""

from __future__ import annotations

import pytest

from nearhit.evaluation.metrics import Outcome
from nearhit.evaluation.sweep import curve, pick, thresholds


def measured(similarity: float, same: bool, rejected_by: str | None = None) -> Outcome:
    match = None if rejected_by else "semantic"
    return Outcome(f"{similarity}-{same}", "c", same, 0.0, match, similarity, rejected_by, 1.0)


# should-hit at 0.95, 0.90, 0.85, 0.75; traps at 0.92 and 0.80; a trap at 0.97 stopped by a guard
PAIRS = [
    measured(0.95, True),
    measured(0.90, True),
    measured(0.85, True),
    measured(0.75, True),
    measured(0.92, False),
    measured(0.80, False),
    measured(0.97, False, rejected_by="negation"),
]


def test_thresholds_are_rounded_and_inclusive() -> None:
    assert thresholds(0.70, 0.99, 0.01)[:3] == [0.7, 0.71, 0.72]
    assert thresholds(0.70, 0.99, 0.01)[-1] == 0.99
    assert len(thresholds(0.70, 0.99, 0.01)) == 30
    with pytest.raises(ValueError):
        thresholds(0.9, 0.8, 0.01)


def test_curve_counts_each_threshold() -> None:
    points = {p.threshold: p.scores for p in curve(PAIRS, [0.70, 0.81, 0.93])}
    assert (points[0.70].hits, points[0.70].wrong_hits) == (4, 2)
    assert (points[0.81].hits, points[0.81].wrong_hits) == (3, 1)
    assert (points[0.93].hits, points[0.93].wrong_hits) == (1, 0)


def test_pick_highest_recall_within_the_bound() -> None:
    points = curve(PAIRS, thresholds(0.70, 0.99, 0.01))
    # wrong hits <= 1/3: the 0.80 trap must go (t > 0.80); recall is best (3/4) up to 0.85
    chosen = pick(points, max_wrong=1 / 3)
    assert chosen is not None and chosen.threshold == 0.85
    assert (chosen.scores.hits, chosen.scores.wrong_hits) == (3, 1)
    # no wrong hit at all: t > 0.92, recall 1/4; ties go to the highest threshold
    strict = pick(points, max_wrong=0.0)
    assert strict is not None and strict.threshold == 0.95
    # everything allowed: the lowest thresholds tie on recall 4/4 and wrong 2/3: the highest of them wins
    loose = pick(points, max_wrong=1.0)
    assert loose is not None and loose.threshold == 0.75


def test_pick_none_when_nothing_qualifies() -> None:
    always_wrong = [Outcome("x", "c", False, 0.0, "exact", 1.0, None, 1.0)]
    assert pick(curve(always_wrong, [0.9, 0.99]), max_wrong=0.0) is None
