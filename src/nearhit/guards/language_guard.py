"""The language guard: the rules must never be the reason a prompt in a language they cannot read is
served. Prompts in different languages get no semantic hit; the same words reordered outside English get
none either (nothing reads their roles); a prompt in a language the rules do not read (``languages.READ``:
English, and those whose function words, negators and direction words are in ``data/``) is served only
above a much stricter similarity, and the verdict says why."""

from __future__ import annotations

from nearhit.guards.languages import COVERED, READ, UNDETERMINED, UNKNOWN, detect
from nearhit.guards.lexicon import groups
from nearhit.guards.text import analyse
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["DEFAULT_PARTIAL_MARGIN", "DEFAULT_UNCOVERED_THRESHOLD", "LanguageGuard", "partly_read"]

DEFAULT_UNCOVERED_THRESHOLD = 0.98
"""Similarity a candidate needs when the guards cannot read the language (cosine alone needs 0.98+ to
keep wrong hits near the guarded rate on English look-alikes)."""
DEFAULT_PARTIAL_MARGIN = 0.0
"""How far above the similarity threshold a pair in a language the rules read only partly (``READ`` but not
English: negators, tense and direction words, not every family) must be. 0.0: on the dev splits no such
look-alike was served at the plain threshold, and every step up loses recall (benchmarks/README.md)."""
_STEM = 5
"""Letters of a word kept when comparing word bags: "benzin" and "benzinli" (a Turkish suffix) are one word."""


def _bag(text: str) -> list[str]:
    """The words in any order, cut to their first letters: most languages the rules do not read mark
    plurals and cases with suffixes ("-s", Turkish "-li", "-ya"), so a suffix moved with a word is no change."""
    return sorted((token.rstrip("s") or token)[:_STEM] for token in analyse(text).tokens)


def _ask_words() -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Language -> (kind of question, its words as token tuples), from ``data/ask_words_by_language.txt``."""
    found: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for line in groups("ask_words_by_language.txt"):
        lang, _, kind = line[0].rstrip(":").partition(".")
        found.setdefault(lang, []).extend((kind, tuple(word.split("_"))) for word in line[1:])
    return {lang: tuple(words) for lang, words in found.items()}


_ASK_WORDS = _ask_words()


def _asks(text: str, lang: str) -> frozenset[str]:
    """The kinds of question word ("how", "why", "much"...) a prompt in ``lang`` asks with."""
    tokens = analyse(text).tokens
    return frozenset(
        kind
        for kind, words in _ASK_WORDS.get(lang, ())
        if any(tuple(tokens[i : i + len(words)]) == words for i in range(len(tokens)))
    )


def _ask_differs(one: frozenset[str], other: frozenset[str]) -> bool:
    """Whether two prompts ask for different things: each with its own kinds of question word, or one with a
    question word and the other with none, unless it is "how" or "must" (a paraphrase says "the way to",
    "what do I need to do")."""
    if one and other:
        return one != other
    return bool((one | other) - {"how", "must"})


def partly_read(query: str, candidate: str) -> bool:
    """Whether either prompt is in a language the rules read only partly (not English, not too short to
    tell): such a pair is not served in the quiet band, and needs the partial margin above the threshold."""
    return bool({detect(query), detect(candidate)} & (READ - COVERED))


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
            if lang_q == lang_c and _ask_differs(_asks(query, lang_q), _asks(candidate, lang_c)):
                # The English intent guard reads ask-types; here the question words stand in for them.
                return self._signal(1.0, f"language {lang_q!r}: asks with other question words")
            return None
        return GuardSignal(
            self.name,
            1.0,
            f"language {uncovered!r} not covered by the guards: stricter threshold {self.uncovered_threshold:g}",
            min_similarity=self.uncovered_threshold,
        )
