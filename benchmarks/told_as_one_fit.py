"""``conversation.SAID_SHARE`` chosen on the probe's records (``told_as_one_probe.py``), leave-one-set-out.

A pair is served by its own entry, or by any telling of its conversation that passes the rule: its checks
passed (recorded by the probe) and its similarity at least the floor, ``ONE_QUESTION_THRESHOLD`` (0.88), or the
single question's threshold where the story tells no more (``tells_no_more``) or, the rule measured here, where
the single question asks no more than the conversation says (``asks_no_more`` at a share). Prints the pooled
figures per share, on the dev pairs and on the pairs with ``a`` told in one message (``--joined``: the traps of
this path), then each set left out with the share chosen on the others.

    python benchmarks/told_as_one_fit.py /tmp/told.jsonl /tmp/joined.jsonl
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nearhit.cache import conversation

Rule = Callable[[dict[str, Any]], bool]
Counts = dict[str, tuple[int, int, int, int]]
SHARES = (0.34, 0.5, 0.6, 0.67, 0.75, 1.0)
SHIPPED = conversation.ONE_QUESTION_THRESHOLD
TRAP_COST = 3
"""How many should-hits a trap served costs when a share is chosen (a cache that serves half its should-hits at
3% of its traps trades about so)."""


def lowered(share: float | None) -> Rule:
    """The rule with ``asks_no_more`` at ``share`` (None: without it, as before this rule)."""

    def rule(call: dict[str, Any]) -> bool:
        floor = SHIPPED
        if call["tells_no_more"]:
            floor = min(floor, call["threshold"])
        if share is not None:
            conversation.SAID_SHARE = share
            if conversation.asks_no_more(call["told"], call["single"], call["answer"]):
                floor = min(floor, call["threshold"])
        return bool(call["checks"]) and call["similarity"] >= floor

    return rule


def table(rows: list[dict[str, Any]], rule: Rule) -> Counts:
    """Per set: should-hits served, should-hits, traps served, traps."""
    out: dict[str, list[int]] = {}
    for row in rows:
        counts = out.setdefault(row["set"], [0, 0, 0, 0])
        served = bool(row["own"]) or any(rule(call) for call in row["calls"])
        counts[0 if row["same"] else 2] += served
        counts[1 if row["same"] else 3] += 1
    return {name: (a, b, c, d) for name, (a, b, c, d) in out.items()}


def pooled(counts: Counts, sets: set[str] | None = None) -> list[int]:
    return [sum(v[i] for name, v in counts.items() if sets is None or name in sets) for i in range(4)]


def shown(counts: list[int] | tuple[int, int, int, int]) -> str:
    return f"{counts[0]}/{counts[1]}, {counts[2]}/{counts[3]}"


def report(natural: list[dict[str, Any]], joined: list[dict[str, Any]]) -> None:
    """The pooled table per share, then leave-one-set-out: on the other sets, the share with the most should-hits
    gained less ``TRAP_COST`` per trap added (dev pairs and ``a`` told in one message together; a tie to the
    looser share: the traps are counted already)."""
    base = (table(natural, lowered(None)), table(joined, lowered(None)))
    tables = {share: (table(natural, lowered(share)), table(joined, lowered(share))) for share in SHARES}
    print("| SAID_SHARE | dev pairs: should-hits, traps | a told in one message: should-hits, traps |\n|---|---|---|")
    for label, (n, j) in [("without the rule", base), *((str(s), t) for s, t in tables.items())]:
        print(f"| {label} | {shown(pooled(n))} | {shown(pooled(j))} |")
    print("\n| left out | share chosen | dev pairs: before → after | a told in one message: before → after |")
    print("|---|---|---|---|")
    for left in base[0]:
        others = set(base[0]) - {left}

        def gain(share: float, others: set[str] = others) -> tuple[int, float]:
            moved = [
                pooled(after, others)[i] - pooled(before, others)[i]
                for after, before in zip(tables[share], base, strict=True)
                for i in (0, 2)
            ]
            return moved[0] - TRAP_COST * moved[1] + moved[2] - TRAP_COST * moved[3], -share

        share = max(SHARES, key=gain)
        after = tables[share]
        joined_cell = (
            f"{shown(base[1][left])} → {shown(after[1][left])}" if left in base[1] else "(no pair with two histories)"
        )
        print(f"| {left} | {share} | {shown(base[0][left])} → {shown(after[0][left])} | {joined_cell} |")


def read(path: str) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def main() -> None:
    report(read(sys.argv[1]), read(sys.argv[2]))


if __name__ == "__main__":
    main()
