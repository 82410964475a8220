"""Every told-as-one judgement of the dev pairs with a conversation on one side and a single question on the other,
read twice: as the engine judges it (the pair's real outcome) and with ``ONE_QUESTION_THRESHOLD`` taken away (do the
checks after the floor pass?), for a floor that lets more should-hits through at no trap more.

Each pair runs through the real cache as ``nearhit eval`` runs it (``conversation_misses.each_lookup``); every call
of ``context_match._serves`` is judged once more on a copy of the result with the floor at 0 and recorded (the
telling, the single question, their similarity, whether the pair was served, whether the checks pass and what refused
it). ``--joined``: each pair's side (both conversations) written as one message, a trap so told being a trap of the
told-as-one path. ``--count``: per floor, the should-hits and traps (of each file) not served whose judgement at
or over the threshold passes its checks and the floor, for every judgement and for those
:func:`conversation.worded_otherwise` reads (with the assistant's last turn the record keeps, ``answer``). Dev
splits only (``--sets fit`` or ``validation``).

    python benchmarks/told_floor_probe.py --sets fit --ids oneside_fit.txt --out fit.jsonl
    python benchmarks/told_floor_probe.py --sets fit --ids traps2_fit.txt --joined a --out tell_a.jsonl
    python benchmarks/told_floor_probe.py --count fit.jsonl tell_a.jsonl tell_b.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import functools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import conversation_misses as misses
import told_as_one_probe
from nearhit.cache import context_match, conversation, entry


async def probe(only: set[str], joined: str | None = None) -> list[dict[str, Any]]:
    """Each pair's outcome and every told-as-one judgement of its lookup, with the checks read at floor 0."""
    calls: list[dict[str, Any]] = []
    original = context_match._serves
    floor = conversation.ONE_QUESTION_THRESHOLD

    def recorded(
        result: Any, told: str, single: str, doc_id: str, fields: Any, guards: Any, *args: Any, **kw: Any
    ) -> bool:
        served: bool = original(result, told, single, doc_id, fields, guards, *args, **kw)
        scratch = copy.copy(result)
        scratch.candidates = list(result.candidates)
        scratch.match = None
        conversation.ONE_QUESTION_THRESHOLD = 0.0
        try:
            checks = original(scratch, told, single, doc_id, fields, guards, *args, **kw)
        finally:
            conversation.ONE_QUESTION_THRESHOLD = floor
        last = scratch.candidates[-1] if scratch.candidates else None
        answer = args[0] if args else kw.get("answer", "")
        answered = args[1] if len(args) > 1 else kw.get("answered", ())
        calls.append(
            {
                "told": told,
                "single": single,
                "answer": answer,
                "similarity": entry.similarity(fields),
                "served": served,
                "checks": checks,
                "why": None if checks or last is None else f"{last.guard}: {last.reason}",
                "at_threshold": bool(
                    kw.get("resolved")
                    or conversation.tells_no_more(told, single, answer)
                    or conversation.asks_no_more(told, single, answer, answered)
                ),
                "resolved": bool(kw.get("resolved")),
                "threshold": result.threshold,
            }
        )
        return served

    context_match._serves = recorded  # type: ignore[assignment]
    rows = []
    rewrite = functools.partial(told_as_one_probe.joined, side=joined, written=True) if joined else None
    async for name, pair, stored, _, result in misses.each_lookup(only, rewrite):
        rows.append(
            {
                "set": name,
                "id": pair.id,
                "category": pair.category,
                "same": pair.same_answer,
                "served": result.match is not None,
                "stored_conv": stored.context is not None,
                "cause": misses.cause(result),
                "calls": list(calls),
            }
        )
        calls.clear()
    return rows


FLOORS = (0.76, 0.8, 0.82, 0.84, 0.86)


def count(paths: list[str]) -> None:
    """Per file and floor: should-hits and traps a floor would add, for any judgement and for a worded-otherwise one."""
    for path in paths:
        rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
        passing = [
            (row["same"], [c for c in row["calls"] if c["checks"] and c["similarity"] >= c["threshold"]])
            for row in rows
            if not row["served"]
        ]
        for floor in FLOORS:
            cells = []
            for otherwise in (False, True):
                added = Counter(
                    same
                    for same, calls in passing
                    if any(
                        c["similarity"] >= floor
                        and (
                            not otherwise or conversation.worded_otherwise(c["told"], c["single"], c.get("answer", ""))
                        )
                        for c in calls
                    )
                )
                cells.append(f"should-hits +{added[True]} · traps +{added[False]}")
            print(f"{path} at {floor}: any {cells[0]}; worded otherwise {cells[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"))
    parser.add_argument("--ids", help="the pairs to look up (a file, one id a line)")
    parser.add_argument("--out")
    parser.add_argument("--count", nargs="+", metavar="JSONL", help="count what each floor would add in these records")
    parser.add_argument("--joined", choices=("a", "b"), help="this side of each pair written as one message")
    args = parser.parse_args()
    if args.count:
        count(args.count)
        return
    if not (args.sets and args.ids and args.out):
        parser.error("--sets, --ids and --out are needed to look pairs up")
    misses.SETS = misses.chosen_sets(args.sets)
    only = set(Path(args.ids).read_text(encoding="utf-8").split())
    rows = asyncio.run(probe(only, args.joined))
    Path(args.out).write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


if __name__ == "__main__":
    main()
