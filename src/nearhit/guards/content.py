"""Content words: the stems that carry a question's subject, by synonym class, and how two texts overlap."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from functools import lru_cache

from nearhit.guards import stemming
from nearhit.guards.languages import function_words_of, negators_of
from nearhit.guards.lexicon import (
    BARE_NEGATIONS,
    DATE_STEMS,
    FILLERS,
    FRAMING_PHRASES,
    NUMBER_WORDS,
    SAME_NAMES,
    STOP_STEMS,
    STOP_WORDS,
    SYNONYMS,
    words,
)
from nearhit.guards.quantities import measure_indexes
from nearhit.guards.text import Text, typo_of
from nearhit.guards.units import UNIT_NAMES

__all__ = [
    "PERSONS",
    "content_sequence",
    "content_stems",
    "content_words",
    "overlap",
    "same_word",
    "token_classes",
    "unshared",
    "word_class",
]


def word_class(token: str, stem: str) -> str:
    """What a word stands for: its unit ("lbs" -> "lb"), its country ("american" -> "usa"), else its
    synonym group, else its stem."""
    return (UNIT_NAMES.get(token) if len(token) > 1 else None) or SAME_NAMES.get(token) or SYNONYMS.get(stem, stem)


@lru_cache(maxsize=4096)
def token_classes(text: Text) -> tuple[str, ...]:
    """Each token's :func:`word_class`, worked out once per text (its content words, its content sequence and
    every pair's overlap read them): written inline, as a call per token was most of the time."""
    units, names, synonyms = UNIT_NAMES, SAME_NAMES, SYNONYMS
    return tuple(
        [
            (units.get(token) if len(token) > 1 else None) or names.get(token) or synonyms.get(stem, stem)
            for token, stem in zip(text.tokens, text.stems, strict=True)  # as many stems as tokens (:func:`analyse`)
        ]
    )


def class_as_written(text: Text, word: str) -> str:
    """The first token of ``text`` whose :func:`word_class` is ``word`` (a stem, a synonym's class, a unit's name), as
    written: what a reason shows ("messages", not "messag"); ``word`` itself when no token has it."""
    return next((token for token, cls in zip(text.tokens, token_classes(text), strict=True) if cls == word), word)


def _small_words(text: Text) -> frozenset[str]:
    return negators_of(text) | function_words_of(text) | BARE_NEGATIONS


# "keeps coming out dense" / "comes out dense": before a verb in -ing, these say it goes on, not what it is.
_ASPECT_VERBS = frozenset({"keep", "keeps", "keeping", "kept", "continue", "continues", "continued", "continuing"})


def _phrase_indexes(tokens: tuple[str, ...]) -> frozenset[int]:
    """The indexes of the words of each framing phrase where it occurs ("walk me through", "quick question"):
    its words are stop words only there, so "walk" and "quick" (and "fast", of its synonym group) keep a subject
    elsewhere."""
    found: set[int] = set()
    for phrase in FRAMING_PHRASES:
        size = len(phrase)
        for start in range(len(tokens) - size + 1):
            if tokens[start] == phrase[0] and tokens[start : start + size] == phrase:
                found.update(range(start, start + size))
    return frozenset(found)


@lru_cache(maxsize=4096)
def _framing(text: Text) -> frozenset[int]:
    """The indexes of words that carry no subject in their place: a measure's unit ("36 months", "half an
    hour": the number guard compares those by value), a verb of going on before an -ing form and the words of a
    framing phrase."""
    tokens = text.tokens
    aspects = (
        i
        for i, token in enumerate(tokens[:-1])
        if token in _ASPECT_VERBS and tokens[i + 1].endswith("ing") and len(tokens[i + 1]) > 5
    )
    return measure_indexes(tokens) | frozenset(aspects) | _phrase_indexes(tokens)


@lru_cache(maxsize=4096)
def _content_at(text: Text) -> tuple[bool, ...]:
    """Whether each token carries the subject: not a stop word, number, date, filler, negator or function word of
    the text's language (:func:`_small_words`), nor a word :func:`_framing` finds. Worked out once per text,
    inline (its content words and its content sequence both read it; a call per token was a third of theirs)."""
    small = _small_words(text)
    framing = _framing(text)
    return tuple(
        [
            index not in framing
            and token.isalpha()
            and len(token) > 1
            and canonical not in STOP_STEMS
            and stem not in STOP_STEMS
            and token not in NUMBER_WORDS
            and token not in small
            and token not in FILLERS  # "yo", "thanks": greetings say nothing of the subject
            and stem not in DATE_STEMS
            for index, (token, stem, canonical) in enumerate(
                zip(text.tokens, text.stems, token_classes(text), strict=True)
            )
        ]
    )


