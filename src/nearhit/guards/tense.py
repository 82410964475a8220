"""The tense guard: the same question asked about another time ("When did ..." / "When will ...").

An embedder scores tenses as one meaning; the answer is another (what happened is not what will). The
question clause's first tense marker (``data/tenses.txt``) gives its tense; past against present or
future is a strong signal, present against future a weak one ("What happens if ..." and "What will
happen if ..." ask the same).
"""

from __future__ import annotations

from nearhit.guards.clauses import split_question
from nearhit.guards.lexicon import groups
from nearhit.guards.text import analyse
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["TenseGuard"]

_TENSES: dict[str, str] = {word: group[0].rstrip(":") for group in groups("tenses.txt") for word in group[1:]}
PAST_SWAP = 0.8
PRESENT_FUTURE = 0.3


def _tense(text: str) -> str | None:
    """The tense of the question clause's first marker, or ``None``."""
    for token in analyse(split_question(text).question).tokens:
        tense = _TENSES.get(token)
        if tense is not None:
            return tense
    return None


class TenseGuard(SignalGuard):
    """Rejects a question asked in the past against one asked in the present or the future."""

    name = "tense"

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        tense_q, tense_c = _tense(query), _tense(candidate)
        if tense_q is None or tense_c is None or tense_q == tense_c:
            return None
        strength = PAST_SWAP if "past" in (tense_q, tense_c) else PRESENT_FUTURE
        return self._signal(strength, f"tense differs: {tense_q} vs {tense_c}")
