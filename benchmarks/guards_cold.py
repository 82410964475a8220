"""The guards' first look at a pair: CPU per pair of the dev splits, every text seen for the first time.

A semantic lookup of a new prompt pays this for each candidate it judges (issue 18): the per-text analyses
(tokens, stems, language, content words) and the comparison. One process, one pass, so nothing is cached
but the word lists (loaded by a pair judged first, untimed). To compare two trees, run it on each in turn,
alternated a few times (the figure is CPU time, steadier than wall time on a busy machine, not immune):

    python benchmarks/guards_cold.py                      # nearhit-v7 and nearhit-v6, dev splits
    PYTHONPATH=<older tree>/src python benchmarks/guards_cold.py
    python benchmarks/guards_cold.py --profile            # and where the time goes (cProfile, its own overhead)
    python benchmarks/guards_cold.py --prepared           # the query prepared first (as while its embedding
                                                          # runs), timed apart from the look that follows
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

from nearhit.cache.keys import normalise
from nearhit.evaluation.dataset import load
from nearhit.guards import GuardSet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--datasets", default="nearhit-v7,nearhit-v6", help="comma list; their dev splits")
    parser.add_argument("--profile", action="store_true", help="the pass under cProfile, its top functions")
    parser.add_argument("--prepared", action="store_true", help="GuardSet.prepare(query) first, timed apart")
    args = parser.parse_args()
    pairs = [
        (normalise(pair.b.prompt), normalise(pair.a.prompt))
        for dataset in args.datasets.split(",")
        for pair in load(dataset, "dev")
    ]
    guards = GuardSet.default()
    guards.deciding_signals("warm up the word lists", "the word lists warmed up")
    profile = cProfile.Profile() if args.profile else None
    cpu: list[float] = []
    ahead: list[float] = []
    if profile is not None:
        profile.enable()
    for query, candidate in pairs:
        if args.prepared:
            started = time.thread_time()
            guards.prepare(query)  # what a lookup does while the model embeds the query
            ahead.append((time.thread_time() - started) * 1000)
        started = time.thread_time()
        guards.deciding_signals(query, candidate)  # what first_rejection and quiet read, memoised per pair
        cpu.append((time.thread_time() - started) * 1000)
    if profile is not None:
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    prepared = (
        f"; prepared ahead: mean {statistics.fmean(ahead):.3f} ms, p50 {statistics.median(ahead):.3f} ms"
        if ahead
        else ""
    )
    print(
        f"{len(pairs)} pairs ({args.datasets}, dev), first look: CPU per pair mean {statistics.fmean(cpu):.3f} ms, "
        f"p50 {statistics.median(cpu):.3f} ms{prepared}"
    )


if __name__ == "__main__":
    main()
