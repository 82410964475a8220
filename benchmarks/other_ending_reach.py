"""The dev pairs `other_ending.other_ending` can move: both sides asked after earlier turns, either way round (a
superset: the engine reads it where the turns are the same, or the same once one side's digression is left out).

Reads no outcome (the texts only); its ids go to ``conversation_misses.py --ids``.

    python benchmarks/other_ending_reach.py --sets fit > reach_fit.txt
"""

from __future__ import annotations

import argparse

from conversation_misses import chosen_sets
from nearhit.cache.other_ending import other_ending
from nearhit.evaluation.dataset import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    for name in chosen_sets(parser.parse_args().sets):
        for pair in load(name, "dev"):
            if not (pair.a.history and pair.b.history):
                continue
            if other_ending(pair.b.prompt, pair.a.prompt) or other_ending(pair.a.prompt, pair.b.prompt):
                print(pair.id)


if __name__ == "__main__":
    main()
