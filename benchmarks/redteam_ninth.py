"""The default cache on the ninth session's invented red-team pairs (issue 13): which look-alikes it serves, and why.

``tests/guards/data/redteam_ninth.jsonl`` holds look-alikes of three families (intent/modality, quantifier/scope,
code symbols) and rewordings of the same shapes, written without reading any labelled set. Pairs with an even id
number are the half the rules were worked on; odd ids were run only at the end. Each pair is stored and looked up
through the real cache (one scratch scope a pair); prints per family and half the traps served and the rewordings
served, then one row per pair served wrongly or missed: its similarity, the guard that rejected it, the decision's
score and its strongest features.

    PYTHONPATH=src .venv/bin/python benchmarks/redteam_ninth.py [--half even|odd|all] [--show]
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from nearhit import evaluation
from nearhit.cache.results import LookupResult
from nearhit.config import load_settings
from nearhit.evaluation import Pair
from nearhit.evaluation.dataset import load_jsonl
from nearhit.evaluation.runner import scratch

DATA = Path(__file__).resolve().parents[1] / "tests" / "guards" / "data" / "redteam_ninth.jsonl"


def half_of(pair: Pair) -> str:
    """``even`` or ``odd``: the id number's parity (``rt9-012`` is even)."""
    return "odd" if int(pair.id.rsplit("-", 1)[-1]) % 2 else "even"


async def look_up(pairs: list[Pair]) -> list[LookupResult]:
    """Each pair's ``b`` looked up after its ``a`` is stored, in a scope of its own."""
    async with evaluation.scratch_cache(load_settings()) as cache, scratch(cache, pairs) as asks:
        return [await cache.lookup(ask()) for ask in asks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=("even", "odd", "all"), default="even")
    parser.add_argument("--show", action="store_true", help="one row per wrong answer or missed rewording")
    args = parser.parse_args()
    pairs = [p for p in load_jsonl(DATA) if args.half in ("all", half_of(p))]
    results = asyncio.run(look_up(pairs))
    families = sorted({p.category.removesuffix("_reworded") for p in pairs})
    print(f"half: {args.half}\n\n| family | traps served | rewordings served |\n|---|---|---|")
    for family in [*families, None]:
        rows = [(p, r) for p, r in zip(pairs, results, strict=True) if family in (None, p.category.split("_")[0])]
        traps = [r.match is not None for p, r in rows if not p.same_answer]
        hits = [r.match is not None for p, r in rows if p.same_answer]
        print(f"| {family or '**all**'} | {sum(traps)}/{len(traps)} | {sum(hits)}/{len(hits)} |")
    if args.show:
        print("\n| id | want | served | sim | rejected by | score | features | a | b |")
        print("|---|---|---|---|---|---|---|---|---|")
        for p, r in zip(pairs, results, strict=True):
            if (r.match is not None) != p.same_answer:
                feats = ", ".join(f"{f['feature']}={f['effect']:+.1f}" for f in r.top_features[:3])
                sim = f"{r.similarity:.3f}" if r.similarity is not None else ""
                score = f"{r.score:.2f}" if r.score is not None else ""
                want = "hit" if p.same_answer else "miss"
                print(
                    f"| {p.id} | {want} | {r.match is not None} | {sim} | {r.rejected_by or ''} | {score} | {feats} "
                    f"| {p.a.prompt} | {p.b.prompt} |"
                )


if __name__ == "__main__":
    main()
