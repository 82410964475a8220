"""Which build this process runs, and what every compiled module's reading says, as JSON lines: every guard on the
guards' test pairs, and the conversation's reading (``nearhit.native.CONVERSATION_READING``) on fow-cache's dev
conversations.

Run in a subprocess on a tree with the modules compiled, once as built and once with ``NEARHIT_PURE_PYTHON=1``
(``tests/guards/test_native_build.py``): the first line names the file each compiled module was loaded from, the
rest must be the same in both builds. Under ``PYTHONHASHSEED=0``, so that a reason naming words in a set's order
reads the same in both processes.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import nearhit.guards
from nearhit import native
from nearhit.cache import conversation, digression, near_copy
from nearhit.cache.conversation import Context
from nearhit.evaluation import dataset
from nearhit.guards import GuardSet

PAIRS = Path(__file__).parent.parent / "guards"
SIMILARITIES = (0.5, 0.7, 0.85, 0.97)
"""The contexts' cosines a comparison is read at: under :data:`conversation.REWORDED_FLOOR`, between it and
:data:`conversation.CONTEXT_THRESHOLD`, and above it (the fact checks alone)."""


def pairs() -> Iterator[tuple[str, str]]:
    """Every (query, candidate) the guards' tests read from their data files, both ways round."""
    for path in sorted([*PAIRS.glob("*.jsonl"), *PAIRS.glob("data/*.jsonl")]):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            one, other = (row["a"], row["b"]) if "a" in row else (row["query"], row["candidate"])
            yield one, other
            yield other, one


def conversations() -> Iterator[tuple[dataset.Side, dataset.Side]]:
    """fow-cache's dev conversations (the fit data), both ways round."""
    for pair in dataset.load("conversations", "dev"):
        if pair.a.history and pair.b.history:
            yield pair.a, pair.b
            yield pair.b, pair.a


def readings(mine: dataset.Side, theirs: dataset.Side) -> list[object]:
    """What the conversation's reading says of two conversations: their contexts compared at each cosine, the
    asking side told as one question against the other's question, the questions against each other."""
    query, cached = Context(mine.history), Context(theirs.history)
    left = digression.left_out(query, cached)
    told = conversation.told_as_one(query, mine.prompt)
    return [
        *(conversation.differs(mine.prompt, query, cached, cosine, theirs.prompt) for cosine in SIMILARITIES),
        conversation.retold(query, cached),
        None if left is None else left.turns,
        conversation.differs_from_one(told, theirs.prompt, backstory=True),
        conversation.states_more(mine.prompt, theirs.prompt),
        conversation.other_referent(mine.prompt, theirs.prompt),
        near_copy.another_question(mine.prompt, theirs.prompt, query.text),
    ]


def main() -> None:
    modules = {name: importlib.import_module(f"nearhit.{name}").__file__ for name in native.compiled_modules()}
    print(json.dumps({"build": nearhit.guards.BUILD, "modules": modules}))
    guards = GuardSet.default()
    for query, candidate in pairs():
        signals = [guard.signal(query, candidate) for guard in guards.guards]
        print(json.dumps([None if s is None else [getattr(s, f.name) for f in fields(s)] for s in signals]))
    for mine, theirs in conversations():
        print(json.dumps(readings(mine, theirs)))


if __name__ == "__main__":
    main()
