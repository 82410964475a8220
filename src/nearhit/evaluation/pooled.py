"""Several labelled sets run one after another, then pooled: what ``nearhit eval -d A -d B ...`` adds.

Each set is run as it would be alone (its own scratch scopes; a conversation set's shared-scope second pass over its
own pairs, never across sets). Pooling adds the per-pair outcomes up: totals with Wilson intervals, per category
(by name, so a category two sets share is one row, and a question set may be pooled with a conversation set), dev
and test apart, and the second passes' neighbour wrong hits over the sets that had one. No click here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nearhit.evaluation import splits
from nearhit.evaluation.metrics import Outcome, neighbours, scores, summary


@dataclass(frozen=True)
class SetRun:
    """One set's run: its name, the split read, the main judge's outcomes (pair by pair, or every ``a`` in one scope
    with ``shared``), the second pass's (every ``a`` in one scope; None when not run) and each judge's with
    ``--per-guard``."""

    name: str
    split: str
    outcomes: Sequence[Outcome]
    neighbour_outcomes: Sequence[Outcome] | None = None
    per_guard: Mapping[str, Sequence[Outcome]] | None = None


def parts(outcomes: Sequence[Outcome]) -> dict[str, list[Outcome]]:
    """The outcomes of dev and of test apart, each part present only when it holds any."""
    held = {part: [o for o in outcomes if splits.split_of(o.pair_id) == part] for part in ("dev", "test")}
    return {part: found for part, found in held.items() if found}


def _count(outcomes: Sequence[Outcome]) -> dict[str, dict[str, int]]:
    s = scores(outcomes)
    return {
        "should_hit": {"served": s.hits, "total": s.should_hit},
        "traps": {"served": s.wrong_hits, "total": s.traps},
    }


def _neighbour_count(outcomes: Sequence[Outcome]) -> dict[str, int]:
    return {"count": sum(o.neighbour for o in outcomes), "total": len(outcomes)}


def set_line(run: SetRun, *, shared: bool) -> dict[str, object]:
    """A set's line of the pooled report: should-hits and traps served, dev and test apart when the whole set was
    read, and its neighbour wrong hits (the second pass's, or the run's own with ``shared``; None when neither)."""
    found = run.outcomes if shared else run.neighbour_outcomes
    return {
        "dataset": run.name,
        "split": run.split,
        "pairs": len(run.outcomes),
        **_count(run.outcomes),
        "by_split": {part: _count(held) for part, held in parts(run.outcomes).items()} if run.split == "all" else None,
        "neighbours": None if found is None else _neighbour_count(found),
    }


def pool(runs: Sequence[SetRun], *, shared: bool = False) -> dict[str, object]:
    """The pooled block: a line per set, then every set's outcomes added up as one run's summary (totals with
    Wilson intervals, per category by name, per language, guard rejections, latency), dev and test apart when any
    set was read whole, the second passes pooled (``shared_neighbours``: over ``sets`` of the runs, those that had
    one) and, with ``--per-guard``, each judge's scores pooled."""
    every = [o for run in runs for o in run.outcomes]
    apart = any(run.split == "all" for run in runs)
    second = [run for run in runs if run.neighbour_outcomes is not None]
    met = [o for run in second for o in run.neighbour_outcomes or ()]
    per_guard: dict[str, list[Outcome]] | None = None
    if all(run.per_guard is not None for run in runs):
        per_guard = {}
        for run in runs:
            for name, outcomes in (run.per_guard or {}).items():
                per_guard.setdefault(name, []).extend(outcomes)
    return {
        "sets": len(runs),
        "pairs": len(every),
        "per_set": [set_line(run, shared=shared) for run in runs],
        **summary(every, shared=shared),
        "by_split": {part: summary(held, shared=shared) for part, held in parts(every).items()} if apart else None,
        "shared_neighbours": (
            None
            if not second
            else {
                **neighbours(met),
                "sets": len(second),
                "by_split": {part: neighbours(held) for part, held in parts(met).items()} if apart else None,
            }
        ),
        "per_guard": (
            None
            if per_guard is None
            else {name: summary(outcomes, shared=shared) for name, outcomes in per_guard.items()}
        ),
    }
