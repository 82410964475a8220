"""One conversation threshold swept on the conversation dev splits, end to end, and chosen leave-one-set-out.

Only the pairs a change of the threshold can move are looked up again at each value (those with a candidate whose
refusal reason, in a ``conversation_misses.py --reasons`` run made at the grid's first value, names a similarity at
or above the grid's lowest value); every other pair keeps its outcome of that run. The rule, per set held out: on the
other sets, the lowest value at which traps added <= should-hits added / ``PER_TRAP``, pooled traps <= ``POOLED`` of
traps, and no set's traps rise by more than ``PER_SET``, against the grid's first value; the value to ship is the
highest of the folds' choices. Dev splits only.

    python benchmarks/conversation_misses.py --pairs base.txt --reasons base.jsonl
    python benchmarks/conversation_loso.py base.jsonl CONTEXT_THRESHOLD \
        0.80,0.79,0.78,0.77,0.76,0.75,0.74,0.73,0.72,0.71,0.70 "similarity (\\d\\.\\d+) <"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re

from conversation_misses import each_lookup
from nearhit import evaluation
from nearhit.cache import conversation
from nearhit.evaluation.dataset import CONVERSATION_SETS

PER_TRAP = 3
POOLED = 0.02
PER_SET = 1

Outcomes = dict[str, bool]


def moved(reasons: str, pattern: str, floor: float) -> set[str]:
    """The pairs with a candidate refused at a similarity (``pattern``'s group) at or above ``floor``."""
    found = re.compile(pattern)
    ids = set()
    with open(reasons, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            said = [found.search(reason or "") for _, _, _, reason, _ in row["candidates"]]
            if any(match and float(match.group(1)) >= floor - 0.005 for match in said):
                ids.add(row["id"])
    return ids


async def sweep(name: str, values: list[float], ids: set[str], base: Outcomes) -> dict[float, Outcomes]:
    runs = {}
    for value in values:
        setattr(conversation, name, value)
        outcomes = dict(base)
        async for _, pair, _, _, result in each_lookup(ids):
            outcomes[pair.id] = result.match is not None
        runs[value] = outcomes
    return runs


def counts(outcomes: Outcomes, kinds: dict[str, tuple[str, bool]], sets: set[str]) -> dict[str, list[int]]:
    """Per set: should-hits served, should-hits, traps served, traps."""
    per: dict[str, list[int]] = {}
    for pair, served in outcomes.items():
        name, same = kinds[pair]
        if name in sets:
            cell = per.setdefault(name, [0, 0, 0, 0])
            cell[0 if same else 2] += served
            cell[1 if same else 3] += 1
    return per


def choose(runs: dict[float, Outcomes], kinds: dict[str, tuple[str, bool]], sets: set[str]) -> float:
    """The lowest value that the rule keeps on ``sets``, against the grid's first value."""
    values = list(runs)
    base = counts(runs[values[0]], kinds, sets)
    chosen = values[0]
    for value in values[1:]:
        now = counts(runs[value], kinds, sets)
        hits = sum(c[0] for c in now.values()) - sum(c[0] for c in base.values())
        traps = sum(c[2] for c in now.values()) - sum(c[2] for c in base.values())
        pooled = sum(c[2] for c in now.values()) / sum(c[3] for c in now.values())
        rise = max(now[name][2] - base[name][2] for name in now)
        if traps * PER_TRAP <= hits and pooled <= POOLED and rise <= PER_SET:
            chosen = value
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reasons", help="a conversation_misses.py --reasons file (the base run)")
    parser.add_argument("name", help="the threshold in nearhit.cache.conversation, e.g. CONTEXT_THRESHOLD")
    parser.add_argument("values", help="the grid, comma-separated, the current value first")
    parser.add_argument("pattern", help="a regular expression whose group 1 is a refusal reason's similarity")
    args = parser.parse_args()
    values = [float(v) for v in args.values.split(",")]
    with open(args.reasons, encoding="utf-8") as lines:
        base = {row["id"]: row["served"] for row in map(json.loads, lines)}
    kinds = {p.id: (name, p.same_answer) for name in CONVERSATION_SETS for p in evaluation.load(name, "dev")}
    runs = asyncio.run(sweep(args.name, values, moved(args.reasons, args.pattern, min(values)), base))
    everything = set(CONVERSATION_SETS)
    print("| value | should-hits | traps |\n|---|---|---|")
    for value, outcomes in runs.items():
        per = counts(outcomes, kinds, everything).values()
        print(f"| {value:.2f} | {sum(c[0] for c in per)} | {sum(c[2] for c in per)}/{sum(c[3] for c in per)} |")
    print("\n| held out | chosen | should-hits, first value → chosen | traps |\n|---|---|---|---|")
    chosen = {}
    for name in CONVERSATION_SETS:
        chosen[name] = choose(runs, kinds, everything - {name})
        first, then = (counts(runs[v], kinds, {name})[name] for v in (values[0], chosen[name]))
        print(f"| {name} | {chosen[name]:.2f} | {first[0]} → {then[0]}/{then[1]} | {first[2]} → {then[2]}/{then[3]} |")
    print(f"\nto ship (the highest of the folds' choices): {max(chosen.values()):.2f}")


if __name__ == "__main__":
    main()
