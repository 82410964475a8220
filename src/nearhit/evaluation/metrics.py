"""What a run of labelled pairs says: pure functions over per-pair outcomes, testable without Redis.

A *hit* serves a cached answer. On a should-hit pair (``same_answer``) that is right; on a trap it is a
wrong hit. Precision is right hits over all hits, recall right hits over should-hit pairs, and the
wrong-hit rate wrong hits over traps: the number a user of the cache cares about. Rates come with a Wilson
95% interval, so that 0 wrong hits out of 20 traps reads as "up to 16%", not as "never".

With every pair's ``a`` in one store (``nearhit eval --shared``), a lookup may also be served another pair's
answer: a *neighbour* wrong hit, counted apart (``neighbour``) and never as a hit of its own pair.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from nearhit.stats import percentile

Match = Literal["exact", "semantic"]
Z95 = 1.959963984540054  # the standard normal quantile for a two-sided 95% interval


def wilson(successes: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for ``successes`` out of ``total``; None when ``total`` is 0.

    Chosen over the normal approximation because it stays inside [0, 1] and is honest at 0 or n
    successes and in small samples, which is where a 20-pair category sits.
    """
    if total < 0 or not 0 <= successes <= total:
        raise ValueError(f"need 0 <= successes <= total, got {successes}/{total}")
    if total == 0:
        return None
    p = successes / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Outcome:
    """One pair looked up at ``threshold``: what was served, the nearest candidate, the guard that vetoed it.

    ``match`` is set only when the pair's own ``a`` (or one of the same text) was served; ``neighbour`` when
    another pair's was (a shared store only), then ``match`` is None."""

    pair_id: str
    category: str
    same_answer: bool
    threshold: float
    match: Match | None
    similarity: float | None  # of the nearest candidate judged by its question; None when none reached that
    rejected_by: str | None
    latency_ms: float
    lang: str | None = None  # the pair's language, when the data says
    neighbour: bool = False  # served another pair's answer (a shared store)
    candidates: int = 0  # entries the lookup judged at any stage (earlier turns, told as one, the question)
    check_error: str | None = None  # the model's check (NEARHIT_VERIFY_MODEL) failed: its hit refused, not judged

    @property
    def served(self) -> bool:
        return self.match is not None

    @property
    def wrong_answer(self) -> bool:
        """Served an answer that is not right for it: a trap's own look-alike, or any other pair's."""
        return self.neighbour or (self.served and not self.same_answer)

    def at(self, threshold: float) -> Outcome:
        """The same lookup judged at a higher ``threshold``, without asking Redis again.

        Valid for the guards as vetoes alone, which see only candidates at or above the threshold: an outcome
        measured at a lower one already holds the guard verdict for every candidate the higher one would consult.
        Not for what reaches under the threshold (the quiet band, the decision): measure those at their own.
        """
        if threshold < self.threshold:
            raise ValueError(f"measured at {self.threshold}; cannot judge at the lower {threshold}")
        if self.neighbour:
            raise ValueError("served another pair's answer: judged at its own threshold only")
        if self.match == "exact" or self.similarity is None:
            return replace(self, threshold=threshold)
        if self.similarity < threshold:
            return replace(self, threshold=threshold, match=None, rejected_by=None, check_error=None)
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

    @property
    def recall_ci95(self) -> tuple[float, float] | None:
        return wilson(self.hits, self.should_hit)

    @property
    def wrong_rate_ci95(self) -> tuple[float, float] | None:
        return wilson(self.wrong_hits, self.traps)

    def to_dict(self) -> dict[str, float | int | list[float] | None]:
        recall_ci, wrong_ci = self.recall_ci95, self.wrong_rate_ci95
        return {
            "should_hit": self.should_hit,
            "traps": self.traps,
            "hits": self.hits,
            "wrong_hits": self.wrong_hits,
            "precision": self.precision,
            "recall": self.recall,
            "recall_ci95": list(recall_ci) if recall_ci else None,
            "f1": self.f1,
            "wrong_rate": self.wrong_rate,
            "wrong_rate_ci95": list(wrong_ci) if wrong_ci else None,
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

    @property
    def rate(self) -> float | None:
        return self.served / self.total if self.total else None

    @property
    def ci95(self) -> tuple[float, float] | None:
        return wilson(self.served, self.total)

    def to_dict(self) -> dict[str, object]:
        ci = self.ci95
        return {
            "category": self.category,
            "same_answer": self.same_answer,
            "total": self.total,
            "served": self.served,
            "rate": self.rate,
            "ci95": list(ci) if ci else None,
        }


def _served(outcome: Outcome) -> bool:
    return outcome.served


def by_category(outcomes: Iterable[Outcome], counted: Callable[[Outcome], bool] = _served) -> list[CategoryCount]:
    """Per category in first-seen order; a category mixing labels is split by label. ``served`` counts the
    outcomes ``counted`` holds for (by default: served their own answer)."""
    counts: dict[tuple[str, bool], list[int]] = {}
    for o in outcomes:
        cell = counts.setdefault((o.category, o.same_answer), [0, 0])
        cell[0] += 1
        cell[1] += counted(o)
    return [CategoryCount(c, same, total, served) for (c, same), (total, served) in counts.items()]


def by_language(outcomes: Iterable[Outcome]) -> dict[str, Scores]:
    """Scores per ``lang`` in first-seen order; empty when no outcome carries a language."""
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.lang is not None:
            groups.setdefault(o.lang, []).append(o)
    return {lang: scores(group) for lang, group in groups.items()}


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


def _rate(count: int, total: int) -> dict[str, object]:
    interval = wilson(count, total)
    return {
        "count": count,
        "total": total,
        "rate": count / total if total else None,
        "ci95": list(interval) if interval else None,
    }


def neighbours(outcomes: Sequence[Outcome]) -> dict[str, object]:
    """A shared store's extra counts over all lookups, in total and per category: neighbour wrong hits (another
    pair's answer served) and every wrong answer served (those plus the traps' own look-alikes)."""
    by_neighbour = by_category(outcomes, lambda o: o.neighbour)
    by_wrong = by_category(outcomes, lambda o: o.wrong_answer)
    return {
        "neighbour_hits": _rate(sum(o.neighbour for o in outcomes), len(outcomes)),
        "wrong_answers": _rate(sum(o.wrong_answer for o in outcomes), len(outcomes)),
        "categories": [
            {
                "category": n.category,
                "same_answer": n.same_answer,
                "neighbour_hits": _rate(n.served, n.total),
                "wrong_answers": _rate(w.served, w.total),
            }
            for n, w in zip(by_neighbour, by_wrong, strict=True)
        ],
    }


def summary(outcomes: Sequence[Outcome], *, shared: bool = False) -> dict[str, object]:
    """Everything above for one run, JSON-ready; ``neighbours`` when the pairs shared one store, else None."""
    return {
        "scores": scores(outcomes).to_dict(),
        "categories": [c.to_dict() for c in by_category(outcomes)],
        "languages": {lang: s.to_dict() for lang, s in by_language(outcomes).items()},
        "rejected_by": rejections(outcomes),
        "no_candidate": sum(o.similarity is None and not o.candidates for o in outcomes),
        "refused_before_question": sum(o.similarity is None and o.candidates > 0 for o in outcomes),
        "check_failures": sum(o.check_error is not None for o in outcomes),
        "check_error": next((o.check_error for o in outcomes if o.check_error is not None), None),
        "latency_ms": latency(outcomes),
        "neighbours": neighbours(outcomes) if shared else None,
    }
