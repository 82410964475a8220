"""The guards' first look at a pair, this tree against another, paired in one process: each dev pair is
judged cold by both trees' guards, in a random order, so the machine's load falls on both alike (separate
runs of ``guards_cold.py`` on a shared machine differ by more than a small change does).

    git archive <commit> src | tar -x -C /tmp/base            # the other tree's code
    python benchmarks/guards_paired.py --base /tmp/base/src   # nearhit-v11 and nearhit-v10, dev splits

The other tree's package is copied under another name (``nearhit_base``), so each tree keeps its own caches.
The garbage collector is paused while timing: a full collection lands on one pair of one tree.
"""

from __future__ import annotations

import argparse
import gc
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from nearhit.cache.keys import normalise
from nearhit.evaluation.dataset import load
from nearhit.guards import GuardSet

T = TypeVar("T")
R = TypeVar("R")


def _base_guards(src: Path, into: Path) -> GuardSet:
    """The other tree's default guard set, its package imported as ``nearhit_base``."""
    package = into / "nearhit_base"
    shutil.copytree(src / "nearhit", package)
    for path in package.rglob("*.py"):
        path.write_text(
            re.sub(r"\bnearhit(?=[. ])", "nearhit_base", path.read_text(encoding="utf-8")), encoding="utf-8"
        )
    sys.path.insert(0, str(into))
    from nearhit_base.guards import GuardSet as BaseGuardSet  # type: ignore[import-not-found]

    guards: GuardSet = BaseGuardSet.default()
    return guards


def _first_look(guards: GuardSet, query: str, candidate: str) -> float:
    started = time.thread_time()
    guards.deciding_signals(query, candidate)
    return (time.thread_time() - started) * 1000


def interleaved(
    trees: dict[str, T], pairs: Sequence[tuple[str, str]], measure: Callable[[T, str, str], R]
) -> dict[str, list[R]]:
    """``measure(tree, query, candidate)`` on each pair for each tree, the trees in a random order each time (the
    machine's load falls on both alike), the garbage collector paused."""
    found: dict[str, list[R]] = {name: [] for name in trees}
    order = list(trees.items())
    shuffle = random.Random(0).shuffle
    gc.collect()
    gc.disable()
    try:
        for query, candidate in pairs:
            shuffle(order)
            for name, tree in order:
                found[name].append(measure(tree, query, candidate))
    finally:
        gc.enable()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--base", type=Path, required=True, help="the other tree's src directory")
    parser.add_argument("--datasets", default="nearhit-v11,nearhit-v10", help="comma list; their dev splits")
    args = parser.parse_args()
    pairs = [(normalise(p.b.prompt), normalise(p.a.prompt)) for d in args.datasets.split(",") for p in load(d, "dev")]
    warm = [(normalise(p.b.prompt), normalise(p.a.prompt)) for p in load("questions", "dev")[:40]]
    with tempfile.TemporaryDirectory() as scratch:
        trees = {"base": _base_guards(args.base, Path(scratch)), "this": GuardSet.default()}
        for guards in trees.values():  # word lists and lazy imports loaded, untimed
            for query, candidate in warm:
                guards.deciding_signals(query, candidate)
        cpu = interleaved(trees, pairs, _first_look)
    base, this = statistics.fmean(cpu["base"]), statistics.fmean(cpu["this"])
    print(
        f"{len(pairs)} pairs ({args.datasets}, dev), first look, CPU per pair: base mean {base:.3f} ms "
        f"(p50 {statistics.median(cpu['base']):.3f}), this mean {this:.3f} ms "
        f"(p50 {statistics.median(cpu['this']):.3f}), this/base {this / base:.3f}"
    )


if __name__ == "__main__":
    main()
