"""Conversation dev pairs judged by the guards and by the calibrated decision, pair by pair, on one scratch store.

Each set's dev pairs are stored once; each ``b`` is looked up twice, once per judge, and the conversations the
guards serve and the decision does not are listed with what served them (the margin) and why the decision did
not (its reason, or "under the floor": not judged). Since the eleventh session a conversation's lookup under
the decision is judged by the guards, so on this tree the two columns agree by construction; the figures in
benchmarks/README.md were measured on the tree before that change (``git checkout eda27ed``). DEV splits only.

    PYTHONPATH=src python benchmarks/conversation_judges.py [SET ...]
"""

from __future__ import annotations

import asyncio
import collections
import sys
from typing import Any

from nearhit import evaluation
from nearhit.cache.results import LookupResult
from nearhit.config import load_settings
from nearhit.decision import Decision
from nearhit.evaluation.runner import judge_with, scratch

SETS = ["conversations", "nearhit-conversations", *(f"nearhit-conversations-v{n}" for n in range(2, 12))]


def served_by(result: LookupResult) -> str:
    """The margin that served the hit ('-' at or above the threshold), or why the miss was one."""
    if result.hit:
        margins = [c.margin for c in result.candidates if c.outcome == "served"]
        return (margins[0] if margins else None) or "-"
    return result.rejection_reason or "under the floor"


async def main() -> None:
    table: dict[str, collections.Counter[str]] = {}
    lost: list[tuple[str, str, Any, str, str]] = []
    async with evaluation.scratch_cache(load_settings(decision=False)) as cache:
        assert cache.guards is not None
        judges = {"guards": cache.guards, "decision": Decision(cache.guards)}
        for name in sys.argv[1:] or SETS:
            pairs = evaluation.load(name, "dev")
            counts = table.setdefault(name, collections.Counter())
            async with scratch(cache, pairs) as asks:
                for pair, ask in zip(pairs, asks, strict=True):
                    results = {}
                    for label, judge in judges.items():
                        judge_with(cache, judge)
                        results[label] = await cache.lookup(ask())
                    kind = "should" if pair.same_answer else "trap"
                    counts[kind] += 1
                    for label, result in results.items():
                        counts[f"{kind} {label}"] += result.hit
                    if results["guards"].hit and not results["decision"].hit:
                        similarity = round(results["guards"].similarity or 0.0, 3)
                        lost.append(
                            (pair.id, kind, similarity, served_by(results["guards"]), served_by(results["decision"]))
                        )
            print(name, file=sys.stderr, flush=True)
    print("| set | should-hits | guards | decision | traps | guards | decision |\n|---|---|---|---|---|---|---|")
    for name, c in [*table.items(), ("all", sum(table.values(), collections.Counter()))]:
        row = [c["should"], c["should guards"], c["should decision"], c["trap"], c["trap guards"], c["trap decision"]]
        print(f"| {name} | " + " | ".join(map(str, row)) + " |")
    print("\nServed by the guards, not by the decision:\n| pair | kind | similarity | guards' margin | decision |")
    print("|---|---|---|---|---|")
    for row in lost:
        print("| " + " | ".join(map(str, row)) + " |")


if __name__ == "__main__":
    asyncio.run(main())
