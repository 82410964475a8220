"""The conversation dev pairs three readings can move, found offline (no Redis): where ``persons.other_person``
fires ("my wife" / "I"), where ``conversation.other_referent`` fires after the very same turns (the check the single
question after them now gets), and where a minus sign before a number is read (``guards.text._MINUS_RE``, question
sets' dev splits too). Prints one line a pair and the counts; the ids go to ``conversation_misses.py --ids``.

    python benchmarks/persons_probe.py persons|same_turns|minus
"""

from __future__ import annotations

import sys
from collections import Counter

from nearhit import evaluation
from nearhit.cache import conversation, persons
from nearhit.evaluation.dataset import CONVERSATION_SETS
from nearhit.guards.text import _MINUS_RE

QUESTION_SETS = ("nearhit", *(f"nearhit-v{n}" for n in range(2, 39)))


def _texts(side: object) -> list[str]:
    if isinstance(side, str):
        return [side]
    return [side.prompt, *(text for _, text in side.history or ())]  # type: ignore[attr-defined]


def main(which: str) -> None:
    counts: Counter[str] = Counter()
    sets = CONVERSATION_SETS + (QUESTION_SETS if which == "minus" else ())
    for name in sets:
        for pair in evaluation.load(name, "dev"):
            if which == "persons":
                why = persons.other_person(pair.b.prompt, pair.a.prompt)
            elif which == "same_turns":
                same = pair.a.history and pair.a.history == pair.b.history
                why = conversation.other_referent(pair.b.prompt, pair.a.prompt) if same else None
            else:
                why = next((t for t in _texts(pair.a) + _texts(pair.b) if _MINUS_RE.search(t)), None)
            if why:
                kind = "should-hit" if pair.same_answer else "trap"
                counts[kind] += 1
                print(name, pair.id, kind, why)
    print(dict(counts))


if __name__ == "__main__":
    main(sys.argv[1])
