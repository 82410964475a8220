"""A number one side's turns add: where it decides the refusal, and which kinds :mod:`nearhit.cache.circumstance` lets
through, chosen leave-one-set-out.

Without arguments: every dev pair of the conversation sets with turns on both sides that :func:`conversation.differs`
(the contexts' similarity taken as 1.0, as ``conversation_loosened.py`` on wip/conv42 reads them) refuses with no
number let through and passes with every number one side adds let through: the pairs a number one side adds decides,
should-hits and traps apart, each number's kind (an occasion, a year passed, a time passed, or a constraint: any
other number, or a time passed the question asks about). ``--show`` prints each pair.

With ``--loso BASE AFTER`` (two ``conversation_misses.py --pairs`` runs, the rule off and on): each pair the rule
changed end to end is put to the kinds it let through; for each set left out, a kind is kept if on the other sets it
adds should-hits and serves no trap more, and the set left out is scored with the kinds kept. A pair AFTER changed that
the rule as it is now refuses offline is left out (AFTER ran a looser version). Dev only.

    PYTHONPATH=src:benchmarks python benchmarks/conversation_circumstance.py [--show]
    PYTHONPATH=src:benchmarks python benchmarks/conversation_circumstance.py --loso base.txt after.txt
"""

from __future__ import annotations

import argparse
import contextlib
from collections import Counter
from collections.abc import Iterator, Sequence

from conversation_misses import _outcomes
from conversation_vetoes import _context
from nearhit import evaluation
from nearhit.cache import circumstance
from nearhit.cache import conversation as cv
from nearhit.evaluation.dataset import CONVERSATION_SETS, Pair
from nearhit.guards.quantities import Quantity

KINDS = ("an occasion", "a year passed", "a time passed")
_told = circumstance.told


def kind(quantity: Quantity, tokens: Sequence[str], asked: str) -> str:
    if not _told(quantity, tokens, asked):
        return "a constraint"
    end = quantity.span[1]
    if end < len(tokens) and tokens[end] in circumstance.OCCASIONS:
        return KINDS[0]
    return KINDS[1] if quantity.dimension is None else KINDS[2]


@contextlib.contextmanager
def letting(through: str) -> Iterator[set[str]]:
    """``circumstance.told`` as ``through`` says ("none", "all" or "shipped"); yields the kinds it let through."""
    seen: set[str] = set()

    def told(quantity: Quantity, tokens: Sequence[str], asked: str) -> bool:
        seen.add(kind(quantity, tokens, asked))
        return through == "all" or (through == "shipped" and _told(quantity, tokens, asked))

    circumstance.told = told
    try:
        yield seen
    finally:
        circumstance.told = _told


def refused(pair: Pair, through: str) -> tuple[bool, set[str]]:
    with letting(through) as seen:
        why = cv.differs(pair.b.prompt, _context(pair.b), _context(pair.a), 1.0, pair.a.prompt)
    return (why or cv.other_referent(pair.b.prompt, pair.a.prompt)) is not None, seen


def decided(show: bool) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            if not (pair.a.history and pair.b.history) or not refused(pair, "none")[0]:
                continue
            passes, kinds = refused(pair, "all")
            if passes:
                continue
            shipped = "let through" if not refused(pair, "shipped")[0] else "refused"
            label = "a circumstance" if "a constraint" not in kinds else "a constraint"
            counts["should-hit" if pair.same_answer else "trap", f"{label}: {shipped}"] += 1
            counts["should-hit" if pair.same_answer else "trap", pair.category] += 1
            if show:
                print(f"{'hit ' if pair.same_answer else 'trap'} {pair.id} {sorted(kinds)} {shipped}")
    print("| pairs a number one side adds decides (dev, turns on both sides) | should-hits | traps |\n|---|---|---|")
    for row in sorted({row for _, row in counts}):
        print(f"| {row} | {counts['should-hit', row]} | {counts['trap', row]} |")


def loso(base: str, after: str) -> None:
    runs = [_outcomes(path) for path in (base, after)]
    pairs = {pair.id: (name, pair) for name in CONVERSATION_SETS for pair in evaluation.load(name, "dev")}
    changed = {i: pairs[i] for i in runs[0] if runs[0][i] != runs[1][i]}
    gains: Counter[tuple[str, str, str]] = Counter()  # (set, kind, should-hit|trap|lost)
    for i, (name, pair) in changed.items():
        shipped, kinds = refused(pair, "shipped")
        if shipped and pair.a.history and pair.b.history:  # AFTER ran a looser rule: what this one refuses is left out
            print(f"left out: {name} {i} {pair.category} (the rule as it is refuses it offline)")
            runs[1][i] = runs[0][i]
            continue
        kinds = kinds - {"a constraint"} or {"none read offline"}
        outcome = ("should-hit" if pair.same_answer else "trap") if runs[1][i] else "lost"
        for found in kinds:
            gains[name, found, outcome] += 1
    print("| set left out | kinds kept on the other sets | should-hits added | traps added | should-hits lost |")
    print("|---|---|---|---|---|")
    total = Counter[str]()
    for held in CONVERSATION_SETS:
        others = [name for name in CONVERSATION_SETS if name != held]
        kept = [
            k
            for k in KINDS
            if sum(gains[n, k, "should-hit"] for n in others) and not sum(gains[n, k, "trap"] for n in others)
        ]
        row = {o: sum(gains[held, k, o] for k in kept) for o in ("should-hit", "trap", "lost")}
        total.update(row)
        print(f"| {held} | {', '.join(kept) or '-'} | {row['should-hit']} | {row['trap']} | {row['lost']} |")
    print(f"| pooled | | {total['should-hit']} | {total['trap']} | {total['lost']} |")
    for i, (name, pair) in sorted(changed.items()):
        if runs[0][i] != runs[1][i]:
            print(f"changed: {name} {i} {pair.category} {'served' if runs[1][i] else 'missed'} after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each pair a number one side adds decides")
    parser.add_argument("--loso", nargs=2, metavar=("BASE", "AFTER"), help="two conversation_misses.py --pairs runs")
    args = parser.parse_args()
    loso(*args.loso) if args.loso else decided(args.show)


if __name__ == "__main__":
    main()
