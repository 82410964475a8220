"""Where the told-as-one path's "a word of the story exchanged" check can change a pair, and two probe runs compared.

``--ids``: the conversation dev pairs whose sides are both conversations and where, with one side told in one
message as a person writes it (``told_as_one_probe.as_written``), the check fires on a telling of the other side
(:func:`conversation.told_as_one`, :func:`conversation.told_with_answer`) by the older reading (one or two content
words only on each side, wherever they stand; the current one fires on fewer): the only pairs a change of the check
can move, for ``told_as_one_probe.py --ids``. ``--compare``: two probe runs (one
made on the base tree, one on this) read at the shipped floor, per set, should-hits and traps served. Dev splits only.

    python benchmarks/told_as_one_exchanged.py --ids a.txt --joined a
    python benchmarks/told_as_one_probe.py --joined a --written --ids a.txt --out new_a.jsonl   # each tree
    python benchmarks/told_as_one_exchanged.py --compare base_a.jsonl new_a.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from nearhit import evaluation
from nearhit.cache import conversation
from nearhit.evaluation.dataset import CONVERSATION_SETS, Side
from nearhit.guards.text import analyse
from told_as_one_probe import as_written


def ids(joined: str) -> list[str]:
    """The dev pairs a change of the check can move, with side ``joined`` told in one message."""
    found = []
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            if not (pair.a.history and pair.b.history) or any(
                role not in ("user", "assistant") for side in (pair.a, pair.b) for role, _ in side.history
            ):
                continue
            told, other = (pair.a, pair.b) if joined == "a" else (pair.b, pair.a)
            if _fires(as_written(told).prompt, other):
                found.append(pair.id)
    return found


def _fires(single: str, side: Side) -> bool:
    context = conversation.context_of(tuple(side.history), side.prompt)
    if context is None:
        return False
    tellings = [conversation.told_as_one(context, side.prompt), conversation.told_with_answer(context, side.prompt)]
    return any(_older(told, single) for told in tellings if told is not None)


def _older(told: str, single: str) -> bool:
    """The older reading: one or two content words only on each side, wherever they stand."""
    mine, theirs = (set(conversation._content(analyse(text).stems)) for text in (told, single))
    return 0 < len(mine - theirs) <= conversation.SWAPPED and 0 < len(theirs - mine) <= conversation.SWAPPED


def _served(call: dict[str, Any]) -> bool:
    """A probe's call served at the shipped floor (``context_match._serves``'s)."""
    floor = max(conversation.ONE_QUESTION_THRESHOLD, call["threshold"])
    if call["tells_no_more"] or call["asks_no_more"]:
        floor = min(floor, call["threshold"])
    return bool(call["checks"]) and call["similarity"] >= floor


def compare(base: str, after: str) -> None:
    runs = []
    for path in (base, after):
        rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line]
        runs.append({row["id"]: (row, row["own"] or any(_served(call) for call in row["calls"])) for row in rows})
    counts: Counter[tuple[str, bool, int]] = Counter()
    for pair_id, (row, served) in runs[0].items():
        for n, hit in enumerate((served, runs[1][pair_id][1])):
            for group in (row["set"], "pooled"):
                counts[group, row["same"], n] += hit
        if served != runs[1][pair_id][1]:
            print(f"changed: {pair_id} {'served' if runs[1][pair_id][1] else 'missed'} after")
    print("| set (dev) | should-hits, base | after | traps, base | after |\n|---|---|---|---|---|")
    for group in [*CONVERSATION_SETS, "pooled"]:
        cells = [counts[group, same, n] for same in (True, False) for n in (0, 1)]
        if any(cells):
            print(f"| {group} | {' | '.join(map(str, cells))} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", help="write the ids of the pairs the check can move to this file")
    parser.add_argument("--joined", choices=("a", "b"), default="a", help="with --ids: the side told in one message")
    parser.add_argument("--compare", nargs=2, metavar=("BASE", "AFTER"), help="two told_as_one_probe.py outputs")
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
    elif args.ids:
        Path(args.ids).write_text("".join(f"{pair_id}\n" for pair_id in ids(args.joined)), encoding="utf-8")


if __name__ == "__main__":
    main()
