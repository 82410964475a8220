"""The tense guard: the same question asked about another time ("When did ..." / "When will ...").

An embedder scores tenses as one meaning; the answer is another (what happened is not what will). The
question clause's first tense marker (``data/tenses.txt``) gives its tense; past against present or
future is a strong signal, present against future a weak one ("What happens if ..." and "What will
happen if ..." ask the same). The other languages read have their own markers (``data/tenses_by_language.txt``:
"foi enviado" / "vai ser enviado"). A past marker on one side and a future one on the other anywhere in the
clause is strong too ("undo a commit I already pushed" / "I'm about to push").
"""

from __future__ import annotations

from nearhit.guards.clauses import split_question
from nearhit.guards.languages import detect
from nearhit.guards.lexicon import groups
from nearhit.guards.text import analyse
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["TenseGuard"]

_TENSES: dict[str, str] = {word: group[0].rstrip(":") for group in groups("tenses.txt") for word in group[1:]}


def _by_language() -> dict[str, dict[str, str]]:
    """``code tense: words`` lines -> language -> marker -> tense."""
    found: dict[str, dict[str, str]] = {}
    for group in groups("tenses_by_language.txt"):
        found.setdefault(group[0], {}).update(dict.fromkeys(group[2:], group[1].rstrip(":")))
    return found


_TENSES_BY_LANGUAGE = _by_language()
PAST_SWAP = 0.8
PRESENT_FUTURE = 0.3
_OPPOSITE_TIMES = frozenset({"past", "future"})


def _tenses(text: str) -> list[str]:
    """The tenses of the question clause's markers, in order."""
    tokens = analyse(split_question(text).question).tokens
    markers = _TENSES_BY_LANGUAGE.get(detect(text), _TENSES)
    found = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        tense = markers.get(f"{token}_{following}") or markers.get(token)
        if tense is not None:
            found.append(tense)
    return found


class TenseGuard(SignalGuard):
    """Rejects a question asked in the past against one asked in the present or the future."""

    name = "tense"

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        tenses_q, tenses_c = _tenses(query), _tenses(candidate)
        if not (tenses_q and tenses_c):
            return None
        if {*tenses_q, *tenses_c} >= _OPPOSITE_TIMES and _OPPOSITE_TIMES & ({*tenses_q} ^ {*tenses_c}):
            return self._signal(PAST_SWAP, f"times differ: {', '.join(tenses_q)} vs {', '.join(tenses_c)}")
        tense_q, tense_c = tenses_q[0], tenses_c[0]
        if tense_q == tense_c:
            return None
        strength = PAST_SWAP if "past" in (tense_q, tense_c) else PRESENT_FUTURE
        return self._signal(strength, f"tense differs: {tense_q} vs {tense_c}")
