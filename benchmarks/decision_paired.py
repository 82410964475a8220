"""The calibrated decision's first look at a new pair, this tree against another, paired in one process (issue 13:
the decision should add <= 0.15 ms to the guards' first look).

    python benchmarks/decision_paired.py 8167b2d                      # nearhit-v19 and nearhit-v18, dev splits
    python benchmarks/decision_paired.py 8167b2d --datasets questions

For each dev pair, in a random order of the two trees: the guards' first look (``first_rejection``, every text
new), then the decision's judgement of the same pair (``judge``: what it does beyond the guards' vetoes, which it
reads from their memo; the two together are the decision's first look, cold), then the same pair judged again at
another similarity (warm). The other tree is ``git archive``'d and imported as ``nearhit_rev``
(``lookup_against.import_rev``), so each tree keeps its own caches. CPU time of this thread; the garbage collector
paused while timing. Pairs as the engine reads them (``normalise``d), each text new.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from guards_paired import interleaved  # run from benchmarks/
from lookup_against import import_rev
from nearhit.cache.keys import normalise
from nearhit.decision import Decision
from nearhit.evaluation.dataset import load

STAGES = ("guards, cold", "decision beyond the guards, cold", "decision, cold", "decision, warm")


def timed(decision: Any, query: str, candidate: str) -> tuple[float, float, float]:
    """CPU ms of the guards' first look, of the decision's judgement after it, and of a second judgement."""
    started = time.thread_time()
    decision.guards.first_rejection(query, candidate, 0.9)
    guarded = time.thread_time()
    decision.judge(query, candidate, 0.9)
    judged = time.thread_time()
    decision.judge(query, candidate, 0.8)
    again = time.thread_time()
    return (guarded - started) * 1000, (judged - guarded) * 1000, (again - judged) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("rev", help="the other tree (any git revision)")
    parser.add_argument("--datasets", default="nearhit-v19,nearhit-v18", help="comma list; their dev splits")
    args = parser.parse_args()
    pairs = [
        (normalise(p.b.prompt), normalise(p.a.prompt)) for name in args.datasets.split(",") for p in load(name, "dev")
    ]
    warm = [(normalise(p.b.prompt), normalise(p.a.prompt)) for p in load("questions", "dev")[:40]]
    with tempfile.TemporaryDirectory() as scratch:
        import_rev(args.rev, Path(scratch))
        trees = {"other": importlib.import_module("nearhit_rev.decision").Decision(), "this": Decision()}
        for decision in trees.values():  # word lists and lazy imports loaded, untimed
            for query, candidate in warm:
                decision.judge(query, candidate, 0.9)
        timings = interleaved(trees, pairs, timed)
    cpu = {
        name: dict(zip(STAGES, zip(*((g, b, g + b, a) for g, b, a in found), strict=True), strict=True))
        for name, found in timings.items()
    }
    print(f"{len(pairs)} new pairs ({args.datasets}, dev), CPU ms per pair: {args.rev} / this")
    print("| stage | mean | p50 | p99 |")
    print("|---|---|---|---|")
    for stage in STAGES:
        other, this = cpu["other"][stage], cpu["this"][stage]
        cells = [
            f"{statistics.fmean(other):.3f} / {statistics.fmean(this):.3f}",
            f"{statistics.median(other):.3f} / {statistics.median(this):.3f}",
            f"{statistics.quantiles(other, n=100)[98]:.3f} / {statistics.quantiles(this, n=100)[98]:.3f}",
        ]
        print(f"| {stage} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
