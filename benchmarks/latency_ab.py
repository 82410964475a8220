"""Two source trees' "first look less the embed" (conversation − single), interleaved over many runs.

The figure a latency-only branch is judged by (``conversation_latency.py``'s first table: a conversation's first look
less its embedding, p50, less the single question's) moved 1.63-2.36 ms over four runs of one tree within three
minutes on this machine (thirty-fourth session), so two runs of each tree cannot resolve a few tenths of a
millisecond. This runs ``conversation_latency.py --no-service`` with each tree's ``src`` first on the path, A, B, A,
B, ..., and prints every run's figure, each tree's median and the median of the paired differences (B − A): a branch
that is faster has most differences below zero. Beside it, the same for the first look with its embedding (the
benchmark's line ``WITH_EMBED``): work moved into the embedding's time lowers the first figure, not this one.

    python benchmarks/latency_ab.py /work/wt/base /work/wt/branch --pairs 6
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).with_name("conversation_latency.py")
_ROW = re.compile(r"^\| (single question|conversation) \|.*\| ([\d.]+) / [\d.]+ \|$", re.M)
_WITH = re.compile(r"^The first look with its embedding, p50 ms: single question ([\d.]+), conversation ([\d.]+)", re.M)


def figure(output: str) -> float:
    """Conversation − single, "first look less the embed" p50 (ms), from ``conversation_latency.py``'s output."""
    found = dict(_ROW.findall(output))
    if set(found) != {"single question", "conversation"}:
        raise ValueError("no 'first look less the embed' rows for both lookups in the output")
    return round(float(found["conversation"]) - float(found["single question"]), 2)


def with_embed(output: str) -> float | None:
    """Conversation − single, the first look with its embedding p50 (ms): a branch that moves work into the embedding's
    time lowers :func:`figure` without lowering this (None: a benchmark without the line)."""
    found = _WITH.search(output)
    return round(float(found.group(2)) - float(found.group(1)), 2) if found else None


def run(tree: Path) -> tuple[float, float | None]:
    """One run of the benchmark on ``tree``'s source; its figure, and the first look's with the embedding."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--no-service"], env=env, cwd=SCRIPT.parent, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{tree}: conversation_latency.py failed:\n{done.stderr[-2000:]}")
    return figure(done.stdout), with_embed(done.stdout)


def main(a: Path, b: Path, pairs: int) -> None:
    for tree in (a, b):
        if not (tree / "src" / "nearhit").is_dir():
            raise SystemExit(f"{tree}: no src/nearhit there (give a checkout's top folder)")
    figures: dict[Path, list[float]] = {a: [], b: []}
    embedded: dict[Path, list[float | None]] = {a: [], b: []}
    print(
        "| pair | time | load | A | B | B − A | A with the embed | B with the embed | B − A with the embed |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    for pair in range(1, pairs + 1):
        load = os.getloadavg()[0]
        started = time.strftime("%H:%M:%S")
        for tree in (a, b):
            less, more = run(tree)
            figures[tree].append(less)
            embedded[tree].append(more)
        diff = figures[b][-1] - figures[a][-1]
        x, y = embedded[a][-1], embedded[b][-1]
        cells = f"{x:.2f} | {y:.2f} | {y - x:+.2f}" if x is not None and y is not None else "– | – | –"
        print(
            f"| {pair} | {started} | {load:.2f} | {figures[a][-1]:.2f} | {figures[b][-1]:.2f} | {diff:+.2f} | {cells} |"
        )
    diffs = [y - x for x, y in zip(figures[a], figures[b], strict=True)]
    print(
        f"\nmedian A {statistics.median(figures[a]):.2f} ms, B {statistics.median(figures[b]):.2f} ms; "
        f"paired B − A median {statistics.median(diffs):+.2f} ms, B lower in {sum(d < 0 for d in diffs)} of {pairs}"
    )
    both = [(x, y) for x, y in zip(embedded[a], embedded[b], strict=True) if x is not None and y is not None]
    if both:
        moved = [y - x for x, y in both]
        print(
            f"with the embed: median A {statistics.median(x for x, _ in both):.2f} ms, "
            f"B {statistics.median(y for _, y in both):.2f} ms; "
            f"paired B − A median {statistics.median(moved):+.2f} ms, "
            f"B lower in {sum(d < 0 for d in moved)} of {len(both)}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="the base checkout (its src/ is put first on the path)")
    parser.add_argument("b", type=Path, help="the branch checkout")
    parser.add_argument("--pairs", type=int, default=6, help="interleaved A, B runs (default 6; ~25 s a run)")
    args = parser.parse_args()
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    main(args.a, args.b, args.pairs)
