"""What the error-bounded replay's first pass explores, and what capping it at a share of lookups would cost.

Reads the ``--json`` reports of ``nearhit eval --replay`` (DEV splits only) and prints, per set and pooled:
pass 1's explorations, what it served right / wrong, passes 2 and 3; how many first-pass explorations came
after the index's own labels had already shown the static decision's serves wrong more often than the bound
(the exact one-sided 95% Clopper-Pearson *lower* bound of their wrong rate over it: withheld because the
evidence says no, not to learn); and an exploration budget computed on paper: at most ``--cap`` of each window
of 100 lookups explored, the rest served on the static decision. On paper is exact here: a served answer gets
the replay's feedback, which is the label the exploration got from the judge, and the audit draws do not depend
on the action, so the labels, and every later decision, are the same lookup for lookup; only what is served differs.
The budget runs in two forms: always, and only while the labels so far have not shown the static decision
over the bound.

    NEARHIT_MAX_WRONG_RATE=0.02 nearhit eval --replay -d <set> --split dev --passes 3 --seed 0 --json > <set>.json
    python benchmarks/first_pass_budget.py <set>.json [...] [--cap 0.2]
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any


def lower_bound(wrong: int, total: int, alpha: float = 0.05) -> float:
    """The exact one-sided lower confidence bound of a rate (Clopper-Pearson; Wilson's is far too high at one
    wrong in a few): the rate at which ``wrong`` or more in ``total`` has probability ``alpha``."""
    if wrong <= 0:
        return 0.0
    low, high = 0.0, 1.0
    for _ in range(50):
        p = (low + high) / 2
        tail = sum(math.comb(total, k) * p**k * (1 - p) ** (total - k) for k in range(wrong, total + 1))
        low, high = (low, p) if tail > alpha else (p, high)
    return low


@dataclass
class Row:
    """One set's first pass (and the two after), with the budget's figures."""

    lookups: int = 0
    explored: int = 0
    right: int = 0
    wrong: int = 0
    later_right: int = 0  # passes 2 and 3 together
    later_wrong: int = 0
    later_explored: int = 0
    after_proof: int = 0  # explorations after the labels so far showed the static serves over the bound
    budget_served: int = 0  # over the budget, served on the static decision
    budget_wrong: int = 0
    gated_served: int = 0  # the same, only while the static serves are not shown over the bound
    gated_wrong: int = 0
    gated_explored: int = 0

    def plus(self, other: Row) -> Row:
        return Row(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Row)))


def row(report: dict[str, Any], cap: float) -> Row:
    first, *later = report["passes"]
    bound = report["max_wrong_rate"]
    out = Row(first["lookups"], first["explorations"], first["hits"], first["wrong_hits"])
    out.later_right = sum(p["hits"] for p in later)
    out.later_wrong = sum(p["wrong_hits"] for p in later)
    out.later_explored = sum(p["explorations"] for p in later)
    explored = iter(first["explored"])
    wrong = seen = 0  # the static decision's serves labelled so far (the first pass's explorations)
    for window in first["windows"]:
        allowed = math.floor(cap * window["lookups"])
        for n in range(window["explorations"]):
            probe = next(explored)
            proven = lower_bound(wrong, seen) > bound
            out.after_proof += proven
            if n >= allowed:
                out.budget_served += 1
                out.budget_wrong += not probe["right"]
            if n >= allowed and not proven:
                out.gated_served += 1
                out.gated_wrong += not probe["right"]
            seen += 1
            wrong += not probe["right"]
    out.gated_explored = out.explored - out.gated_served
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", type=Path)
    parser.add_argument("--cap", type=float, default=0.2, help="explorations allowed per window, as a share")
    args = parser.parse_args()
    print(
        "| set (dev, lookups a pass) | pass 1: explored | pass 1: served right / wrong | passes 2+3: right / wrong,"
        " explored | pass 1: explored after the labels showed the static serves over the bound | budget: served"
        " sooner, wrong among them | budget while not shown over: explored, served sooner, wrong |"
    )
    print("|---|---|---|---|---|---|---|")
    total = Row()
    for path in args.reports:
        report = json.loads(path.read_text(encoding="utf-8"))
        r = row(report, args.cap)
        total = total.plus(r)
        _print(f"{report['dataset']} ({r.lookups})", r)
    _print(f"**pooled** ({total.lookups})", total)


def _print(name: str, r: Row) -> None:
    share = 100 * r.explored / r.lookups if r.lookups else 0.0
    gated = 100 * r.gated_explored / r.lookups if r.lookups else 0.0
    print(
        f"| {name} | {r.explored} ({share:.1f}%) | {r.right} / {r.wrong} | {r.later_right} / {r.later_wrong},"
        f" {r.later_explored} | {r.after_proof} | {r.budget_served}, {r.budget_wrong} |"
        f" {r.gated_explored} ({gated:.1f}%), {r.gated_served}, {r.gated_wrong} |"
    )


if __name__ == "__main__":
    main()
