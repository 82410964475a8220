"""Each pair's verdict, one line a pair, to check that a latency-only change serves what it served before (issue 14):
every pair of the sets named, in the split named, run as ``nearhit eval`` runs it (its ``a`` alone in a scratch
scope, the configured judge), printed as its id, served or missed, the answer served, and the cause
``conversation_misses.py`` reads (shown apart: a second chance not taken may leave other candidates' reasons).
Run it on two trees and ``diff`` the verdict columns; no outcome is read for tuning (any split of any set may be
checked for a change that claims the same verdicts, never the fresh sets under /work/wt/_data/).

    PYTHONPATH=src:benchmarks python benchmarks/same_verdicts.py --split all nearhit-conversations-v72 > mine.txt
    PYTHONPATH=/path/to/base/src:benchmarks python benchmarks/same_verdicts.py --split all ... > base.txt
    diff <(cut -d'|' -f1 base.txt) <(cut -d'|' -f1 mine.txt)
"""

from __future__ import annotations

import argparse
import asyncio

from conversation_misses import cause, shape
from nearhit import evaluation
from nearhit.cli._common import settings
from nearhit.cli.eval_cmd import _configured
from nearhit.evaluation.runner import judge_with, scratch


async def verdicts(names: list[str], split: str) -> None:
    async with evaluation.scratch_cache(settings()) as cache:
        sets = evaluation.guard_sets(_configured(cache), decision=cache.decision, guards=cache.guards)
        judge_with(cache, next(iter(sets.values())))
        for name in names:
            pairs = evaluation.load(name, split)
            async with scratch(cache, pairs) as asks:
                for pair, ask in zip(pairs, asks, strict=True):
                    query = ask()
                    stored = evaluation.runner.request(cache, query.scope.tenant, pair.a)
                    result = await cache.lookup(query)
                    served = result.answer.response if result.answer is not None else "-"
                    why = f"{shape(pair, query, stored.context is not None)} | {cause(result)}"
                    kind = "served" if result.match else "missed"
                    print(f"{name} {pair.id} {pair.same_answer} {kind} {served!r} | {why}", flush=True)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    args = parser.parse_args()
    asyncio.run(verdicts(args.sets, args.split))


if __name__ == "__main__":
    cli()
