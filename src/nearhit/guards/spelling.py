"""Misspelt words repaired in the text the embedder reads ("recieve" -> "receive"), nowhere else.

MiniLM's WordPiece tokenizer cuts an unknown word into pieces that mean nothing ("rec ##ie ##ve"), so a
misspelt paraphrase falls under the threshold before any guard runs (issue 13). The rule is general, with no
word list of its own: in text not read as another language than English, a word is a candidate when it is
prose (letters only, lower-case or capitalised, 5+ letters, not inside a code span, a path or an identifier)
and not a word of the embedder's vocabulary (``english_vocabulary.txt``, its WordPiece whole words), nor a form
or a compound of them. Its repair is the one known word with the same first letter one slip away
(:func:`_slip`: a letter left out, two swapped, one doubled, a vowel for a vowel in a long word). Several or
none: the word stays as written.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from nearhit.guards.languages import UNKNOWN, detect
from nearhit.guards.lexicon import words
from nearhit.guards.text import _osa_distance

__all__ = ["repair_typos", "spelling_of", "warm"]

_MIN_LETTERS = 5  # "cron"/"corn", "jest"/"jets": in four letters a name and a slip look alike
_SWAP_ONLY_BELOW = 6  # five letters: only two letters swapped ("teh" aside, the commonest slip) is a typo
# Prose words only: letters, lower-case or capitalised, standing alone (not part of a path, a file name, a
# flag, a version, an identifier or a contraction); text inside backticks is code and is skipped whole.
_WORD_RE = re.compile(r"(?<![\w'./\\@#$-])([A-Za-z][a-z]{3,})(?![\w'/\\@-])(?!\.\w)")
_CODE_SPAN_RE = re.compile(r"`[^`]*`?")
_LONG = 8  # from this length one vowel written for another is a slip ("insurence"); shorter, often a word
_VOWELS = frozenset("aeiou")
_ENDINGS = ("s", "es", "d", "ed", "r", "er", "rs", "ers", "ing", "ly")
# An ending that replaces the base's last letter: "qualifies" (qualify), "staking" (stake).
_REPLACING = (("ies", "y"), ("ied", "y"), ("ing", "e"), ("ers", "e"))


@lru_cache(maxsize=4096)
def repair_typos(text: str) -> str:
    """``text`` with each misspelt prose word replaced by its one likely spelling (case kept); text in another
    language than English is left whole (the vocabulary is English: "combien" is not a slip of "combine"); text
    of no known language is read, as a terse misspelt question often is ("symtoms of a sprained ankel").

    A text none of whose prose words has a spelling (all known, too short, or unknown with no one likely
    spelling) is returned as it is before its language is read: nothing in it would be repaired in any
    language, and the language (~25-40 µs a new text, before a lookup's first round trip) is most of the work
    (``tests/guards/test_spelling_precheck.py``). A word's spelling is kept (:func:`spelling_of`), and
    looked up again below when the text is repaired."""
    pieces = _CODE_SPAN_RE.split(text)  # the prose around the code spans (no group in the pattern: spans left out)
    spans = _CODE_SPAN_RE.findall(text)  # the code spans, one between each two pieces
    unknown = (word.lower() for prose in pieces for word in _WORD_RE.findall(prose) if _unknown(word))
    if all(spelling_of(word) is None for word in unknown):  # no word would change: the language is not read
        return text
    if detect(text) not in ("en", UNKNOWN):
        return text
    parts = [_WORD_RE.sub(_repaired, pieces[0])]
    for span, prose in zip(spans, pieces[1:], strict=True):
        parts += [span, _WORD_RE.sub(_repaired, prose)]
    return "".join(parts)


def _unknown(word: str) -> bool:
    """Whether :func:`spelling_of` may find a spelling for ``word``: long enough, and not a known word."""
    return len(word) >= _MIN_LETTERS and not _is_word(word.lower())


def _repaired(match: re.Match[str]) -> str:
    word = match.group(1)
    repair = spelling_of(word.lower())
    if repair is None:
        return word
    return repair.capitalize() if word[0].isupper() else repair


@lru_cache(maxsize=8192)
def spelling_of(word: str) -> str | None:
    """The one known word ``word`` (lower-case) misspells, or None when it is a word (known, a form of a known
    word, or two known words run together) or has no or several spellings one edit away."""
    if len(word) < _MIN_LETTERS or _is_word(word):
        return None
    index = _index()
    found = {
        known
        for variant in _deletions(word)
        for known in index.get(variant, ())
        if known[0] == word[0] and _osa_distance(word, known, 1) <= 1 and _slip(word, known)
    }
    swaps = {known for known in found if sorted(known) == sorted(word)}
    if len(word) < _SWAP_ONLY_BELOW or len(found) > 1:  # a swap of two letters is the likelier slip
        found = swaps  # ("recieve": receive, not relieve)
    return next(iter(found)) if len(found) == 1 else None


def _slip(word: str, known: str) -> bool:
    """Whether the one edit from ``known`` to ``word`` is a slip of the fingers or of spelling: a letter left out
    ("diffrence"), two swapped ("chnage"), a letter doubled ("swimmming"), or in a long word one vowel for
    another ("insurence"). Not a letter added or a consonant changed: "crypto", "shingles", "clojure" and
    "sprained" are words the vocabulary lacks, not slips of "crypt", "singles", "closure", "strained"."""
    if len(known) == len(word) + 1:
        return True
    if len(known) == len(word) - 1:
        return any(word[i] == word[i - 1] and word[:i] + word[i + 1 :] == known for i in range(1, len(word)))
    if sorted(known) == sorted(word):
        return True
    changed = [(a, b) for a, b in zip(word, known, strict=True) if a != b]
    return len(word) >= _LONG and all(a in _VOWELS and b in _VOWELS for a, b in changed)


def _is_word(word: str) -> bool:
    """Known, or a form of a known word ("pandas", "delete" beside "deleted"), or two known words of 3+ letters
    run together ("workspace", "playbook"): the vocabulary holds whole words, not every form or compound."""
    vocabulary = _vocabulary()
    if word in vocabulary:
        return True
    for ending in _ENDINGS:
        if word + ending in vocabulary or (word.endswith(ending) and word[: -len(ending)] in vocabulary):
            return True
    if any(word.endswith(ending) and word[: -len(ending)] + base in vocabulary for ending, base in _REPLACING):
        return True
    return any(word[:i] in vocabulary and word[i:] in vocabulary for i in range(3, len(word) - 2))


def warm() -> None:
    """Build the index now (~0.3 s), where a pause costs nothing, rather than in a first lookup."""
    _index()


@cache
def _vocabulary() -> frozenset[str]:
    return words("english_vocabulary.txt")


@cache
def _index() -> dict[str, tuple[str, ...]]:
    """A symmetric-delete index: each known word under itself and every form of it with one letter deleted,
    built once at first use (~0.3 s)."""
    index: dict[str, list[str]] = {}
    for known in _vocabulary():
        if len(known) >= _MIN_LETTERS - 1:
            for variant in _deletions(known):
                index.setdefault(variant, []).append(known)
    return {variant: tuple(known) for variant, known in index.items()}


def _deletions(word: str) -> set[str]:
    """``word`` and every form of it with one letter deleted."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}
