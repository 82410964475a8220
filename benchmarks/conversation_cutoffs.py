"""Which dev pairs each of the conversation path's cut-offs decides, from one recorded pass (issue 14).

One lookup pass over the conversation dev splits (as ``nearhit eval`` runs them, through
:func:`conversation_misses.each_lookup`) with every cut-off replaced by a float that records each value it is
compared with: per pair, a JSON line with the outcome, the candidates and those comparisons. A pair can only move
when a cut-off moves past one of its compared values, so the pairs in reach of a move are found offline
(``--reach``, ``--moved``) and only they are looked up again with the cut-off moved (``--ids``, ``--set``), then
compared with the base (``--diff``). Dev splits only: the test splits are never loaded.

    python benchmarks/conversation_cutoffs.py --record base.jsonl [--sets a,b]    # ~40 s a set on 2 shared cores
    python benchmarks/conversation_cutoffs.py --reach base.jsonl                  # pairs within ±0.02/±0.05
    python benchmarks/conversation_cutoffs.py --moved CONTEXT_THRESHOLD -0.05 base.jsonl > ids.txt
    python benchmarks/conversation_cutoffs.py --record m.jsonl --ids ids.txt --set CONTEXT_THRESHOLD=0.75
    python benchmarks/conversation_cutoffs.py --diff m.jsonl base.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import conversation_misses
from nearhit.cache import context_match, conversation, conversation_lookup
from nearhit.evaluation.dataset import CONVERSATION_SETS

FRESH = frozenset(f"nearhit-conversations-v{n}" for n in (44, 45, 46, 47))
"""The last round's sets, tuned on by nobody before this round: counted apart."""
CUTOFFS: tuple[tuple[ModuleType, str], ...] = (
    *((conversation, name) for name in ("CONTEXT_THRESHOLD", "RETOLD_FLOOR", "REWORDED_FLOOR")),
    (conversation, "ONE_QUESTION_THRESHOLD"),
    *(
        (context_match, name)
        for name in (
            "SAME_TURNS_MARGIN",
            "AFTER_ANSWER_THRESHOLD",
            "AFTER_ANSWER_FLOOR",
            "AFTER_ANSWER_STORY_FLOOR",
            "STORY_THRESHOLD",
        )
    ),
    *((conversation_lookup, name) for name in ("ALONE_FLOOR", "USER_TURNS_THRESHOLD")),
)
COMPARED: list[tuple[str, float, float]] = []
"""The current pair's comparisons: cut-off, the value compared, the cut-off's value (a margin's: the threshold
less the margin, as the lookup compares a similarity with it)."""


class Probe(float):
    """A cut-off that records what it is compared with; a margin (``*_MARGIN``) subtracted from the threshold
    stays a probe, so the similarity then compared with the difference is recorded too."""

    name: str
    margin: bool

    def __new__(cls, value: float, name: str, margin: bool = False) -> Probe:
        probe = float.__new__(cls, value)
        probe.name, probe.margin = name, margin
        return probe

    def _seen(self, other: object, outcome: bool) -> bool:
        if type(other) in (float, int):
            COMPARED.append((self.name, round(float(other), 4), round(float(self), 4)))  # type: ignore[arg-type]
        return outcome

    def __lt__(self, other: float) -> bool:  # type: ignore[override]
        return self._seen(other, float(self) < other)

    def __le__(self, other: float) -> bool:  # type: ignore[override]
        return self._seen(other, float(self) <= other)

    def __gt__(self, other: float) -> bool:  # type: ignore[override]
        return self._seen(other, float(self) > other)

    def __ge__(self, other: float) -> bool:  # type: ignore[override]
        return self._seen(other, float(self) >= other)

    def __rsub__(self, other: float) -> float:  # type: ignore[override]
        difference = other - float(self)
        return Probe(difference, self.name) if self.margin else difference

    def __eq__(self, other: object) -> bool:
        return float(self) == other

    def __hash__(self) -> int:
        return float.__hash__(self)


SHIPPED = {name: float(getattr(module, name)) for module, name in CUTOFFS}


def install(moved: dict[str, float]) -> None:
    """Every cut-off replaced by a probe of its shipped value (``moved``: of another value)."""
    for module, name in CUTOFFS:
        value = moved.get(name, SHIPPED[name])
        setattr(module, name, Probe(value, name, margin=name.endswith("_MARGIN")))


async def record(path: str, sets: list[str], only: set[str] | None, moved: dict[str, float]) -> None:
    """One JSON line a pair, appended as it is looked up (a long pass interrupted keeps what it did)."""
    install(moved)
    conversation_misses.SETS = tuple(sets)
    with open(path, "a", encoding="utf-8") as out:  # noqa: ASYNC230 (a benchmark: one small line a pair)
        async for name, pair, stored, query, result in conversation_misses.each_lookup(only):
            candidates = [
                [round(c.similarity, 4), c.outcome, c.guard, (c.reason or "")[:160]] for c in result.candidates
            ]
            line = {
                "set": name,
                "id": pair.id,
                "cat": pair.category,
                "same": pair.same_answer,
                "served": result.match is not None,
                "sim": result.similarity,
                "shape": conversation_misses.shape(pair, query, stored.context is not None),
                "cause": conversation_misses.cause(result),
                "cands": candidates,
                "log": COMPARED[:],
            }
            COMPARED.clear()
            out.write(json.dumps(line) + "\n")
            out.flush()