@lru_cache(maxsize=4096)
def content_words(text: Text) -> dict[str, str]:
    """Stems that carry the question's subject, by synonym class: no stop words, numbers, dates, negators, nor
    the words :func:`_framing` finds (a measure's unit, "keeps" before "coming").

    Cached (several guards and the decision's features ask for the same text): do not mutate the result.
    """
    words: dict[str, str] = {}
    for content, stem, canonical in zip(_content_at(text), text.stems, token_classes(text), strict=True):
        if content:
            words[canonical] = stem
    return words


def content_stems(
    words: Iterable[str], *, apostrophes: bool = True, besides: Collection[str] = frozenset()
) -> list[str]:
    """The stems of ``words`` (case-folded) that are not stop words, in their order: what the follow-up checks
    compare to tell whether two texts say the same words. Plainer than :func:`content_words` (no synonym class,
    numbers and dates kept, :data:`STOP_WORDS` by word only), as those checks read the words as said.
    ``apostrophes=False`` leaves out a word with an apostrophe too ("it's", "don't"), which no stop word has;
    ``besides``: more words to leave out (pronouns, read apart)."""
    return [
        stemming.stem(word)
        for word in words
        if word not in STOP_WORDS and word not in besides and (apostrophes or "'" not in word)
    ]


# Personal pronouns as subject or object ("I evict", "evict me"): who does what to whom. Possessives
# ("my landlord") belong to their noun and are left out.
PERSONS = {"i": "@speaker", "me": "@speaker", "we": "@speakers", "us": "@speakers", "you": "@addressee"}
_SYMMETRIC = frozenset({"vs", "versus"})  # "A vs B" orders nothing


@lru_cache(maxsize=4096)
def content_sequence(text: Text) -> tuple[tuple[str, int], ...]:
    """The content words by class in the order they come, with the speaker as a word ("me", "I"), each
    with its token's index."""
    found: list[tuple[str, int]] = []
    for index, (token, content, canonical) in enumerate(
        zip(text.tokens, _content_at(text), token_classes(text), strict=True)
    ):
        if token in PERSONS:
            found.append((PERSONS[token], index))
            continue
        if content and token not in _SYMMETRIC:
            found.append((canonical, index))
    return tuple(found)


def same_word(word: str, stem: str, other: dict[str, str]) -> bool:
    """Equal class, one a light extension of the other ("quote"/"quotation"), or a typo."""
    if word in other:
        return True
    # A light extension starts as the word does, and so does a typo (:func:`typo_of` checks the first letter
    # first): the other stems that start with another letter can match nothing.
    first = stem[:1]
    stems = [o for o in other.values() if o[:1] == first]
    if not stems:  # neither an extension nor a typo to find
        return False
    # One must start as the other does for either to extend it: tested inline first (most pairs do not).
    if any((stem.startswith(o) and _extends(stem, o)) or (o.startswith(stem) and _extends(o, stem)) for o in stems):
        return True
    return typo_of(stem, stems)


# What a word may add to another and stay the same thing: a truncation ("dict"/"dictionary") or a light
# suffix ("quote"/"quotation"); a derivational ending makes another word ("capital"/"capitalization",
# "employ"/"employer").
_LIGHT_EXTENSIONS = ("ation", "ment")
_DERIVATIONS = tuple(words("suffixes.txt"))


def _extends(longer: str, shorter: str) -> bool:
    if len(shorter) < 4 or not longer.startswith(shorter):
        return False
    extra = longer[len(shorter) :]
    return extra in _LIGHT_EXTENSIONS or not extra.endswith(_DERIVATIONS)


def unshared(words: dict[str, str], others: dict[str, str]) -> list[str]:
    """The stems of ``words`` with no equal in ``others``, sorted."""
    return sorted(stem for word, stem in words.items() if not same_word(word, stem, others))


@lru_cache(maxsize=4096)
def overlap(q: Text, c: Text) -> float:
    """Share of each text's words found in the other (the lower of the two): high for the same question
    frame with one slot changed ("... for adults?" / "... for children?"), low for a rewording."""
    shares = []
    for mine, theirs in ((q, c), (c, q)):
        words = _framed(mine)
        other = _by_class(theirs)
        found = {word: same_word(*word, other) for word in set(words)}  # a word said twice is looked up once
        shares.append(sum(found[word] for word in words) / len(words) if words else 1.0)
    return min(shares)


@lru_cache(maxsize=4096)
def _framed(text: Text) -> tuple[tuple[str, str], ...]:
    """The (class, stem) of each word of the text's frame, as :func:`overlap` counts them: no fillers or
    punctuation."""
    return tuple(
        (canonical, stem)
        for stem, canonical in zip(text.stems, token_classes(text), strict=True)
        if stem not in FILLERS and stem.isalnum()
    )


@lru_cache(maxsize=4096)
def _by_class(text: Text) -> dict[str, str]:
    """Class -> stem of every word of the text (the last one of a class), for :func:`overlap` (cached: read
    it, never change it)."""
    return dict(zip(token_classes(text), text.stems, strict=True))
