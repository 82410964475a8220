"""The dev pairs `other_ending.other_ending` (or, ``--reading near_copy``, `near_copy.near_copy`) can move: both
sides asked after earlier turns, either way round (a superset: the engine reads it where the turns are the same, or
the same once one side's digression is left out).

Reads no outcome (the texts only); its ids go to ``conversation_misses.py --ids``.

    python benchmarks/other_ending_reach.py --sets fit > reach_fit.txt
    python benchmarks/other_ending_reach.py --sets fit --reading near_copy > reach_fit.txt
"""

from __future__ import annotations

import argparse

from conversation_misses import chosen_sets
from nearhit.cache.near_copy import near_copy
from nearhit.cache.other_ending import other_ending
from nearhit.evaluation.dataset import load

READINGS = {"other_ending": other_ending, "near_copy": near_copy}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    parser.add_argument("--reading", choices=tuple(READINGS), default="other_ending")
    args = parser.parse_args()
    reads = READINGS[args.reading]
    for name in chosen_sets(args.sets):
        for pair in load(name, "dev"):
            if not (pair.a.history and pair.b.history):
                continue
            if reads(pair.b.prompt, pair.a.prompt) or reads(pair.a.prompt, pair.b.prompt):
                print(pair.id)


if __name__ == "__main__":
    main()
