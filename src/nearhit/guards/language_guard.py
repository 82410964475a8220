"""The language guard: the rules must never be the reason a prompt in a language they cannot read is
served. Prompts in different languages get no semantic hit; the same words reordered outside English get
none either (nothing reads their roles); a prompt in a language the rules do not read (``languages.READ``:
English, and those whose function words, negators and direction words are in ``data/``) is served only
above a much stricter similarity, and the verdict says why. There, the same sentence with a word or two
added, dropped or swapped is never served: that is how a look-alike is made ("not", "only", "every", an
antonym), and no rule can tell such a word from a synonym in a language it does not read."""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import ClassVar

from nearhit.guards.languages import (
    COVERED,
    READ,
    UNDETERMINED,
    UNKNOWN,
    detect,
    english_beside,
    pair_language,
    superlatives_of,
)
from nearhit.guards.text import analyse, describe, typo_of
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["DEFAULT_UNCOVERED_THRESHOLD", "LanguageGuard"]

DEFAULT_UNCOVERED_THRESHOLD = 0.98
"""Similarity a candidate needs when the guards cannot read the language (cosine alone needs 0.98+ to
keep wrong hits near the guarded rate on English look-alikes)."""


def _bag(text: str) -> list[str]:
    """The words in any order, a plural "-s" dropped (most Latin-script languages mark plurals so)."""
    return sorted(token.rstrip("s") or token for token in analyse(text).tokens)


SMALL_EDIT = 2
"""Words one side has and the other lacks, at most, for a pair to be one sentence with a slot changed."""


def _bare(word: str) -> str:
    """The word without accents ("łódź" -> "lodz"): typed without them, it is the same word."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)).replace("ł", "l")


def _small_edit(query: str, candidate: str) -> str | None:
    """The words that differ when the two texts are one sentence with at most ``SMALL_EDIT`` words added,
    dropped or swapped on each side (a typo or a missing accent is no change), else ``None``."""
    words_q, words_c = Counter(analyse(query).tokens), Counter(analyse(candidate).tokens)
    only_q, only_c = sorted((words_q - words_c).elements()), sorted((words_c - words_q).elements())
    if not (only_q or only_c) or max(len(only_q), len(only_c)) > SMALL_EDIT:
        return None
    if sum((words_q & words_c).values()) < SMALL_EDIT:  # too little in common to be one sentence
        return None
    if len(only_q) == len(only_c) == 1:
        word, other = only_q[0], only_c[0]
        if _bare(word) == _bare(other) or typo_of(word, [other]):
            return None
    return f"{' '.join(only_q) or 'nothing'!r} vs {' '.join(only_c) or 'nothing'!r}"


def _maybe_one(lang_q: str, lang_c: str) -> bool:
    """A side the detector cannot place beside one in a language the rules do not read: may be one language
    (a short Turkish question without Turkish letters); the stricter threshold still applies to it."""
    return UNKNOWN in (lang_q, lang_c) and not {lang_q, lang_c} & READ


class LanguageGuard(SignalGuard):
    """Rejects prompts in two languages; asks for ``uncovered_threshold`` where the rules cannot read."""

    name: ClassVar[str] = "language"

    def __init__(self, uncovered_threshold: float = DEFAULT_UNCOVERED_THRESHOLD) -> None:
        self.uncovered_threshold = uncovered_threshold

    def prepare(self, text: str) -> None:
        detect(text)

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        if query.casefold().split() == candidate.casefold().split():
            return None  # the same words answer the same, in any language
        lang_q, lang_c = detect(query), detect(candidate)
        if lang_q in COVERED and lang_c in COVERED:
            return None
        if {lang_q, lang_c} == {"en", UNKNOWN}:  # terse English beside English: its words are the other side's
            unplaced, english = (query, candidate) if lang_q == UNKNOWN else (candidate, query)
            if english_beside(unplaced, english):
                return None
        uncovered = lang_q if lang_q not in COVERED else lang_c
        if lang_q != lang_c and UNDETERMINED not in (lang_q, lang_c) and not _maybe_one(lang_q, lang_c):
            one = pair_language(query, candidate)  # detected apart, but the pair may read as one language
            if one is None:
                return self._signal(1.0, f"languages differ: {lang_q!r} vs {lang_c!r}")
            if one in COVERED:
                return None
            lang_q = lang_c = uncovered = one
        if _bag(query) == _bag(candidate):
            # The same words in another order: in English the direction guard can tell "A to B" from
            # "B to A"; here nothing can, and the embedder scores them as one.
            return self._signal(1.0, f"language {uncovered!r} not covered by the guards: the same words reordered")
        if lang_q in READ and lang_c in READ:
            picked_q, picked_c = superlatives_of(analyse(query)), superlatives_of(analyse(candidate))
            if picked_q - picked_c and picked_c - picked_q:  # "den billigaste" / "den snabbaste": another pick
                return self._signal(
                    1.0, f"another superlative: {describe(picked_q - picked_c)} vs {describe(picked_c - picked_q)}"
                )
            return None
        edit = _small_edit(query, candidate)
        if edit is not None:
            return self._signal(1.0, f"language {uncovered!r} not covered by the guards: a word changed ({edit})")
        return GuardSignal(
            self.name,
            1.0,
            f"language {uncovered!r} not covered by the guards: stricter threshold {self.uncovered_threshold:g}",
            min_similarity=self.uncovered_threshold,
        )
