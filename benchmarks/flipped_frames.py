"""Which conversation dev pairs the flipped-frame readings read: a negation, a quantity or the persons' parts
changed in the same frame of the user turns ("I haven't pushed" / "I already pushed", "the other driver ... their
fault" / "I ... my fault"), the reach to look up again through the real cache.

Each reading (:func:`exchanged.flipped`, :func:`exchanged.roles_exchanged`) is applied to both sides' user turns,
one text a side, either way round, as :func:`conversation.differs` applies the other exchanged-thing checks. Reads
no outcome unless ``--served`` is given: then only the pairs that run served, with their kind and the reading.

    python benchmarks/flipped_frames.py --sets fit > reach_fit.txt
    python benchmarks/flipped_frames.py --sets fit --served fit_base.txt   # served pairs read: should-hits, traps
    python benchmarks/conversation_misses.py --sets fit --ids reach_fit.txt --pairs after.txt   # and on the base
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable

from conversation_misses import chosen_sets
from nearhit import evaluation
from nearhit.cache import exchanged
from nearhit.evaluation.dataset import Pair

READINGS: dict[str, Callable[[str, str], str | None]] = {
    "flipped": exchanged.flipped,
    "roles_exchanged": exchanged.roles_exchanged,
}


def read(pair: Pair) -> dict[str, str]:
    """Each reading's verdict on the pair's user turns (either way round), where it says something."""
    ours = "\n".join(content for role, content in pair.a.history if role == "user")
    others = "\n".join(content for role, content in pair.b.history if role == "user")
    if not ours or not others:
        return {}
    said = {name: check(ours, others) or check(others, ours) for name, check in READINGS.items()}
    return {name: reason for name, reason in said.items() if reason}


def served_ids(path: str) -> set[str]:
    """The pair ids a ``conversation_misses.py --pairs`` file says were served."""
    with open(path, encoding="utf-8") as lines:
        return {line.split(" ", 1)[0] for line in lines if line.split(" ", 2)[1:2] == ["served"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"), required=True)
    parser.add_argument("--served", help="a --pairs file: list only its served pairs, and count them")
    args = parser.parse_args()
    served = served_ids(args.served) if args.served else None
    counts: Counter[tuple[str, str]] = Counter()
    for name in chosen_sets(args.sets):
        for pair in evaluation.load(name, "dev"):
            said = read(pair)
            if not said or (served is not None and pair.id not in served):
                continue
            if served is None:
                print(pair.id)
                continue
            kind = "should-hit" if pair.same_answer else "trap"
            counts.update((reading, kind) for reading in said)
            print(pair.id, kind, "; ".join(f"{reading}: {reason}" for reading, reason in said.items()))
    for (reading, kind), n in sorted(counts.items()):
        print(f"{reading} {kind} {n}")


if __name__ == "__main__":
    main()
