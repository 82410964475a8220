"""The conversation traps the default serves on DEV splits, and those only a fragile margin stops (issue 14).

Each conversation set's dev split through the real cache as ``nearhit eval -d <set> --split dev`` runs it (the
configured judge and threshold), then again with one margin moved by 0.02 toward serving: the context threshold,
the retold floor, the told-as-one threshold, the same-turns margin, the question's threshold. Prints per set the
should-hits and traps served (as shipped), then one row per trap served as shipped or under a moved margin: the
stage that served it (the context matched by meaning, the very same turns, a question that stands alone, told as
one question) and, for one not served as shipped, the margins that let it through; and per margin the should-hits
and traps it serves more, pooled. Only dev items are read or printed.

    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/conversation_traps.py        # ~5 min a pass
    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/conversation_traps.py --shipped-only
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from types import ModuleType

from nearhit import evaluation
from nearhit.cache import context_match, conversation
from nearhit.cache.results import LookupResult
from nearhit.config import load_settings
from nearhit.evaluation import Pair
from nearhit.evaluation.dataset import CONVERSATION_SETS
from nearhit.evaluation.runner import answer, scratch

MOVED = 0.02
MARGINS: dict[str, tuple[ModuleType, str, float] | None] = {
    "context threshold": (conversation, "CONTEXT_THRESHOLD", -MOVED),
    "retold floor": (conversation, "RETOLD_FLOOR", -MOVED),
    "told-as-one threshold": (conversation, "ONE_QUESTION_THRESHOLD", -MOVED),
    "same-turns margin": (context_match, "SAME_TURNS_MARGIN", +MOVED),
    "question threshold": None,  # the lookup's threshold itself
}


@dataclass(frozen=True)
class Looked:
    pair: Pair
    own: bool
    stage: str


def stage(result: LookupResult) -> str:
    """The path that served ``result``: which of a conversation's ways to an entry."""
    context = result.context or {}
    if context.get("same_turns"):
        return "a question asked alone after the same turns"
    if context.get("told_as_one"):
        return "told as one question"
    if "similarity" in context:
        return "the very same turns" if context["similarity"] >= 1.0 - 1e-6 else "context matched by meaning"
    return "a question that stands alone (or no context)"


async def run(sets: list[str], margins: list[str]) -> dict[str, dict[str, list[Looked]]]:
    """Per margin ("shipped" first) and set: each dev pair's lookup, own answer served or not, and by what."""
    found: dict[str, dict[str, list[Looked]]] = {}
    async with evaluation.scratch_cache(load_settings()) as cache:
        for name in sets:
            pairs = evaluation.load(name, "dev")
            by_answer = {answer(pair): pair for pair in pairs}
            async with scratch(cache, pairs) as asks:
                for margin in ["shipped", *margins]:
                    moved = MARGINS.get(margin)
                    shipped: float = getattr(moved[0], moved[1]) if moved else 0.0
                    if moved:
                        setattr(moved[0], moved[1], shipped + moved[2])
                    threshold = cache.threshold - (MOVED if margin == "question threshold" else 0.0)
                    try:
                        for pair, ask in zip(pairs, asks, strict=True):
                            result = await cache.lookup(ask(), threshold=threshold)
                            served = result.answer.response if result.match and result.answer else None
                            own = served is not None and by_answer[served].id == pair.id
                            found.setdefault(margin, {}).setdefault(name, []).append(Looked(pair, own, stage(result)))
                    finally:
                        if moved:
                            setattr(moved[0], moved[1], shipped)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", default=list(CONVERSATION_SETS), help="conversation sets; dev splits only")
    parser.add_argument("--shipped-only", action="store_true", help="no margin moved")
    args = parser.parse_args()
    found = asyncio.run(run(args.sets, [] if args.shipped_only else list(MARGINS)))
    shipped = found["shipped"]
    print("| set (dev) | should-hits served | traps served |\n|---|---|---|")
    totals = [0, 0, 0, 0]
    for name, looked in shipped.items():
        row = [
            sum(x.own for x in looked if x.pair.same_answer),
            sum(x.pair.same_answer for x in looked),
            sum(x.own for x in looked if not x.pair.same_answer),
            sum(not x.pair.same_answer for x in looked),
        ]
        totals = [t + r for t, r in zip(totals, row, strict=True)]
        print(f"| {name} | {row[0]}/{row[1]} | {row[2]}/{row[3]} |")
    print(f"| **pooled** | {totals[0]}/{totals[1]} | {totals[2]}/{totals[3]} |")
    for margin, sets in found.items():
        if margin != "shipped":
            looked = [x for name in sets for x in sets[name]]
            hits = sum(x.own for x in looked if x.pair.same_answer)
            traps = sum(x.own for x in looked if not x.pair.same_answer)
            print(f"{margin} moved by {MOVED}: pooled should-hits {hits - totals[0]:+d}, traps {traps - totals[2]:+d}")
    print(
        "\n| set | trap | category | served by | as shipped | under a margin moved by 0.02 |\n|---|---|---|---|---|---|"
    )
    for name, looked in shipped.items():
        for n, x in enumerate(looked):
            if x.pair.same_answer:
                continue
            moved = [m for m, sets in found.items() if m != "shipped" and sets[name][n].own and not x.own]
            if x.own or moved:
                by = x.stage if x.own else found[moved[0]][name][n].stage
                print(
                    f"| {name} | {x.pair.id} | {x.pair.category} | {by} | {'served' if x.own else '-'} | "
                    f"{', '.join(moved)} |"
                )


if __name__ == "__main__":
    main()
