"""The dev pairs the told-as-one scope reading can move: one side a conversation, the other a single message, and
a telling of the conversation (told as one question, or with the assistant's last answer) against the single
message gets a scope signal this tree marks ``stated_one_side`` (the story's wording). Offline (no Redis): the ids,
one a line, for ``conversation_misses.py --ids`` on two trees.

    PYTHONPATH=src:benchmarks python benchmarks/told_scope_ids.py fit > ids.txt   # or: validation
"""

from __future__ import annotations

import sys

from conversation_misses import chosen_sets
from nearhit import evaluation
from nearhit.cache import conversation
from nearhit.evaluation.dataset import Pair, Side
from nearhit.guards.scope import ScopeGuard
from nearhit.guards.verdicts import GuardSignal


def movable(pair: Pair, guard: ScopeGuard) -> bool:
    """Whether a telling of ``pair``'s conversation side against its single side is marked stated."""
    for side, other in ((pair.a, pair.b), (pair.b, pair.a)):
        if _context(side) is None or _context(other) is not None:
            continue
        if any(found is not None and found.stated_one_side for found in _signals(side, other, guard)):
            return True
    return False


def _context(side: Side) -> conversation.Context | None:
    return conversation.context_of(side.history, side.prompt)


def _signals(side: Side, other: Side, guard: ScopeGuard) -> list[GuardSignal | None]:
    context = _context(side)
    assert context is not None
    tellings = [conversation.told_as_one(context, side.prompt), conversation.told_with_answer(context, side.prompt)]
    return [guard.signal(told, other.prompt) for told in tellings if told]


def main() -> None:
    guard = ScopeGuard()
    for name in chosen_sets(sys.argv[1] if len(sys.argv) > 1 else "fit"):
        for pair in evaluation.load(name, "dev"):
            if movable(pair, guard):
                print(pair.id)


if __name__ == "__main__":
    main()
