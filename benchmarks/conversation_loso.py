"""One conversation threshold swept on the conversation dev splits, end to end, and chosen leave-one-set-out.

Only the pairs a change of the threshold can move are looked up again at each value (those with a candidate whose
refusal, in a ``conversation_misses.py --reasons`` run made at the grid's first value, names a similarity at or
above ``--floor``, by default the grid's lowest value; the refusal read is "<outcome> <similarity> <reason>", so
"below_threshold (\\d\\.\\d+)" names a question under the threshold); every other pair keeps its outcome of that
run. The grid runs from today's value outwards (down for a threshold, up for a margin). The rule, per set held out:
on the other sets, the value farthest along the grid at which traps added <= should-hits added / ``PER_TRAP``,
pooled traps <= ``POOLED`` of traps, and no set's traps rise by more than ``PER_SET``, against the grid's first
value; with ``--no-trap``, the farthest value at which no other set serves a trap more, there and at the grid's
next value (a margin: never a value right next to a trap), and should-hits rise. The value to ship is the fold's
choice nearest the grid's first value. ``NAME``: a constant of :mod:`nearhit.cache.conversation`, of
:mod:`nearhit.cache.context_match` (``context_match.SAME_TURNS_MARGIN``), or ``matched_margin`` (the matched
model's margin, :func:`context_match.matched_margin`). Dev splits only.

    python benchmarks/conversation_misses.py --pairs base.txt --reasons base.jsonl
    python benchmarks/conversation_loso.py base.jsonl CONTEXT_THRESHOLD \
        0.80,0.79,0.78,0.77,0.76,0.75,0.74,0.73,0.72,0.71,0.70 "similarity (\\d\\.\\d+) <"
    python benchmarks/conversation_loso.py base.jsonl matched_margin 0.156,0.17,0.18,0.19,0.2 \
        "below_threshold (\\d\\.\\d+)" --floor 0.54 --no-trap [--changed]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re

from conversation_misses import each_lookup
from nearhit import evaluation
from nearhit.cache import context_match, conversation
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
            refusals = [f"{outcome} {sim:.3f} {reason or ''}" for sim, outcome, _, reason, _ in row["candidates"]]
            said = [found.search(refusal) for refusal in refusals]
            if any(match and float(match.group(1)) >= floor - 0.005 for match in said):
                ids.add(row["id"])
    return ids


def _set(name: str, value: float) -> None:
    """Set the constant ``name`` (see the module's docstring) to ``value``."""
    if name == "matched_margin":
        context_match.matched_margin = lambda: value  # type: ignore[assignment]
    elif name.startswith("context_match."):
        setattr(context_match, name.removeprefix("context_match."), value)
    else:
        setattr(conversation, name, value)


async def sweep(name: str, values: list[float], ids: set[str], base: Outcomes) -> dict[float, Outcomes]:
    runs = {}
    for value in values:
        _set(name, value)
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


def choose(
    runs: dict[float, Outcomes], kinds: dict[str, tuple[str, bool]], sets: set[str], no_trap: bool = False
) -> float:
    """The value farthest along the grid that the rule keeps on ``sets``, against the grid's first value."""
    values = list(runs)
    base = counts(runs[values[0]], kinds, sets)
    chosen = values[0]
    for k, value in enumerate(values[1:], 1):
        now = counts(runs[value], kinds, sets)
        hits = sum(c[0] for c in now.values()) - sum(c[0] for c in base.values())
        traps = sum(c[2] for c in now.values()) - sum(c[2] for c in base.values())
        pooled = sum(c[2] for c in now.values()) / sum(c[3] for c in now.values())
        rise = max(now[name][2] - base[name][2] for name in now)
        if no_trap:
            if rise > 0 or k + 1 == len(values):
                break
            after = counts(runs[values[k + 1]], kinds, sets)
            if hits > 0 and max(after[name][2] - base[name][2] for name in after) == 0:
                chosen = value
        elif traps * PER_TRAP <= hits and pooled <= POOLED and rise <= PER_SET:
            chosen = value
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reasons", help="a conversation_misses.py --reasons file (the base run)")
    parser.add_argument("name", help="the threshold in nearhit.cache.conversation, e.g. CONTEXT_THRESHOLD")
    parser.add_argument("values", help="the grid, comma-separated, the current value first")
    parser.add_argument("pattern", help="a regular expression whose group 1 is a refusal's similarity")
    parser.add_argument("--floor", type=float, help="the least similarity a refusal names to be looked up again")
    parser.add_argument("--no-trap", action="store_true", help="also the rule of no trap more, with a margin")
    parser.add_argument("--changed", action="store_true", help="also each pair whose outcome a value changes")
    args = parser.parse_args()
    values = [float(v) for v in args.values.split(",")]
    with open(args.reasons, encoding="utf-8") as lines:
        base = {row["id"]: row["served"] for row in map(json.loads, lines)}
    kinds = {p.id: (name, p.same_answer) for name in CONVERSATION_SETS for p in evaluation.load(name, "dev")}
    floor = min(values) if args.floor is None else args.floor
    runs = asyncio.run(sweep(args.name, values, moved(args.reasons, args.pattern, floor), base))
    everything = set(CONVERSATION_SETS)
    print("| value | should-hits | traps | sets with a trap more |\n|---|---|---|---|")
    first = counts(runs[values[0]], kinds, everything)
    for value, outcomes in runs.items():
        now = counts(outcomes, kinds, everything)
        hits, traps, of = (sum(c[k] for c in now.values()) for k in (0, 2, 3))
        rose = ", ".join(f"{n} +{now[n][2] - first[n][2]}" for n in CONVERSATION_SETS if now[n][2] > first[n][2])
        print(f"| {value:.3f} | {hits} | {traps}/{of} | {rose} |")
    if args.changed:
        for value, outcomes in runs.items():
            for pair, served in sorted(outcomes.items()):
                if served != base[pair]:
                    kind = "should-hit" if kinds[pair][1] else "trap"
                    print(f"changed at {value:.3f}: {pair} {'served' if served else 'missed'} ({kind})")
    for no_trap in sorted({False, args.no_trap}):
        rule = "no trap more, with a margin" if no_trap else f"a trap per {PER_TRAP} should-hits"
        print(f"\n| held out ({rule}) | chosen | should-hits, first value → chosen | traps |\n|---|---|---|---|")
        chosen, held = {}, [0, 0, 0, 0]
        for name in CONVERSATION_SETS:
            chosen[name] = choose(runs, kinds, everything - {name}, no_trap)
            was, then = (counts(runs[v], kinds, {name})[name] for v in (values[0], chosen[name]))
            held = [held[0] + was[0], held[1] + then[0], held[2] + was[2], held[3] + then[2]]
            print(f"| {name} | {chosen[name]:.3f} | {was[0]} → {then[0]}/{then[1]} | {was[2]} → {then[2]}/{then[3]} |")
        print(f"| pooled, held out | | {held[0]} → {held[1]} | {held[2]} → {held[3]} |")
        ship = min(chosen.values(), key=lambda value: values.index(value))
        print(f"\nto ship (the folds' choice nearest the grid's first value): {ship:.3f}")


if __name__ == "__main__":
    main()
