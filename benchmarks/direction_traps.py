"""Role and direction look-alikes on the DEV splits, and the reorders they must not catch (issue 13).

Picks, from each question set's dev split: the traps of a ``direction*`` or ``role*`` category, every other trap
whose two sides name the same content words in another order, and the should-hits of ``reorder`` (the recall
risk). Each is looked up as ``nearhit eval`` does (its ``a`` stored in a scope of its own), and is printed with
a sub-kind read from its text, whether the default served it, what refused it (the guard that vetoed, or the
score), and the direction guard's own signal. Then a table of served / refused by sub-kind. Only dev items.

    PYTHONPATH=src .venv/bin/python benchmarks/direction_traps.py questions nearhit nearhit-v2 ... nearhit-v25
    PYTHONPATH=src .venv/bin/python benchmarks/direction_traps.py --rows ...   # one row per pair as well
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re

from nearhit.evaluation import Pair
from nearhit.guards.content import content_sequence
from nearhit.guards.direction import DirectionGuard
from nearhit.guards.lexicon import pairs as data_pairs
from nearhit.guards.text import analyse
from served_traps import look_up

_CONVERSES = {word for pair in data_pairs("converses.txt") for side in pair for word in side}
_KINDS = (
    ("non-English", lambda p, a, b: bool(p.lang) and p.lang != "en"),
    ("instead of", lambda p, a, b: bool(re.search(r"\b(instead of|rather than|in place of|replace)", a + b))),
    ("than", lambda p, a, b: " than " in a + b),
    ("conversion", lambda p, a, b: bool(re.search(r"\b(convert|conversion|how many|in (metres|meters|feet))", a + b))),
    ("from / to", lambda p, a, b: bool(re.search(r"\b(from|into)\b", a + b) or (" to " in a and " to " in b))),
    ("relational nouns", lambda p, a, b: bool(_CONVERSES & set(re.findall(r"[a-z]+", a + b)))),
    ("agent / patient", lambda p, a, b: bool(re.search(r"\b(my|me|i|us|we)\b", a + b))),
)


def kind(pair: Pair) -> str:
    """The sub-kind a pair's text reads as, first match in :data:`_KINDS` (else "other")."""
    a, b = pair.a.prompt.lower(), pair.b.prompt.lower()
    return next((name for name, test in _KINDS if test(pair, a, b)), "other")


def reordered(pair: Pair) -> bool:
    """Whether both sides name the same content words (at least two) in another order."""
    seq_a = [w for w, _ in content_sequence(analyse(pair.a.prompt))]
    seq_b = [w for w, _ in content_sequence(analyse(pair.b.prompt))]
    return len(seq_a) >= 2 and sorted(seq_a) == sorted(seq_b) and seq_a != seq_b


def picked(pair: Pair) -> bool:
    if pair.same_answer:
        return pair.category == "reorder"
    return pair.category.startswith(("direction", "role")) or reordered(pair)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="built-in question sets; their dev splits only")
    parser.add_argument("--rows", action="store_true", help="one row per pair too")
    args = parser.parse_args()
    guard = DirectionGuard()
    table: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
    rows = []
    for name in args.sets:
        for found in asyncio.run(look_up(name, False, picked)):
            pair, similarity = found.pair, found.similarity
            outcome = "served" if found.served else found.rejected_by or ("score" if similarity else "no candidate")
            label = "should-hit (reorder)" if pair.same_answer else "trap"
            table[(label, kind(pair))][outcome] += 1
            signal = guard.signal(pair.b.prompt, pair.a.prompt)
            said = f"{signal.strength:.1f} {signal.reason}" if signal else ""
            rows.append((name, pair, outcome, similarity, said))
    outcomes = sorted({o for counts in table.values() for o in counts}, key=lambda o: (o != "served", o))
    print("| pairs | sub-kind | " + " | ".join(outcomes) + " |")
    print("|---|---|" + "---|" * len(outcomes))
    for (label, sub), counts in sorted(table.items()):
        print(f"| {label} | {sub} | " + " | ".join(str(counts[o]) for o in outcomes) + " |")
    if args.rows:
        print("\n| set | category | kind | outcome | similarity | direction guard | a | b |")
        print("|---|---|---|---|---|---|---|---|")
        for name, pair, outcome, similarity, said in rows:
            sim = f"{similarity:.3f}" if similarity is not None else ""
            texts = f"{pair.a.prompt} | {pair.b.prompt}"
            print(f"| {name} | {pair.category} | {kind(pair)} | {outcome} | {sim} | {said} | {texts} |")


if __name__ == "__main__":
    main()
