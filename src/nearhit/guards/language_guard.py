"""The language guard: the rules must never be the reason a prompt in a language they cannot read is
served. Prompts in different languages get no semantic hit; the same words reordered outside English get
none either (nothing reads their roles); a prompt in a language the rules do not read (``languages.READ``:
English, and those whose function words, negators and direction words are in ``data/``) is served only
above a much stricter similarity, and the verdict says why."""

from __future__ import annotations

from nearhit.guards.languages import COVERED, READ, UNDETERMINED, UNKNOWN, detect
from nearhit.guards.text import analyse
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["DEFAULT_UNCOVERED_THRESHOLD", "LanguageGuard"]

DEFAULT_UNCOVERED_THRESHOLD = 0.98
"""Similarity a candidate needs when the guards cannot read the language (cosine alone needs 0.98+ to
keep wrong hits near the guarded rate on English look-alikes)."""


def _bag(text: str) -> list[str]:
    """The words in any order, a plural "-s" dropped (most Latin-script languages mark plurals so)."""
    return sorted(token.rstrip("s") or token for token in analyse(text).tokens)


def _maybe_one(lang_q: str, lang_c: str) -> bool:
    """A side the detector cannot place beside one in a language the rules do not read: may be one language
    (a short Turkish question without Turkish letters); the stricter threshold still applies to it."""
    return UNKNOWN in (lang_q, lang_c) and not {lang_q, lang_c} & READ


class LanguageGuard(SignalGuard):
    """Rejects prompts in two languages; asks for ``uncovered_threshold`` where the rules cannot read."""

    name = "language"

    def __init__(self, uncovered_threshold: float = DEFAULT_UNCOVERED_THRESHOLD) -> None:
        self.uncovered_threshold = uncovered_threshold

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        if query.casefold().split() == candidate.casefold().split():
            return None  # the same words answer the same, in any language
        lang_q, lang_c = detect(query), detect(candidate)
        if lang_q in COVERED and lang_c in COVERED:
            return None
        if lang_q != lang_c and UNDETERMINED not in (lang_q, lang_c) and not _maybe_one(lang_q, lang_c):
            return self._signal(1.0, f"languages differ: {lang_q!r} vs {lang_c!r}")
        uncovered = lang_q if lang_q not in COVERED else lang_c
        if _bag(query) == _bag(candidate):
            # The same words in another order: in English the direction guard can tell "A to B" from
            # "B to A"; here nothing can, and the embedder scores them as one.
            return self._signal(1.0, f"language {uncovered!r} not covered by the guards: the same words reordered")
        if lang_q in READ and lang_c in READ:
            return None
        return GuardSignal(
            self.name,
            1.0,
            f"language {uncovered!r} not covered by the guards: stricter threshold {self.uncovered_threshold:g}",
            min_similarity=self.uncovered_threshold,
        )
