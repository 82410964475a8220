"""The scope split (issue 14): conversation dev pairs whose two sides the cache reads in different shapes, one a
conversation matched by its context, the other a question standing alone after its turns (or a single question),
so the two are stored and searched in different scopes, by different paths. Per pair: each side's shape (as
:func:`conversation_unmet.shape` reads it), the outcome, the cause (:func:`conversation_misses.cause`) and the
second-look stages the lookup ran (its timings' names); pooled: should-hits and traps by shapes, by category.

Fit and validation apart: ``--sets fit`` (the dev splits up to -v55 and fow-cache's) or ``--sets validation``
(-v56 .. -v61), dev splits only (the test splits are never loaded).

    PYTHONPATH=src:benchmarks python benchmarks/scope_split_probe.py --sets fit --out fit.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/scope_split_probe.py --table fit.jsonl     # the tables again
    PYTHONPATH=src:benchmarks python benchmarks/scope_split_probe.py --compare base.jsonl after.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/scope_split_probe.py --sets fit --two-conversations --out cf.jsonl

``--two-conversations``: a counterfactual, no question read as standing alone after its turns
(:func:`conversation.standalone` false), so both sides of such a pair take the conversation path: what the split
itself costs, against a run without it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter

from conversation_misses import cause, each_lookup
from conversation_unmet import shape
from nearhit.cache import conversation
from nearhit.evaluation.dataset import CONVERSATION_SETS

VALIDATION = tuple(f"nearhit-conversations-v{n}" for n in range(56, 62))
"""The dev splits counted once per reading; the fit splits are the others (up to -v55, and fow-cache's)."""


def chosen(which: str) -> tuple[str, ...]:
    return tuple(name for name in CONVERSATION_SETS if (name in VALIDATION) == (which == "validation"))


async def run(sets: tuple[str, ...], only: set[str] | None = None) -> list[dict[str, object]]:
    import conversation_misses

    conversation_misses.SETS = sets
    rows = []
    async for name, pair, stored, asked, result in each_lookup(only):
        rows.append(
            {
                "set": name,
                "id": pair.id,
                "category": pair.category,
                "same": pair.same_answer,
                "sides": f"{shape(stored)} / {shape(asked)}",
                "served": result.match is not None,
                "cause": cause(result),
                "stages": sorted(k for k in result.timings_ms if k not in ("total", "knn", "embed", "exact")),
            }
        )
    return rows


def split(row: dict[str, object]) -> bool:
    """Whether the two sides take different paths: a conversation on one side, no context on the other."""
    stored, asked = str(row["sides"]).split(" / ")
    return (stored == "conversation") != (asked == "conversation")


def table(rows: list[dict[str, object]]) -> None:
    counts: Counter[tuple[str, str, str]] = Counter()
    for row in rows:
        kind = "should-hit" if row["same"] else "trap"
        for group in ("all", f"[{row['category']}]"):
            for sides in (str(row["sides"]), "split" if split(row) else "same path"):
                counts[(group, sides, kind)] += 1
                counts[(group, sides, kind + " served")] += int(bool(row["served"]))
    print("| group | sides | should-hits served / all | traps served / all |\n|---|---|---|---|")
    for group, sides in sorted({(g, s) for g, s, _ in counts}, key=lambda k: (k[0] != "all", k)):
        cells = [f"{counts[(group, sides, k + ' served')]}/{counts[(group, sides, k)]}" for k in ("should-hit", "trap")]
        print(f"| {group} | {sides} | {' | '.join(cells)} |")
    missed: Counter[str] = Counter()
    for row in rows:
        if split(row) and row["same"] and not row["served"]:
            missed[f"{row['sides']} | {row['cause']}"] += 1
    print("\n| split should-hits missed: sides, cause | pairs |\n|---|---|")
    for why, n in missed.most_common():
        print(f"| {why} | {n} |")


def compare(base: list[dict[str, object]], after: list[dict[str, object]]) -> None:
    then = {row["id"]: row for row in base}
    counts: Counter[tuple[str, str]] = Counter()
    for row in after:
        kind = "should-hits" if row["same"] else "traps"
        for group in ("pooled", str(row["set"]), f"[{row['category']}]"):
            counts[(group, kind + " base")] += int(bool(then[row["id"]]["served"]))
            counts[(group, kind + " after")] += int(bool(row["served"]))
            counts[(group, kind)] += 1
    print("| group | should-hits base | after | traps base | after |\n|---|---|---|---|---|")
    for group in sorted({g for g, _ in counts}, key=lambda g: (g != "pooled", g.startswith("["), g)):
        cells = [
            f"{counts[(group, k + ' ' + w)]}/{counts[(group, k)]}"
            for k in ("should-hits", "traps")
            for w in ("base", "after")
        ]
        if cells[0] != cells[1] or cells[2] != cells[3] or group == "pooled":
            print(f"| {group} | {' | '.join(cells)} |")
    for row in after:
        if row["served"] != then[row["id"]]["served"]:
            print(f"changed: {row['id']} {row['category']} same={row['same']} {row['sides']} -> {row['cause']}")


def _read(path: str) -> list[dict[str, object]]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"), help="look up these dev splits")
    parser.add_argument("--ids", metavar="FILE", help="look up only the pairs whose ids this file lists, one a line")
    parser.add_argument("--out", help="write each pair's row to this JSONL file")
    parser.add_argument("--two-conversations", action="store_true", help="read no question as standing alone")
    parser.add_argument("--table", metavar="JSONL", help="the tables of a written run")
    parser.add_argument("--compare", nargs=2, metavar=("BASE", "AFTER"), help="two written runs, base and after")
    args = parser.parse_args()
    if args.compare:
        compare(*map(_read, args.compare))
        return
    only = None
    if args.ids:
        with open(args.ids, encoding="utf-8") as lines:
            only = {line.strip() for line in lines if line.strip()}
    if args.two_conversations:
        conversation.standalone = lambda question, history=(): False  # type: ignore[assignment]
    rows = _read(args.table) if args.table else asyncio.run(run(chosen(args.sets or "fit"), only))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write("".join(json.dumps(row) + "\n" for row in rows))
    table(rows)


if __name__ == "__main__":
    main()
