"""Every conversation dev pair's verdict with the shapes of its two sides, written per pair, and two runs compared.

A side is read as the service reads it: a conversation (matched by its context), a question standing alone after
its turns, or a single question. ``--all-as-conversations`` reads every question after plain turns as a
conversation (unless the turns say nothing): the upper bound of comparing the turns of a pair whose sides are read
apart. ``--compare BASE AFTER`` prints, per set and per category, the should-hits served right and the traps
served, and each pair that changed. Each pair runs as ``nearhit eval`` runs it (its ``a`` alone in a scratch
scope, the configured judge). Dev splits only (the test splits are never loaded).

    PYTHONPATH=src:benchmarks python benchmarks/conversation_sides.py --out /tmp/after.json   # ~5 min
    PYTHONPATH=/work/main/src:benchmarks python benchmarks/conversation_sides.py --out /tmp/base.json
    python benchmarks/conversation_sides.py --compare /tmp/base.json /tmp/after.json
    python benchmarks/conversation_sides.py --compare /tmp/base.json /tmp/all.json \
        --on-miss "conversation / alone after turns"   # a second chance on main's misses of these sides
    python benchmarks/conversation_sides.py --latency /tmp/after.json --route turn_by_turn   # a route's ms
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from collections import defaultdict

import conversation_misses
from conversation_misses import each_lookup
from nearhit.cache import conversation
from nearhit.cache.lookup import Lookup
from nearhit.evaluation.runner import answer

Row = dict[str, object]


def side(query: Lookup) -> str:
    if query.context is not None:
        return "conversation"
    return "alone after turns" if query.scope.history_hash else "single"


async def run() -> list[Row]:
    rows: list[Row] = []
    async for name, pair, stored, query, result in each_lookup():
        right = result.answer is not None and result.answer.response == answer(pair)
        sides = f"{side(stored)} / {side(query)}"
        rows.append(
            {"set": name, "id": pair.id, "category": pair.category, "same_answer": pair.same_answer}
            | {"sides": sides, "served": result.hit, "right": right}
            | {"ms": result.timings_ms.get("total"), "timings_ms": result.timings_ms}
        )
    return rows


def compare(base: list[Row], after: list[Row], on_miss: str | None = None) -> None:
    """``on_miss``: AFTER's verdict taken only where BASE missed a pair whose sides (in BASE) read so, BASE's
    elsewhere (a second chance on a miss)."""
    then = {(row["set"], row["id"]): row for row in base}
    per_set: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    per_category: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    for row in after:
        old = then[(row["set"], row["id"])]
        if on_miss is not None and (old["served"] or old["sides"] != on_miss):
            row = old
        for counts in (per_set[str(row["set"])], per_set["pooled"], per_category[str(row["category"])]):
            if row["same_answer"]:
                counts[0] += 1
                counts[1] += bool(old["right"])
                counts[2] += bool(row["right"])
            else:
                counts[3] += 1
                counts[4] += bool(old["served"])
                counts[5] += bool(row["served"])
        if (old["served"], old["right"]) != (row["served"], row["right"]):
            print(f"changed: {row['set']} {row['id']} ({row['sides']}): {old['right']} -> {row['right']}")
    for title, table in (("set (dev)", per_set), ("category (dev, pooled)", per_category)):
        print(f"\n| {title} | should-hits, base | after | traps, base | after |\n|---|---|---|---|---|")
        for name, c in sorted(table.items(), key=lambda item: item[0] == "pooled"):
            print(f"| {name} | {c[1]}/{c[0]} | {c[2]}/{c[0]} | {c[4]}/{c[3]} | {c[5]}/{c[3]} |")


def latency(rows: list[Row], route: str) -> None:
    """A route's milliseconds (its key in ``LookupResult.timings_ms``: "after_turns", "turn_by_turn"), over the
    lookups that ran it, and the whole lookup's over those, over the others and over every lookup."""

    def ms(row: Row) -> float | None:  # an --out file of an earlier run kept the after-turns route's alone
        timings = row.get("timings_ms")
        found = timings.get(route) if isinstance(timings, dict) else row.get(f"{route}_ms")
        return None if found is None else float(str(found))

    ran = [row for row in rows if ms(row) is not None]
    others = [row for row in rows if ms(row) is None and row.get("ms") is not None]
    for name, values in (
        (f"{route} route", [ms(row) or 0.0 for row in ran]),
        ("lookup total, lookups that ran it", [float(str(row["ms"])) for row in ran]),
        ("lookup total, lookups that did not", [float(str(row["ms"])) for row in others]),
        ("lookup total, every lookup", [float(str(row["ms"])) for row in rows if row.get("ms") is not None]),
    ):
        if len(values) > 1:
            q = statistics.quantiles(values, n=100)
            print(f"{name}: n={len(values)} p50 {statistics.median(values):.2f} ms, p95 {q[94]:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write each pair's verdict and sides here (JSON)")
    parser.add_argument("--all-as-conversations", action="store_true", help="read every question after turns so")
    parser.add_argument("--compare", nargs=2, metavar=("BASE", "AFTER"), help="compare two --out files")
    parser.add_argument("--sets", nargs="+", help="only these conversation sets (default: every one)")
    parser.add_argument("--on-miss", metavar="SIDES", help="with --compare: AFTER only on BASE's misses of these sides")
    parser.add_argument("--latency", metavar="RUN", help="p50/p95 of a route's ms (--route) in an --out file")
    parser.add_argument("--route", default="after_turns", help="with --latency: the route's timings key")
    args = parser.parse_args()
    if args.latency:
        with open(args.latency, encoding="utf-8") as run_file:
            latency(json.load(run_file), args.route)
        return
    if args.compare:
        with open(args.compare[0], encoding="utf-8") as base, open(args.compare[1], encoding="utf-8") as after:
            compare(json.load(base), json.load(after), args.on_miss)
        return
    if args.sets:
        conversation_misses.SETS = tuple(args.sets)
    if args.all_as_conversations:
        conversation.needs_no_context = lambda question, history: conversation.says_nothing(history)  # type: ignore[assignment]
    rows = asyncio.run(run())
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(rows, out)


if __name__ == "__main__":
    main()
