"""The conversation dev lookups that `nearhit eval` counted as "found no entry in their scope" (issue 14), and why.

Two kinds, should-hits and traps apart, per set and category: a lookup that met NO entry (nothing the rules could
ever judge: why its scope held none: a system prompt on one side only, another scope field, the search among single
questions stopped by ``ALONE_FLOOR``, or other), and one that met entries but refused each before its question was
judged (the stage, as :func:`conversation_misses.cause` reads it: earlier turns under the context threshold, a story
told as one under its threshold, ...). Each pair runs as ``nearhit eval`` runs it (its ``a`` alone in a scratch
scope). Dev splits only (the test splits are never loaded).

    PYTHONPATH=src:benchmarks python benchmarks/conversation_unmet.py   # eleven dev splits, ~2.5 min
    PYTHONPATH=src:benchmarks python benchmarks/conversation_unmet.py --show "met, refused: told"  # and each so
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter

from conversation_misses import _print, cause, each_lookup
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import LookupResult
from nearhit.evaluation.dataset import CONVERSATION_SETS


def shape(query: Lookup) -> str:
    """A side as the service reads it: a conversation matched by its context, a question standing alone after
    earlier turns, or a single question (leading system messages are its system prompt, not turns)."""
    if query.context is not None:
        return "conversation"
    return "standalone after turns" if query.scope.history_hash else "single question"


def why_unmet(stored: Lookup, asked: Lookup, result: LookupResult) -> str:
    """Why ``asked``'s lookup met no entry where ``stored``'s was kept."""
    sides = f"{shape(stored)} / {shape(asked)}"
    if result.candidates:
        return f"met, refused: {cause(result)} ({sides})"
    if stored.scope.system_hash != asked.scope.system_hash:
        return f"none: system prompt differs ({sides})"
    if (stored.scope.model, stored.scope.options_hash, stored.scope.namespace) != (
        asked.scope.model,
        asked.scope.options_hash,
        asked.scope.namespace,
    ):
        return f"none: model or options differ ({sides})"
    if asked.context is not None and stored.context is None and not stored.scope.history_hash:
        return f"none: single questions searched, none within ALONE_FLOOR ({sides})"
    return f"none: other ({sides})"


async def run(show: str | None = None) -> Counter[tuple[str, str, str]]:
    counts: Counter[tuple[str, str, str]] = Counter()
    async for name, pair, stored, asked, result in each_lookup():
        kind = "should-hit" if pair.same_answer else "trap"
        counts[(name, kind, "pairs")] += 1
        if result.similarity is not None:  # judged by its question (or served exactly)
            continue
        why = why_unmet(stored, asked, result)
        for where in (name, "pooled"):
            counts[(where, kind, why)] += 1
        counts[("pooled", kind, f"[{pair.category}] {why.split(':')[0]}")] += 1
        if show and why.startswith(show) and pair.same_answer:
            print(f"--- {why}")
            _print(name, pair, result)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", help="print each should-hit whose reason starts with this")
    counts = asyncio.run(run(parser.parse_args().show))
    print("| set | should-hits: met none | refused before the question | traps: met none | refused |")
    print("|---|---|---|---|---|")
    for name in (*CONVERSATION_SETS, "pooled"):
        row = [
            sum(n for (s, k, w), n in counts.items() if s == name and k == kind and w.startswith(prefix))
            for kind in ("should-hit", "trap")
            for prefix in ("none", "met")
        ]
        print(f"| {name} | " + " | ".join(map(str, row)) + " |")
    print("\n| pooled: why (should-hits / traps) | should-hits | traps |\n|---|---|---|")
    whys = {w for (s, _, w) in counts if s == "pooled"}
    for why in sorted(whys, key=lambda w: (w.startswith("["), -counts[("pooled", "should-hit", w)], w)):
        print(f"| {why} | {counts[('pooled', 'should-hit', why)]} | {counts[('pooled', 'trap', why)]} |")


if __name__ == "__main__":
    main()
