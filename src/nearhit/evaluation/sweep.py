"""Calibration: the threshold curve from one measured lookup per pair, and the threshold to pick.

Each pair is looked up once at threshold 0 (so its nearest candidate's similarity and guard verdict are
known); every point of the curve is then those outcomes re-judged with :meth:`Outcome.at`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nearhit.evaluation.metrics import Outcome, Scores, scores


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    scores: Scores

    def to_dict(self) -> dict[str, float | int | list[float] | None]:
        return {"threshold": self.threshold, **self.scores.to_dict()}


def thresholds(start: float = 0.70, stop: float = 0.99, step: float = 0.01) -> list[float]:
    """``start`` to ``stop`` inclusive, rounded so 0.7 + 3 * 0.01 prints as 0.73."""
    if step <= 0 or stop < start:
        raise ValueError("need step > 0 and stop >= start")
    count = round((stop - start) / step) + 1
    return [round(start + i * step, 6) for i in range(count)]


def curve(measured: Sequence[Outcome], points: Sequence[float]) -> list[CurvePoint]:
    return [CurvePoint(t, scores(o.at(t) for o in measured)) for t in points]


def pick(points: Sequence[CurvePoint], max_wrong: float) -> CurvePoint | None:
    """The point with the highest recall whose wrong-hit rate is at most ``max_wrong``.

    Ties go to fewer wrong hits, then to the higher (safer) threshold. None when no point qualifies.
    """
    allowed = [p for p in points if (p.scores.wrong_rate or 0.0) <= max_wrong + 1e-12]
    if not allowed:
        return None
    return max(allowed, key=lambda p: (p.scores.recall or 0.0, -p.scores.wrong_hits, p.threshold))
