"""Recall and wrong hits of the conversation dev splits as one of the conversation rules' constants varies.

One scratch store per set, then one lookup pass per value with the constant set on
:mod:`nearhit.cache.conversation` (the configured judge, as ``nearhit eval`` runs it). Dev splits only: the
constants are chosen here, so the test splits stay unread.

    python benchmarks/conversation_sweep.py --constant RETOLD_FLOOR --values 0.8,0.76,0.74,0.72,0.7,0.68,0.64
    python benchmarks/conversation_sweep.py --constant ONE_QUESTION_THRESHOLD --values 0.88,0.84,0.8,0.78
"""

from __future__ import annotations

import argparse
import asyncio

from nearhit import evaluation
from nearhit.cache import conversation
from nearhit.cli._common import settings
from nearhit.cli.eval_cmd import _configured
from nearhit.evaluation.dataset import CONVERSATION_SETS
from nearhit.evaluation.runner import judge_with, look_up, scratch

SETS = CONVERSATION_SETS
CONSTANTS = ("RETOLD_FLOOR", "CONTEXT_THRESHOLD", "ONE_QUESTION_THRESHOLD")


async def sweep(constant: str, values: list[float]) -> dict[str, dict[float, tuple[int, int, int, int]]]:
    """Per set and value: should-hits served, should-hits, traps served, traps."""
    table: dict[str, dict[float, tuple[int, int, int, int]]] = {}
    shipped = getattr(conversation, constant)
    try:
        async with evaluation.scratch_cache(settings()) as cache:
            sets = evaluation.guard_sets(_configured(cache), decision=cache.decision, guards=cache.guards)
            judge_with(cache, next(iter(sets.values())))
            for name in SETS:
                pairs = evaluation.load(name, "dev")
                async with scratch(cache, pairs) as asks:
                    for value in values:
                        setattr(conversation, constant, value)
                        outcomes = await look_up(cache, pairs, asks)
                        same = [o for o in outcomes if o.same_answer]
                        traps = [o for o in outcomes if not o.same_answer]
                        table.setdefault(name, {})[value] = (
                            sum(o.match is not None for o in same),
                            len(same),
                            sum(o.match is not None for o in traps),
                            len(traps),
                        )
    finally:
        setattr(conversation, constant, shipped)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--constant", choices=CONSTANTS, default="RETOLD_FLOOR")
    parser.add_argument("--values", default="0.8,0.76,0.74,0.72,0.7,0.68,0.64")
    args = parser.parse_args()
    values = [float(value) for value in args.values.split(",")]
    table = asyncio.run(sweep(args.constant, values))
    print(f"| set (dev) | {' | '.join(f'{args.constant} {v}' for v in values)} |")
    print(f"|---|{'---|' * len(values)}")
    for name, row in [*table.items(), ("six dev splits", _pooled(table, values))]:
        cells = [f"{h}/{n}, {w}/{t}" for h, n, w, t in (row[v] for v in values)]
        print(f"| {name} | {' | '.join(cells)} |")


def _pooled(
    table: dict[str, dict[float, tuple[int, int, int, int]]], values: list[float]
) -> dict[float, tuple[int, int, int, int]]:
    def total(value: float, k: int) -> int:
        return sum(row[value][k] for row in table.values())

    return {v: (total(v, 0), total(v, 1), total(v, 2), total(v, 3)) for v in values}


if __name__ == "__main__":
    main()
