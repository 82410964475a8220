"""The tense guard: the same question asked about another time ("When did ..." / "When will ...").

An embedder scores tenses as one meaning; the answer is another (what happened is not what will). The question
clause's first tense marker (``data/tenses.txt``) gives its tense; past against present or future is a strong
signal, present against future a weak one ("What happens if ..." and "What will happen if ..." ask the same). The
other languages read have their own markers (``data/tenses_by_language.txt``: "foi enviado" / "vai ser enviado"). A
word that points back against one that points forward is strong whatever the verbs (``time_words``: "the last
series" / "the next series"). A past marker on one side and a future one on the other anywhere in the clause is
strong too ("undo a commit I already pushed" / "I'm about to push"). A perfect ("Has my refund been processed?")
asks what has happened: a past against a future ("When will my refund be processed?"), and the same as a past or a
present ("Was my order shipped?", "Is my order shipped?"). A past verb right after "what"/"who" makes the clause
past ("What happened to my files?").
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

from nearhit.guards.clauses import split_question
from nearhit.guards.languages import detect
from nearhit.guards.lexicon import groups, pairs
from nearhit.guards.text import analyse
from nearhit.guards.time_words import time_direction
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["TenseGuard", "past_verb"]

_NOT_MARKERS = frozenset({"participles:", "pasts:"})
_TENSES: dict[str, str] = {
    word: group[0].rstrip(":") for group in groups("tenses.txt") if group[0] not in _NOT_MARKERS for word in group[1:]
}
_WORDS = {group[0]: frozenset(group[1:]) for group in groups("tenses.txt") if group[0] in _NOT_MARKERS}
_PAST_AFTER = frozenset({"what", "who"})


def _by_language() -> dict[str, dict[str, str]]:
    """``code tense: words`` lines -> language -> marker -> tense."""
    found: dict[str, dict[str, str]] = {}
    for group in groups("tenses_by_language.txt"):
        found.setdefault(group[0], {}).update(dict.fromkeys(group[2:], group[1].rstrip(":")))
    return found


_TENSES_BY_LANGUAGE = _by_language()


def _openings(markers: dict[str, str]) -> frozenset[str]:
    """The first words of the two-word markers: a token none starts (most) is looked up alone, its pair with the
    next word not written out."""
    return frozenset(marker.split("_")[0] for marker in markers if "_" in marker)


_OPENINGS = _openings(_TENSES)
_OPENINGS_BY_LANGUAGE = {lang: _openings(markers) for lang, markers in _TENSES_BY_LANGUAGE.items()}
_PARTICIPLES = next(frozenset(parts) for (code, *_), parts in pairs("passive.txt") if code == "en:")
_PARTICIPLES |= _WORDS["participles:"]
_PERFECT_REACH = 8  # "has my refund for order 4471 been processed": the subject sits in between
PAST_SWAP = 0.8
PRESENT_FUTURE = 0.3
_OPPOSITE_TIMES = frozenset({"past", "future"})


@lru_cache(maxsize=4096)
def _tenses(text: str) -> tuple[str, ...]:
    """The tenses of the question clause's markers, in order (cached: a text read again, or prepared ahead)."""
    tokens = analyse(split_question(text).question).tokens
    lang = detect(text)
    markers, openings = _TENSES_BY_LANGUAGE.get(lang, _TENSES), _OPENINGS_BY_LANGUAGE.get(lang, _OPENINGS)
    found = ["past"] if markers is _TENSES and _past_verb_first(tokens) else []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        two_words = markers.get(f"{token}_{following}") if token in openings else None
        tense = two_words or markers.get(token)
        if tense == "perfect" and not _perfect(tokens, index):
            continue
        if tense is not None:
            found.append(tense)
    return tuple(found)


def past_verb(word: str) -> bool:
    """An English past form: an irregular one of ``data/tenses.txt``, or a regular one in -ed."""
    return word in _WORDS["pasts:"] or (len(word) > 4 and word.endswith("ed"))


def _past_verb_first(tokens: tuple[str, ...]) -> bool:
    """A past verb right after "what"/"who" opening the clause: "What happened to my files?"."""
    return len(tokens) >= 2 and tokens[0] in _PAST_AFTER and past_verb(tokens[1])


def _perfect(tokens: tuple[str, ...], index: int) -> bool:
    """Whether "has"/"have" at ``index`` makes a perfect: a participle follows within reach, and no "to"
    ("have to go") or "got" ("have got") says possession or need."""
    after = tokens[index + 1 : index + 1 + _PERFECT_REACH]
    if after and after[0] in {"to", "got"}:
        return False
    return any(word in _PARTICIPLES or (len(word) > 4 and word.endswith("ed")) for word in after)


def _against(tenses: tuple[str, ...], other: tuple[str, ...]) -> list[str]:
    """A perfect read as a past against a future on the other side (and no past there), else dropped."""
    as_past = "future" in other and "past" not in other
    return [("past" if tense == "perfect" else tense) for tense in tenses if tense != "perfect" or as_past]


class TenseGuard(SignalGuard):
    """Rejects a question asked in the past against one asked in the present or the future."""

    name: ClassVar[str] = "tense"

    def prepare(self, text: str) -> None:
        _tenses(text)
        time_direction(text)

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        pointed_q, pointed_c = time_direction(query), time_direction(candidate)
        if pointed_q and pointed_c and pointed_q != pointed_c:  # "the last series" / "the next series"
            return self._signal(PAST_SWAP, f"times differ: {pointed_q} vs {pointed_c}")
        found_q, found_c = _tenses(query), _tenses(candidate)
        tenses_q, tenses_c = _against(found_q, found_c), _against(found_c, found_q)
        if not (tenses_q and tenses_c):
            return None
        if {*tenses_q, *tenses_c} >= _OPPOSITE_TIMES and _OPPOSITE_TIMES & ({*tenses_q} ^ {*tenses_c}):
            return self._signal(PAST_SWAP, f"times differ: {', '.join(tenses_q)} vs {', '.join(tenses_c)}")
        tense_q, tense_c = tenses_q[0], tenses_c[0]
        if tense_q == tense_c:
            return None
        strength = PAST_SWAP if "past" in (tense_q, tense_c) else PRESENT_FUTURE
        return self._signal(strength, f"tense differs: {tense_q} vs {tense_c}")
