"""Where the told-as-one path's "a word of the story exchanged" check fires, telling by telling, on the tree on
``PYTHONPATH``: run it on two trees and diff the outputs to find the only pairs a change of the check can move.

One line a pair and kind: ``real`` (a dev pair with one side a single question: the conversation side's tellings,
:func:`conversation.told_as_one` and :func:`conversation.told_with_answer`, against the single question), ``wa`` /
``wb`` (a dev pair with two histories, ``a`` or ``b`` written as one message as a person writes it,
``told_as_one_probe.as_written``: the traps of this path), then a 1 or 0 per telling. Dev splits only.

    (cd <base tree> && PYTHONPATH=src python <this tree>/benchmarks/told_as_one_fires.py > base.txt)
    PYTHONPATH=src python benchmarks/told_as_one_fires.py > after.txt
    diff base.txt after.txt | grep '^> real' | awk '{print $3}' > real.txt  # conversation_misses.py --ids
    diff base.txt after.txt | grep '^> wa' | awk '{print $3}' > wa.txt  # told_as_one_probe.py --joined a --written
"""

from __future__ import annotations

from nearhit import evaluation
from nearhit.cache import conversation
from nearhit.evaluation.dataset import CONVERSATION_SETS, Side
from told_as_one_probe import as_written


def fires(single: str, side: Side) -> list[int]:
    """For each telling of ``side``'s conversation, whether the check refuses it against ``single``."""
    context = conversation.context_of(tuple(side.history), side.prompt)
    if context is None:
        return []
    tellings = [conversation.told_as_one(context, side.prompt), conversation.told_with_answer(context, side.prompt)]
    found = (conversation.differs_from_one(told, single) or "" for told in tellings if told is not None)
    return [int(reason.startswith("a word of the story exchanged")) for reason in found]


def main() -> None:
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            sides = (pair.a, pair.b)
            if any(role not in ("user", "assistant") for side in sides for role, _ in side.history):
                continue
            if bool(pair.a.history) != bool(pair.b.history):
                told, single = (pair.a, pair.b) if pair.a.history else (pair.b, pair.a)
                print("real", pair.id, fires(single.prompt, told))
            elif pair.a.history and pair.b.history:
                print("wa", pair.id, fires(as_written(pair.a).prompt, pair.b))
                print("wb", pair.id, fires(as_written(pair.b).prompt, pair.a))


if __name__ == "__main__":
    main()
