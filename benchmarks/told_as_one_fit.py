"""``conversation.SAID_SHARE`` or ``ONE_QUESTION_THRESHOLD`` chosen on the probe's records, leave-one-set-out.

A pair is served by its own entry, or by any telling of its conversation that passes the rule: its checks
passed (recorded by the probe) and its similarity at least the floor, ``ONE_QUESTION_THRESHOLD`` (0.88), or the
single question's threshold where the story tells no more (``tells_no_more``) or, the rule measured here, where
the single question asks no more than the conversation says (``asks_no_more`` at a share). Prints the pooled
figures per share, on the dev pairs and on the pairs with ``a`` told in one message (``--joined``: the traps of
this path), then each set left out with the share chosen on the others.

With ``--threshold``, the floor itself (``ONE_QUESTION_THRESHOLD``) on a grid under the shipped value, the share
as shipped, on the dev pairs and on both directions told in one message (``a`` told: a conversation looked up
against a story told at once; ``b`` told: a single question against a conversation's twin): each set left out,
the lowest value at which no set of the others serves a trap more than at the shipped value, nor at any value
between (:func:`floor_report`); the value to ship is the highest of the folds' choices (the margin, how far under
the shipped value the most similar trap the checks pass sits, is printed beside it).

With ``--untold``, ``UNTOLD_WORDS`` (how many words of the story a single message that tells it before it asks may
leave unsaid, :func:`conversation.asks_no_more`) on a grid above the shipped value, the rest as shipped, chosen the
same way: each set left out, the highest count at which no set of the others serves a trap more, in any file; the
value to ship the lowest of the folds' choices. Fed with the probe's ``--written`` tellings (as a person writes
one message), those that tell the story before they ask.

With ``--dated``, ``DATED_MORE`` (how many words the side that tells a date only it tells may tell more, its date
an aside, :func:`conversation.dated_aside`) on a grid from 0 (no date excused), the checks worked out again on each
telling (``differs_from_one``, then the guards as the told-as-one path runs them), chosen as ``--untold`` is.

With ``--asked``, a middle floor measured and not shipped (sixty-fifth brief): a single question that asks every
content word of the conversation's last question and whose content words the story mostly says
(:func:`asks_what_it_says`, ``TOLD_SHARE``), whatever of the story it leaves unsaid, judged at a floor on a grid
under ``ONE_QUESTION_THRESHOLD`` (0.88: the rule off); ``--asked-share`` the share on a grid at ``TOLD_FLOOR``;
chosen as ``--threshold`` is (no other set's traps rise in any file).

    python benchmarks/told_as_one_fit.py /tmp/told.jsonl /tmp/joined.jsonl
    python benchmarks/told_as_one_fit.py --threshold /tmp/told.jsonl /tmp/joined.jsonl /tmp/joined_b.jsonl
    python benchmarks/told_as_one_fit.py --untold /tmp/told.jsonl /tmp/written_a.jsonl /tmp/written_b.jsonl
    python benchmarks/told_as_one_fit.py --dated /tmp/told.jsonl /tmp/written_a.jsonl /tmp/written_b.jsonl
    python benchmarks/told_as_one_fit.py --asked /tmp/told.jsonl /tmp/written_a.jsonl /tmp/written_b.jsonl
    python benchmarks/told_as_one_fit.py --alone /tmp/told.jsonl /tmp/written_a.jsonl /tmp/written_b.jsonl

With ``--alone``, ``TOLD_ALONE_SHARE`` (how much of a sentence only one side tells the other must leave unsaid for
it to refuse, :func:`conversation.differs_from_one`) on a grid from the shipped value to off (1.0: no sentence is
more than all unsaid), the checks worked out again on each telling as ``--dated`` does; chosen as ``--untold`` is.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nearhit.cache import context_match, conversation
from nearhit.guards import GuardSet

Rule = Callable[[dict[str, Any]], bool]
Counts = dict[str, tuple[int, int, int, int]]
SHARES = (0.34, 0.5, 0.6, 0.67, 0.75, 1.0)
SHIPPED = conversation.ONE_QUESTION_THRESHOLD
SHIPPED_SHARE = conversation.SAID_SHARE
FLOORS = (0.88, 0.87, 0.86, 0.85, 0.84, 0.83, 0.82, 0.81, 0.8, 0.79, 0.78)
"""The grid of ``--threshold``, the shipped value first."""
UNTOLD = (0, 1, 2, 3)
"""The grid of ``--untold``, the shipped value first."""
ASKED = (0.88, 0.87, 0.86, 0.85, 0.84, 0.83, 0.82, 0.81, 0.8)
"""The grid of ``--asked`` (the middle floor), the floor without the rule first."""
ASKED_SHARES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
"""The grid of ``--asked-share`` (the share at ``TOLD_FLOOR``), the strictest first."""
ALONE = (0.6, 0.67, 0.75, 0.9, 1.0)
"""The grid of ``--alone``, the shipped value first, 1.0 off."""
DATED = tuple(range(13))
"""The grid of ``--dated``: 0 excuses no date (the date's own word is one the other side does not tell)."""
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


def floored(value: float) -> Rule:
    """The rule with the floor at ``value``, ``asks_no_more`` at the shipped share (as ``context_match._serves``)."""

    def rule(call: dict[str, Any]) -> bool:
        conversation.SAID_SHARE = SHIPPED_SHARE
        floor = max(value, call["threshold"])
        if call["tells_no_more"] or conversation.asks_no_more(call["told"], call["single"], call["answer"]):
            floor = call["threshold"]
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


def floor_report(files: list[list[dict[str, Any]]]) -> None:
    """``ONE_QUESTION_THRESHOLD`` on ``FLOORS`` (:func:`grid_report`); then how near under the shipped floor the
    most similar trap the checks pass sits (any set, any file)."""
    grid_report(files, "floor", FLOORS, floored)
    nearest = max(
        (
            call["similarity"]
            for rows in files
            for row in rows
            if not row["same"] and not row["own"]
            for call in row["calls"]
            if call["checks"] and not floored(SHIPPED)(call)
        ),
        default=0.0,
    )
    print(f"\nthe most similar trap the checks pass, not served at {SHIPPED}: {nearest:.3f}")


def untold(count: float) -> Rule:
    """The rule as shipped with ``UNTOLD_WORDS`` at ``count``."""

    def rule(call: dict[str, Any]) -> bool:
        conversation.UNTOLD_WORDS = int(count)
        return floored(SHIPPED)(call)

    return rule


TOLD_FLOOR = 0.85
"""The middle floor ``--asked-share`` measures at (not shipped: the tellings as written serve traps at it)."""
TOLD_SHARE = 0.7
"""The share ``--asked`` measures at."""


def asks_what_it_says(told: str, single: str, answer: str, share: float) -> bool:
    """Whether ``single`` asks every content word of the last question of the conversation ``told`` as one and at
    least ``share`` of its content words are said in the story (its user turns, its question, ``answer``: the
    assistant's last turn), whatever of the story it leaves unsaid (``conversation.asks_no_more`` leaves none)."""
    words = conversation._told_words
    asked, said = words(single), words(told) | words(answer)
    question = words(conversation.split_statements(told.rsplit("\n", 1)[-1])[1])
    if not asked or not question or not all(any(conversation._same_stem(x, y) for y in asked) for x in question):
        return False
    return sum(any(conversation._same_stem(x, y) for y in said) for x in asked) >= share * len(asked)


def asked(value: float, share: float = TOLD_SHARE) -> Rule:
    """The rule as shipped with a middle floor at ``value`` for a single question that asks what the story asks and
    words most of what it says (:func:`asks_what_it_says` at ``share``); ``SHIPPED`` takes the rule away."""

    def rule(call: dict[str, Any]) -> bool:
        told, single, answer = call["told"], call["single"], call["answer"]
        floor = max(SHIPPED, call["threshold"])
        if call["tells_no_more"] or conversation.asks_no_more(told, single, answer):
            floor = call["threshold"]
        elif asks_what_it_says(told, single, answer, share):
            floor = min(floor, max(value, call["threshold"]))
        return bool(call["checks"]) and call["similarity"] >= floor

    return rule


def alone(share: float) -> Rule:
    """The rule as shipped with ``TOLD_ALONE_SHARE`` at ``share``, the checks worked out again."""

    def rule(call: dict[str, Any]) -> bool:
        conversation.TOLD_ALONE_SHARE = share
        return dated(conversation.DATED_MORE)(call)

    return rule


def dated(count: float) -> Rule:
    """The rule as shipped with ``DATED_MORE`` at ``count``, the checks worked out again (the probe recorded them
    as its code ran them)."""
    guards = context_match.told_guards(GuardSet.default())

    def rule(call: dict[str, Any]) -> bool:
        conversation.DATED_MORE = int(count)
        told, single, similarity = call["told"], call["single"], call["similarity"]
        if not floored(SHIPPED)({**call, "checks": True}) or conversation.differs_from_one(
            told, single, call["answer"]
        ):
            return False
        aside = conversation.dated_aside(told, single)
        return guards.first_rejection(told, single, similarity, dates_one_side=aside, told=True) is None

    return rule


def grid_report(
    files: list[list[dict[str, Any]]], name: str, grid: tuple[float, ...], rule: Callable[[float], Rule]
) -> None:
    """Each value of ``grid`` (the shipped one first, the looser ones after) on each records file (the dev pairs,
    then the tellings in one message), pooled; then each set left out: on the other sets, the value furthest along
    ``grid`` up to which no set's traps rise in any file against the shipped value; read on the set left out. The
    value to ship: the folds' choice nearest the shipped value (the most conservative)."""
    runs = {value: [table(rows, rule(value)) for rows in files] for value in grid}
    names = list(runs[grid[0]][0])
    print(f"| {name} | {' | '.join(f'file {n + 1}: should-hits, traps' for n in range(len(files)))} |")
    print(f"|---|{'---|' * len(files)}")
    for value, tables in runs.items():
        print(f"| {value} | {' | '.join(shown(pooled(t)) for t in tables)} |")

    def rises(value: float, sets: set[str]) -> bool:
        return any(
            after.get(name, (0, 0, 0, 0))[2] > before.get(name, (0, 0, 0, 0))[2]
            for after, before in zip(runs[value], runs[grid[0]], strict=True)
            for name in sets
        )

    print(f"\n| left out | {name} chosen | should-hits, shipped → chosen (each file) | traps, shipped → chosen |")
    print("|---|---|---|---|")
    chosen = []
    for left in names:
        others = set(names) - {left}
        value = grid[0]
        for looser in grid[1:]:
            if rises(looser, others):
                break
            value = looser
        chosen.append(grid.index(value))
        cells = [(pooled(runs[grid[0]][n], {left}), pooled(runs[value][n], {left})) for n in range(len(files))]
        hits = ", ".join(f"{a[0]} → {b[0]}/{b[1]}" for a, b in cells)
        traps = ", ".join(f"{a[2]} → {b[2]}/{b[3]}" for a, b in cells)
        print(f"| {left} | {value} | {hits} | {traps} |")
    print(f"to ship (the folds' choice nearest the shipped value): {grid[min(chosen)]}")


def read(path: str) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", action="store_true", help="fit ONE_QUESTION_THRESHOLD, not SAID_SHARE")
    parser.add_argument("--untold", action="store_true", help="fit UNTOLD_WORDS, not SAID_SHARE")
    parser.add_argument("--dated", action="store_true", help="fit DATED_MORE, not SAID_SHARE")
    parser.add_argument("--asked", action="store_true", help="a middle floor (refused), not SAID_SHARE")
    parser.add_argument("--asked-share", action="store_true", help="its share at TOLD_FLOOR, not SAID_SHARE")
    parser.add_argument("--alone", action="store_true", help="fit TOLD_ALONE_SHARE, not SAID_SHARE")
    parser.add_argument("records", nargs="+", help="told_as_one_probe.py outputs: the dev pairs', then joined ones")
    args = parser.parse_args()
    files = [read(path) for path in args.records]
    if args.untold:
        grid_report(files, "UNTOLD_WORDS", UNTOLD, untold)
    elif args.alone:
        grid_report(files, "TOLD_ALONE_SHARE", ALONE, alone)
    elif args.dated:
        grid_report(files, "DATED_MORE", DATED, dated)
    elif args.asked:
        grid_report(files, "middle floor", ASKED, asked)
    elif args.asked_share:
        grid_report(files, "share", ASKED_SHARES, lambda share: asked(TOLD_FLOOR, share))
    else:
        floor_report(files) if args.threshold else report(files[0], files[1])


if __name__ == "__main__":
    main()
