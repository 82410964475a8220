"""Why the conversation check refuses each dev pair's two stories, read alone: its reason at a turns' cosine of 1.

For every dev pair with earlier turns on both sides, :func:`conversation.differs` is asked as the lookup asks it (the
``b`` side's context against the ``a`` side's, each side's last question), with the turns' cosine read as 1, so the
story checks judge alone. One line a pair: its id, whether it should hit, and the reason (``None``: the checks let
it through). Run on two trees and diff the outputs: the pairs whose line changed are the reach of a change to the
story checks, to look up through the real cache (``conversation_misses.py --ids``). Reads no outcome.

With ``--missed PAIRS`` (a ``conversation_misses.py --pairs`` file) only the should-hits it missed are read, and
``--cause`` keeps those whose cause contains it: the detail of a cause family ("other facts: 'two' vs nothing").

    python benchmarks/story_reasons.py --sets fit > base.txt          # on the base tree, then on this one
    diff base.txt after.txt
    python benchmarks/story_reasons.py --sets fit --missed fit.txt --cause "other facts" --category reworded_history
"""

from __future__ import annotations

import argparse

from conversation_misses import chosen_sets
from nearhit import evaluation
from nearhit.cache.conversation import Context, differs
from nearhit.evaluation.dataset import Pair


def reason(pair: Pair) -> str | None:
    """The story checks' reason for the pair's two contexts at a turns' cosine of 1."""
    asked, stored = Context(tuple(pair.b.history)), Context(tuple(pair.a.history))
    return differs(pair.b.prompt, asked, stored, 1.0, pair.a.prompt)


def missed(path: str, cause: str) -> set[str]:
    """The ids of the should-hits a ``--pairs`` file missed whose cause contains ``cause``."""
    with open(path) as lines:
        return {line.split()[0] for line in lines if " missed " in line and cause in line}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    parser.add_argument("--missed", metavar="PAIRS", help="only the should-hits this --pairs file missed")
    parser.add_argument("--cause", default="", help="with --missed: only those whose cause contains this")
    parser.add_argument("--category", help="only the pairs of this category")
    args = parser.parse_args()
    only = missed(args.missed, args.cause) if args.missed else None
    for name in chosen_sets(args.sets):
        for pair in evaluation.load(name, "dev"):
            if only is not None and pair.id not in only:
                continue
            if args.category and pair.category != args.category:
                continue
            if pair.a.history and pair.b.history:
                print(pair.id, pair.same_answer, "|", reason(pair))


if __name__ == "__main__":
    main()
