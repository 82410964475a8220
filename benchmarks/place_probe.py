"""The conversation dev pairs ``depends_on.told_for`` can move, found offline (no Redis): one side's user text (its
earlier user turns and its question) tells a place or a platform the other's does not say ("We're in Brisbane", "on
my MacBook"). Prints one line a pair (set, id, should-hit or trap, category, what is told and whether the question
depends on it) and the counts; ``--moved`` keeps the pairs the question's kind refuses, whose ids go to
``conversation_misses.py --ids``. ``--standalone``: the pairs one of whose questions stood alone and no longer does,
its answer depending on a place or platform its turns tell (``depends_on.set_by``). Dev splits only.

    python benchmarks/place_probe.py               # every pair that tells a new place or platform
    python benchmarks/place_probe.py --moved       # only those told_for refuses
    python benchmarks/place_probe.py --standalone  # the questions that no longer stand alone
"""

from __future__ import annotations

import sys
from collections import Counter

from nearhit import evaluation
from nearhit.cache import conversation, depends_on
from nearhit.evaluation.dataset import CONVERSATION_SETS, Side


def said(side: Side) -> str:
    """The user's side of a conversation: its earlier user turns and its question."""
    return "\n".join([*(text for role, text in side.history if role == "user"), side.prompt])


def new_told(mine: str, theirs: str) -> set[str]:
    """What one side tells (by kind) that the other does not say, whatever the question."""
    found = set()
    for text, other in ((mine, theirs), (theirs, mine)):
        unsaid = depends_on.told(other)
        for kind, names in depends_on.told(text).items():
            found |= {f"{kind}:{name}" for name in names - unsaid.get(kind, set()) if name not in other.casefold()}
    return found


def set_by_turns(side: Side) -> str | None:
    """The kind a question that stood alone before ``depends_on.set_by`` depends on and its user turns tell, or None:
    read with the assistant's turns only (all :func:`conversation.standalone` reads of them), it stands alone."""
    assistant = [turn for turn in side.history if turn[0] == "assistant"]
    if not side.history or not conversation.standalone(side.prompt, assistant):
        return None
    return depends_on.set_by(side.prompt, "\n".join(text for role, text in side.history if role == "user"))


def standalone_flips() -> None:
    counts: Counter[str] = Counter()
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            kinds = [kind for kind in map(set_by_turns, (pair.a, pair.b)) if kind]
            if kinds:
                counts["should-hit" if pair.same_answer else "trap"] += 1
                print(
                    name,
                    pair.id,
                    "should-hit" if pair.same_answer else "trap",
                    pair.category,
                    kinds,
                    "|",
                    pair.b.prompt[:80],
                )
    print(dict(counts))


def main(moved_only: bool) -> None:
    counts: Counter[str] = Counter()
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            mine, theirs = said(pair.b), said(pair.a)
            new = new_told(mine, theirs)
            if not new:
                continue
            why = depends_on.told_for(mine, theirs, f"{pair.b.prompt}\n{pair.a.prompt}")
            if moved_only and why is None:
                continue
            kind = "should-hit" if pair.same_answer else "trap"
            counts[f"{kind}, {'refused' if why else 'kept'}"] += 1
            print(name, pair.id, kind, pair.category, sorted(new), why or "-", "|", pair.b.prompt[:80])
    print(dict(counts))


if __name__ == "__main__":
    if "--standalone" in sys.argv[1:]:
        standalone_flips()
    else:
        main("--moved" in sys.argv[1:])
