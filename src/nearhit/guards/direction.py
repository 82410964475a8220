"""The direction guard: the same two things on swapped sides ("from A to B" vs "from B to A")."""

from __future__ import annotations

from nearhit.guards.content import content_words
from nearhit.guards.text import Text, analyse
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["DirectionGuard"]

_PIVOTS = frozenset({"to", "into", "onto"})


def _sides_of_pivots(text: Text, shared: frozenset[str]) -> set[tuple[str, str]]:
    """(x, y) for shared words x before and y after some "to"/"into" in the text."""
    pairs: set[tuple[str, str]] = set()
    for index, token in enumerate(text.tokens):
        if token in _PIVOTS:
            before = {s for s in text.stems[:index] if s in shared}
            after = {s for s in text.stems[index + 1 :] if s in shared}
            pairs.update((x, y) for x in before for y in after if x != y)
    return pairs


class DirectionGuard(SignalGuard):
    """Rejects when the same two things swap sides of "to"/"into": transfer A to B is not B to A."""

    name = "direction"

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        q, c = analyse(query), analyse(candidate)
        shared = frozenset(content_words(q).values()) & frozenset(content_words(c).values())
        if len(shared) < 2:
            return None
        pairs_q = _sides_of_pivots(q, shared)
        if not pairs_q:
            return None
        swapped = sorted((x, y) for x, y in _sides_of_pivots(c, shared) if (y, x) in pairs_q)
        if swapped:
            x, y = swapped[0]
            return self._signal(1.0, f"direction reversed: {y!r} to {x!r} vs {x!r} to {y!r}")
        return None
