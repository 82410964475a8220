"""Which conversation dev pairs :func:`nearhit.cache.exchanged.swapped_stretch` reads as one thing exchanged for
another where :func:`~nearhit.cache.exchanged.swapped_thing` does not: only these can move (the check only adds a
refusal of a conversation's earlier turns), so only these need looking up again, on the base and on the change.
Offline (no cache, no embedder), dev splits only.

    python benchmarks/swapped_stretch_probe.py --ids moved.txt        # every conversation set
    python benchmarks/swapped_stretch_probe.py --only nearhit-conversations-v52 nearhit-conversations-v53
    python benchmarks/conversation_misses.py --ids moved.txt --pairs after.txt   # then the moved pairs end to end
"""

from __future__ import annotations

import argparse
from collections import Counter

from nearhit import evaluation
from nearhit.cache import conversation, exchanged
from nearhit.evaluation.dataset import CONVERSATION_SETS, Side


def users(side: Side) -> str:
    """What the user said in a side's earlier turns, as :func:`conversation.differs` reads them."""
    return conversation.users_said(conversation.Context(tuple((role, text) for role, text in side.history)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="these sets only (default: every conversation set)")
    parser.add_argument("--exclude", nargs="*", default=(), help="leave these sets out")
    parser.add_argument("--ids", help="write the moved pairs' ids here, one a line (for conversation_misses --ids)")
    args = parser.parse_args()
    sets = [name for name in args.only or CONVERSATION_SETS if name not in args.exclude]
    read: Counter[tuple[str, str]] = Counter()
    moved: list[str] = []
    for name in sets:
        for pair in evaluation.load(name, "dev"):
            if not (pair.a.history and pair.b.history):
                continue
            kind = (pair.category, "should-hit" if pair.same_answer else "trap")
            read[kind] += 1
            told = users(pair.b), users(pair.a)
            why = exchanged.swapped_stretch(*told)
            if why is not None and exchanged.swapped_thing(*told) is None:
                moved.append(pair.id)
                print(f"{name}\t{pair.id}\t{kind[1]}\t{why}")
    print(f"{len(moved)} of {sum(read.values())} conversation/conversation pairs can move")
    if args.ids:
        with open(args.ids, "w", encoding="utf-8") as out:
            out.writelines(f"{pair_id}\n" for pair_id in moved)


if __name__ == "__main__":
    main()
