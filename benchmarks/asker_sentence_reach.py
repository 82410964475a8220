"""The dev pairs a reading of an added sentence can move: a whole sentence about the asker that one side's earlier
user turns add, every other sentence the same (:func:`nearhit.cache.story.asker_sentence_added`, read by
``story.alone_differs`` for a question standing alone after the same story). The pairs it prints (one id a line) are
those ``conversation_misses.py --ids`` needs to look up on two trees: no other pair's verdict can change.

    PYTHONPATH=src:benchmarks python benchmarks/asker_sentence_reach.py --sets fit > reach_fit.txt
"""

from __future__ import annotations

import argparse
import sys

from conversation_misses import chosen_sets
from nearhit.cache.story import asker_sentence_added, same_story
from nearhit.evaluation import load
from nearhit.evaluation.dataset import Pair, Side


def _users(side: Side) -> str:
    return "\n".join(text for role, text in side.history if role == "user")


def reached(pair: Pair) -> bool:
    """Whether both sides tell earlier turns, one story, and one side's user turns add a sentence about the asker."""
    if not pair.a.history or not pair.b.history or not same_story(pair.a.history, pair.b.history):
        return False
    return asker_sentence_added(_users(pair.a), _users(pair.b)) is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    args = parser.parse_args()
    found = [pair.id for name in chosen_sets(args.sets) for pair in load(name, "dev") if reached(pair)]
    print("\n".join(found))
    print(f"{len(found)} pairs in reach", file=sys.stderr)


if __name__ == "__main__":
    main()
