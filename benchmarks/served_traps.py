"""The wrong answers the default still serves on DEV splits, one row each, to count by mechanism (issue 13).

Runs each set's dev split through the real cache as ``nearhit eval -d <set> --split dev`` does (the configured
judge and threshold), then prints a Markdown table per set (own answers served to should-hits, traps served,
and with ``--shared`` the lookups served another pair's answer) and one row per wrong answer: its category,
the similarity, the stored question served and the question asked. Only dev items are read or printed.

    PYTHONPATH=src .venv/bin/python benchmarks/served_traps.py questions nearhit nearhit-v2 ... nearhit-v11
    PYTHONPATH=src .venv/bin/python benchmarks/served_traps.py --shared questions nearhit ...   # ~15 s a set
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from nearhit import evaluation
from nearhit.config import load_settings
from nearhit.evaluation import Pair
from nearhit.evaluation.runner import answer, scratch


@dataclass(frozen=True)
class Served:
    """One lookup: whether it was served, whose answer, at what similarity."""

    pair: Pair
    served: Pair | None
    similarity: float | None
    rejected_by: str | None = None

    @property
    def neighbour(self) -> bool:
        return self.served is not None and self.served.a.prompt != self.pair.a.prompt


async def look_up(name: str, shared: bool, pick: Callable[[Pair], bool] | None = None) -> list[Served]:
    """Every dev pair of ``name`` (or those ``pick`` keeps): store each ``a``, look each ``b`` up (``shared``: all
    in one scope)."""
    pairs = [pair for pair in evaluation.load(name, "dev") if pick is None or pick(pair)]
    by_answer = {answer(pair): pair for pair in pairs}
    found = []
    async with evaluation.scratch_cache(load_settings()) as cache, scratch(cache, pairs, shared=shared) as asks:
        for pair, ask in zip(pairs, asks, strict=True):
            result = await cache.lookup(ask())
            served = result.answer.response if result.match is not None and result.answer is not None else None
            found.append(Served(pair, by_answer[served] if served else None, result.similarity, result.rejected_by))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="built-in question sets; their dev splits only")
    parser.add_argument("--shared", action="store_true", help="every a in one scope, as nearhit eval --shared")
    args = parser.parse_args()
    runs = {name: asyncio.run(look_up(name, args.shared)) for name in args.sets}
    print("| set | should-hits served | traps served | neighbour answers served / lookups |")
    print("|---|---|---|---|")
    totals = [0] * 5
    for name, found in runs.items():
        own = [s for s in found if s.served is not None and not s.neighbour]
        row = [
            sum(s.pair.same_answer for s in own),
            sum(s.pair.same_answer for s in found),
            sum(not s.pair.same_answer for s in own),
            sum(not s.pair.same_answer for s in found),
            sum(s.neighbour for s in found),
        ]
        totals = [t + r for t, r in zip(totals, row, strict=True)]
        print(f"| {name} | {row[0]}/{row[1]} | {row[2]}/{row[3]} | {row[4]}/{len(found)} |")
    lookups = sum(len(found) for found in runs.values())
    print(f"| **pooled** | {totals[0]}/{totals[1]} | {totals[2]}/{totals[3]} | {totals[4]}/{lookups} |")
    print("\n| set | category | served | similarity | stored question served | question asked |")
    print("|---|---|---|---|---|---|")
    for name, found in runs.items():
        for s in found:
            if s.served is not None and (s.neighbour or not s.pair.same_answer):
                whose = f"neighbour ({s.served.category})" if s.neighbour else "own a"
                similarity = f"{s.similarity:.3f}" if s.similarity is not None else ""
                print(
                    f"| {name} | {s.pair.category} | {whose} | {similarity} | {s.served.a.prompt} | {s.pair.b.prompt} |"
                )


if __name__ == "__main__":
    main()
