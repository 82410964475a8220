"""What a run of labelled pairs says: pure functions over per-pair outcomes, testable without Redis.

A *hit* serves a cached answer. On a should-hit pair (``same_answer``) that is right; on a trap it is a
wrong hit. Precision is right hits over all hits, recall right hits over should-hit pairs, and the
wrong-hit rate wrong hits over traps: the number a user of the cache cares about.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Literal

from nearhit.stats import percentile

Match = Literal["exact", "semantic"]


@dataclass(frozen=True)
class Outcome:
    """One pair looked up at ``threshold``: what was served, the nearest candidate, the guard that vetoed it."""

    pair_id: str
    category: str
    same_answer: bool
    threshold: float
    match: Match | None
    similarity: float | None  # of the nearest candidate in scope; None when the scope held none
    rejected_by: str | None
    latency_ms: float

    @property
    def served(self) -> bool:
        return self.match is not None

    def at(self, threshold: float) -> Outcome:
        """The same lookup judged at a higher ``threshold``, without asking Redis again.

        Valid because guards only see candidates at or above the threshold: an outcome measured at a
        lower one already holds the guard verdict for every candidate the higher one would consult.
        """
        if threshold < self.threshold:
            raise ValueError(f"measured at {self.threshold}; cannot judge at the lower {threshold}")
        if self.match == "exact" or self.similarity is None:
            return replace(self, threshold=threshold)
        if self.similarity < threshold:
            return replace(self, threshold=threshold, match=None, rejected_by=None)
        return replace(self, threshold=threshold, match=None if self.rejected_by else "semantic")


@dataclass(frozen=True)
class Scores:
    should_hit: int
    traps: int
    hits: int  # served on a should-hit pair
    wrong_hits: int  # served on a trap

    @property
    def precision(self) -> float | None:
        served = self.hits + self.wrong_hits
        return self.hits / served if served else None

    @property
    def recall(self) -> float | None:
        return self.hits / self.should_hit if self.should_hit else None

    @property
    def wrong_rate(self) -> float | None:
        return self.wrong_hits / self.traps if self.traps else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p is not None and r is not None and p + r > 0 else None

    def to_dict(self) -> dict[str, float | int | None]:
        return {
            "should_hit": self.should_hit,
            "traps": self.traps,
            "hits": self.hits,
            "wrong_hits": self.wrong_hits,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "wrong_rate": self.wrong_rate,
        }


def scores(outcomes: Iterable[Outcome]) -> Scores:
    should_hit = traps = hits = wrong = 0
    for o in outcomes:
        if o.same_answer:
            should_hit += 1
            hits += o.served
        else:
            traps += 1
            wrong += o.served
    return Scores(should_hit=should_hit, traps=traps, hits=hits, wrong_hits=wrong)


@dataclass(frozen=True)
class CategoryCount:
    """Served / total in one category: the hit rate for should-hit categories, wrong hits for traps."""

    category: str
    same_answer: bool
    total: int
    served: int


def by_category(outcomes: Iterable[Outcome]) -> list[CategoryCount]:
    """Per category in first-seen order; a category mixing labels is split by label."""
    counts: dict[tuple[str, bool], list[int]] = {}
    for o in outcomes:
        cell = counts.setdefault((o.category, o.same_answer), [0, 0])
        cell[0] += 1
        cell[1] += o.served
    return [CategoryCount(c, same, total, served) for (c, same), (total, served) in counts.items()]


def rejections(outcomes: Iterable[Outcome]) -> dict[str, dict[str, int]]:
    """Per guard: traps it stopped and should-hit pairs it stopped (false rejections)."""
    table: dict[str, dict[str, int]] = {}
    for o in outcomes:
        if o.rejected_by and not o.served:
            cell = table.setdefault(o.rejected_by, {"traps": 0, "should_hit": 0})
            cell["should_hit" if o.same_answer else "traps"] += 1
    return table


def latency(outcomes: Iterable[Outcome]) -> dict[str, dict[str, float | int | None]]:
    """p50 / p99 lookup time (ms) of hits and of misses, measured around the engine's lookup."""
    groups: dict[str, list[float]] = {"hit": [], "miss": []}
    for o in outcomes:
        groups["hit" if o.served else "miss"].append(o.latency_ms)
    return {
        kind: {"n": len(values), "p50": percentile(values, 50), "p99": percentile(values, 99)}
        for kind, values in groups.items()
    }


def summary(outcomes: Sequence[Outcome]) -> dict[str, object]:
    """Everything above for one run, JSON-ready."""
    return {
        "scores": scores(outcomes).to_dict(),
        "categories": [asdict(c) for c in by_category(outcomes)],
        "rejected_by": rejections(outcomes),
        "no_candidate": sum(o.similarity is None for o in outcomes),
        "latency_ms": latency(outcomes),
    }
