"""What the veto studies (``unshared_words.py``, ``one_sided.py``) share: the entity guard's reason read back
into each side's words, and how a signal is scored as a way to lift a veto: AUC, the best cut within a trap
budget, and that cut chosen leave-one-set-out. Imported by the scripts, which run from this folder."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from typing import Protocol

_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


class Scored(Protocol):
    """A vetoed dev pair as the studies keep it: its set, its label and its signals' values."""

    @property
    def name(self) -> str: ...
    @property
    def should_hit(self) -> bool: ...
    @property
    def values(self) -> dict[str, float]: ...


def unshared_of(reason: str) -> tuple[list[str], list[str]]:
    """The query's and the candidate's unshared words from the entity guard's reason ("different subject:
    'buy' vs 'purchas' (in backstory only)" -> ["buy"], ["purchas"])."""
    body = reason.split(":", 1)[1] if ":" in reason else reason
    left, _, right = body.partition(" vs ")
    right = right.split(" (", 1)[0]  # what follows is why the veto holds: "(a clause on one side: 'of steel')"
    return _QUOTED.findall(left), _QUOTED.findall(right)


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """ROC-AUC (ties count half): the chance a should-hit scores above a trap."""
    if not positive or not negative:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positive for n in negative)
    return wins / (len(positive) * len(negative))


def best_cut(items: Sequence[tuple[float, bool]], budget: int) -> tuple[float, int, int]:
    """The cut (lift a veto at value >= cut) gaining most should-hits with at most ``budget`` traps: cut,
    should-hits, traps. No cut gains anything: ``inf``."""
    best = (float("inf"), 0, 0)
    for cut in sorted({v for v, _ in items}, reverse=True):
        hits = sum(1 for v, hit in items if v >= cut and hit)
        traps = sum(1 for v, hit in items if v >= cut and not hit)
        if traps > budget:
            break
        if hits > best[1]:
            best = (cut, hits, traps)
    return best


def loso(items: Sequence[Scored], key: str, budget: int) -> tuple[int, int]:
    """Should-hits gained and traps let through, each set's cut chosen on the other sets only."""
    hits = traps = 0
    for name in sorted({v.name for v in items}):
        cut, _, _ = best_cut([(v.values[key], v.should_hit) for v in items if v.name != name], budget)
        held = [v for v in items if v.name == name and v.values[key] >= cut]
        hits += sum(v.should_hit for v in held)
        traps += sum(not v.should_hit for v in held)
    return hits, traps


def quartiles(values: Sequence[float], digits: int = 2) -> str:
    """Q1 / median / Q3, or the values themselves when there are fewer than two."""
    if len(values) < 2:
        return " / ".join(f"{v:.{digits}f}" for v in values) or "-"
    return " / ".join(f"{q:.{digits}f}" for q in statistics.quantiles(values, n=4))


def signal_header(first: str, budgets: Sequence[int]) -> list[str]:
    """The header of a table of :func:`signal_cells` rows."""
    return [
        f"| {first} | should-hits q1/med/q3 | traps q1/med/q3 | AUC (all) | AUC (lifted) | "
        + " | ".join(f"gain @{k} trap (cut)" for k in budgets)
        + " | "
        + " | ".join(f"LOSO @{k}: hits/traps" for k in budgets)
        + " |",
        "|---" * (5 + 2 * len(budgets)) + "|",
    ]


def signal_cells(items: Sequence[Scored], lifted: Sequence[Scored], key: str, budgets: Sequence[int]) -> list[str]:
    """One signal's row: quartiles by label, AUC on all and on the pairs a lifted veto would serve, the best
    pooled cut per trap budget (gain, cut, traps), and the leave-one-set-out gain per budget."""

    def values(vs: Sequence[Scored], hit: bool) -> list[float]:
        return [v.values[key] for v in vs if v.should_hit == hit]

    cells = [
        key,
        quartiles(values(items, True), 3),
        quartiles(values(items, False), 3),
        f"{auc(values(items, True), values(items, False)):.3f}",
        f"{auc(values(lifted, True), values(lifted, False)):.3f}",
    ]
    pool = [(v.values[key], v.should_hit) for v in lifted]
    for budget in budgets:
        cut, gained, let = best_cut(pool, budget)
        cells.append(f"{gained} ({cut:.3f}, {let} traps)" if gained else "0")
    return cells + [f"{h}/{t}" for h, t in (loso(lifted, key, budget) for budget in budgets)]