def _candidate(candidate: Any) -> list[object]:
    return [round(candidate.similarity, 4), candidate.outcome, candidate.guard, (candidate.reason or "")[:160]]


def load(paths: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for path in paths for line in open(path, encoding="utf-8")]


def compared(row: dict[str, Any]) -> Iterator[tuple[str, float, float]]:
    """A pair's comparisons that can decide it: not a margin against another margin, not ``max(0.88, the
    threshold)``, not the very same text (a cosine of 1 moves with no cut-off)."""
    for name, value, cutoff in row["log"]:
        if name == "SAME_TURNS_MARGIN" and abs(cutoff - SHIPPED[name]) < 1e-6:  # not the moved value
            continue
        if name == "ONE_QUESTION_THRESHOLD" and abs(value - 0.76) < 1e-6:
            continue
        if value >= 0.99999:
            continue
        yield name, value, cutoff


def reach(rows: list[dict[str, Any]]) -> None:
    """Per cut-off and band, the pairs with a compared value within it: should-hits and traps, served/refused."""
    for band in (0.02, 0.05):
        near: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            for name in {name for name, value, cutoff in compared(row) if abs(value - cutoff) <= band + 1e-9}:
                near[name].append(row)
        print(f"\n| ±{band} | v1-v43+fow should-hits served/missed | traps served/refused | v44-v47 should | traps |")
        print("|---|---|---|---|---|")
        for name, reached in sorted(near.items()):
            cells = []
            for fresh in (False, True):
                mine = [row for row in reached if (row["set"] in FRESH) == fresh]
                for same in (True, False):
                    kind = [row for row in mine if row["same"] == same]
                    cells.append(f"{sum(row['served'] for row in kind)}/{sum(not row['served'] for row in kind)}")
            print(f"| {name} | {' | '.join(cells)} |")


def moved_ids(rows: list[dict[str, Any]], name: str, delta: float) -> set[str]:
    """The pairs with a value compared with ``name`` between its cut-off and the cut-off moved by ``delta``."""
    return {
        row["id"]
        for row in rows
        for compared_name, value, cutoff in compared(row)
        if compared_name == name and min(cutoff, cutoff + delta) - 1e-9 <= value <= max(cutoff, cutoff + delta) + 1e-9
    }


async def each(folder: str, rows: list[dict[str, Any]], moves: list[str]) -> None:
    """Each move (``NAME=VALUE``) looked up on the pairs of ``rows`` it can reach, into ``folder/NAME=VALUE.jsonl``."""
    sets = list(dict.fromkeys(row["set"] for row in rows))
    for move in moves:
        name, value = move.split("=")
        only = moved_ids(rows, name, float(value) - SHIPPED[name])
        if only:
            await record(f"{folder}/{move}.jsonl", sets, only, {name: float(value)})


def diff(again: str, base: list[str]) -> None:
    """The pairs whose outcome moved from the base run to the run ``again`` (of some of its pairs)."""
    before = {row["id"]: row for row in load(base)}
    counts: Counter[tuple[str, str]] = Counter()
    for row in load([again]):
        was = before[row["id"]]
        if row["served"] != was["served"]:
            group = "v44-v47" if was["set"] in FRESH else "v1-v43+fow"
            kind = f"{'should-hit' if was['same'] else 'trap'} {'served' if row['served'] else 'refused'}"
            counts[(group, kind)] += 1
            print(f"  {group} {kind} [{was['cat']}] {row['id']}: {was['cause']} -> {row['cause']}")
    print(dict(counts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", metavar="OUT", help="look the pairs up, appending a JSON line a pair to OUT")
    parser.add_argument("--sets", default="", help="with --record: these sets only (comma-separated)")
    parser.add_argument("--ids", help="with --record: only the pairs whose ids this file lists")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a cut-off moved")
    parser.add_argument("--reach", nargs="+", metavar="BASE", help="the pairs in reach of each cut-off")
    parser.add_argument("--moved", nargs="+", metavar="ARG", help="NAME DELTA BASE...: ids a move can reach")
    parser.add_argument("--each", nargs="+", metavar="ARG", help="OUTDIR BASE...: with --moves, each move looked up")
    parser.add_argument("--moves", default="", help="NAME=VALUE,...: each a run of the pairs it can reach")
    parser.add_argument("--diff", nargs="+", metavar="FILE", help="AGAIN BASE...: the pairs that moved")
    args = parser.parse_args()
    if args.reach:
        reach(load(args.reach))
    elif args.moved:
        print("\n".join(sorted(moved_ids(load(args.moved[2:]), args.moved[0], float(args.moved[1])))))
    elif args.each:
        asyncio.run(each(args.each[0], load(args.each[1:]), args.moves.split(",")))
    elif args.diff:
        diff(args.diff[0], args.diff[1:])
    elif args.record:
        only = None
        if args.ids:
            with open(args.ids, encoding="utf-8") as listed:
                only = {line.strip() for line in listed if line.strip()}
        moved = {name: float(value) for name, value in (item.split("=") for item in args.set)}
        asyncio.run(record(args.record, [s for s in args.sets.split(",") if s] or list(CONVERSATION_SETS), only, moved))


if __name__ == "__main__":
    main()
