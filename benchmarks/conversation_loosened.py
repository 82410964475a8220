"""Context checks loosened, tried offline: the should-hits and traps each variant would let through.

For every dev pair of the conversation sets with turns on both sides, :func:`conversation.differs` (and
:func:`conversation.other_referent`) on the two histories, the contexts' similarity taken as 1.0, as shipped and with
one variant; a pair the shipped checks refuse and the variant passes is counted by category. An approximation of the
live path (the similarity, the other paths): confirm a variant end to end (``conversation_misses.py --again``). Dev
only. The opposite of ``conversation_vetoes.py``, which counts what a stricter check would cut.

    PYTHONPATH=src:benchmarks python benchmarks/conversation_loosened.py
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from conversation_vetoes import _context, variant
from nearhit import evaluation
from nearhit.cache import conversation as cv
from nearhit.evaluation.dataset import CONVERSATION_SETS, Pair

_YEAR = re.compile(r"'(?:19|20)\d\d'")
_NOTHING = ("none", "nothing")
_facts = cv._different_facts


def _added(allowed: Callable[[str], bool]) -> Callable[..., str | None]:
    """``_different_facts`` letting through what only one side states when ``allowed`` holds for it."""

    def facts(*args: object, **kwargs: bool) -> str | None:
        found = _facts(*args, **kwargs)
        if found is None:
            return None
        mine, theirs = found.split(" vs ", 1)
        stated = mine if theirs in _NOTHING else theirs if mine in _NOTHING else None
        return None if stated is not None and allowed(stated) else found

    return facts


VARIANTS: dict[str, dict[str, object]] = {
    "a number, date or time one side adds": {"_different_facts": _added(lambda _: True)},
    "a year one side adds": {
        "_different_facts": _added(lambda said: all(_YEAR.fullmatch(x) for x in said.split(", ")))
    },
}


def refused(pair: Pair) -> bool:
    mine, theirs = _context(pair.b), _context(pair.a)
    return (
        cv.differs(pair.b.prompt, mine, theirs, 1.0, pair.a.prompt) or cv.other_referent(pair.b.prompt, pair.a.prompt)
    ) is not None


def main() -> None:
    pairs = [p for name in CONVERSATION_SETS for p in evaluation.load(name, "dev") if p.a.history and p.b.history]
    shipped = {p.id for p in pairs if refused(p)}
    for title, replaced in VARIANTS.items():
        with variant(replaced):
            passed = Counter(
                ("should-hit" if p.same_answer else "trap", p.category)
                for p in pairs
                if p.id in shipped and not refused(p)
            )
        hits, traps = (sum(n for (kind, _), n in passed.items() if kind == k) for k in ("should-hit", "trap"))
        print(f"\n{title}: {hits} should-hits, {traps} traps let through of {len(pairs)} pairs")
        for (kind, category), n in sorted(passed.items()):
            print(f"  {kind} {category}: {n}")


if __name__ == "__main__":
    main()
