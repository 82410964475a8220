"""The negation guard: a negation on one side only, or opposite words ("high"/"low", "lock"/"unlock")."""

from __future__ import annotations

import re
from typing import ClassVar

from nearhit.guards.clauses import BACKSTORY_ADDED, Clauses, backstory_strength, split_question
from nearhit.guards.languages import negators_of, opposites_of
from nearhit.guards.lexicon import ANTONYMS, BARE_NEGATIONS, NEGATORS, STOP_WORDS, groups, words
from nearhit.guards.text import Text, analyse, as_written, joined
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["NegationGuard"]

_NEGATING_VERBS = words("negating_verbs.txt")  # "avoid X": not X, counted with the negators
_PARTICLE_OPPOSITES = {"on": "off", "off": "on", "in": "out", "out": "in", "up": "down", "down": "up"}
# Stems of stop-word verbs that take a direction particle: "rates go up" / "go down", "get in" / "get out".
_MOTION_VERBS = frozenset({"go", "goe", "going", "went", "gon", "get", "got"})
_NEGATIVE_PREFIXES = ("non", "un", "dis", "in", "im", "il", "ir")


def _particles(text: Text) -> frozenset[tuple[str, str]]:
    """(verb, particle) pairs such as ("turn", "on"), ("opt", "out"), ("check", "in")."""
    pairs = set()
    for prev, word in zip(text.stems, text.tokens[1:], strict=False):
        if word in _PARTICLE_OPPOSITES and prev.isalpha() and (prev not in STOP_WORDS or prev in _MOTION_VERBS):
            pairs.add((prev, word))
    return frozenset(pairs)


def _prefix_flip(words: frozenset[str], others: frozenset[str]) -> str | None:
    """A word that is another word of the other text with a negative prefix: "unsafe" vs "safe"."""
    for word in words - others:
        if not word.startswith(_NEGATIVE_PREFIXES):  # most words: no prefix to try one by one
            continue
        for prefix in _NEGATIVE_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 4 and word[len(prefix) :] in others:
                return word
    return None


# "sugar-free", "chemical-free": "without sugar", a negation written as a suffix.
_FREE_OF_RE = re.compile(r"[^\W\d_]-free\b")


def _negations(text: Text, negators: frozenset[str]) -> int:
    free = len(_FREE_OF_RE.findall(text.folded)) if "-free" in text.folded else 0  # each match has it
    return sum(map(negators.__contains__, text.tokens)) + free


def _bare_negations(text: Text) -> int:
    """Negative contractions typed without the apostrophe ("didnt") and negators split in two ("with out"):
    read only to match the other side's."""
    split = sum(one in NEGATORS for one, parts in joined(text).items() if one == "".join(parts))
    return sum(t in BARE_NEGATIONS for t in text.tokens) + split


_PREVENTING, _LOSING, _KEEPING = (frozenset(group) for group in groups("implied_negations.txt"))
_PREVENTED_WITHIN = 8  # words from "keeps" to "from falling" ("what keeps a satellite in orbit from falling")
_OBJECT_WITHIN = 3  # words from "stop" to a gerund with no "from" ("stop my puppy biting")


def _prevented(text: Text) -> int:
    """Negations said by a prevention verb and a gerund: "stop my puppy (from) biting" says "not bite"
    (the verb's own object first: "stop biting" is a habit given up, read by the words)."""
    found = 0
    for at, token in enumerate(text.tokens):
        if token not in _PREVENTING:
            continue
        after = text.tokens[at + 1 : at + 1 + _PREVENTED_WITHIN]
        framed = any(w == "from" and n + 1 < len(after) and after[n + 1].endswith("ing") for n, w in enumerate(after))
        # "keep the engine running" goes on: only "keep ... from" prevents.
        bare = token not in _KEEPING and any(w.endswith("ing") and len(w) > 4 for w in after[1 : _OBJECT_WITHIN + 1])
        found += framed or bare
    return found


def _kept(more: Text, fewer: Text) -> int:
    """Negated verbs of loss ("without losing", "not wiping") that the other side says as keeping ("keep")."""
    if not set(fewer.tokens) & _KEEPING:
        return 0
    negators = negators_of(more)
    return sum(
        word in negators and following in _LOSING for word, following in zip(more.tokens, more.tokens[1:], strict=False)
    )


def _same_polarity(neg_q: int, neg_c: int, q: Text, c: Text) -> bool:
    """Equal counts, or the gap made up exactly on one side: by bare contractions ("didnt") or a prevention
    verb ("stop it biting" / "so it does not bite") on the side with fewer negators, or by negated verbs of
    loss on the side with more ("without losing the edits" / "but keep the edits")."""
    if neg_q == neg_c:
        return True
    fewer, more = (q, c) if neg_q < neg_c else (c, q)
    gap = abs(neg_q - neg_c)
    return gap in (_bare_negations(fewer), _prevented(fewer), _kept(more, fewer), _avoided(more, fewer))


def _avoided(more: Text, fewer: Text) -> int:
    """Negating verbs ("avoid merge conflicts") that the other side says with as many prevention verbs
    ("prevent merge conflicts"), whatever follows them."""
    avoided = sum(token in _NEGATING_VERBS for token in more.tokens)
    return avoided if avoided and sum(token in _PREVENTING for token in fewer.tokens) >= avoided else 0


_ONE_SIDE = "negation on one side only"
"""A negator one side says more often: in a story's statements only, told as one question against a single message,
it tells the story in its own words ("check-in isn't until 3pm" / "check-in at 3pm"; ``GuardSignal.stated_one_side``),
and the context's checks judge whether the story is another one (:func:`nearhit.cache.conversation.states_more`)."""
_REACH = 2  # words after a negator it may still govern ("without Terraform destroying it")


def _negated(text: Text, reach: int = 1) -> frozenset[str]:
    """The content stems within ``reach`` words after a negator ("not running" -> "run"); a negator before
    its subject ("isn't my pump running") governs nothing read at a reach of 1."""
    negators = negators_of(text)
    return frozenset(
        text.stems[at]
        for start, token in enumerate(text.tokens)
        if token in negators
        for at in range(start + 1, min(start + 1 + reach, len(text.tokens)))
        if text.tokens[at].isalpha() and text.tokens[at] not in STOP_WORDS and text.tokens[at] not in negators
    )


def _moved_negation(q: Text, c: Text) -> str | None:
    """As many negators on each side, but each negates a word the other says out of any negator's reach:
    "running when it isn't calling" / "not running when it is calling". The counts agree, the meaning flips."""
    negated_q, negated_c = _negated(q), _negated(c)
    if not (negated_q and negated_c):  # a side that negates nothing (most pairs): nothing moved from it
        return None
    moved_q = sorted((negated_q - _negated(c, _REACH)) & frozenset(c.stems))
    moved_c = sorted((negated_c - _negated(q, _REACH)) & frozenset(q.stems))
    if moved_q and moved_c:
        (said_q,), (said_c,) = as_written(q, moved_q[:1]), as_written(c, moved_c[:1])  # the words, not their stems
        return f"negation moved: not {said_q!r} vs not {said_c!r}"
    return None


def _polarity_difference(q: Text, c: Text) -> str | None:
    """Why the two texts differ in polarity, or ``None``."""
    # A word both sides write is a negator on both or on neither: Portuguese "no" ("in the") negates nowhere in
    # a Portuguese question, but one also read as Spanish counts it, so the other side counts it too.
    words_q, words_c = frozenset(q.tokens), frozenset(c.tokens)
    both = words_q & words_c
    negators_q, negators_c = negators_of(q) | _NEGATING_VERBS, negators_of(c) | _NEGATING_VERBS
    neg_q = _negations(q, negators_q | (negators_c & both))
    neg_c = _negations(c, negators_c | (negators_q & both))
    if not _same_polarity(neg_q, neg_c, q, c):
        return f"{_ONE_SIDE} ({neg_q} vs {neg_c} negators)"
    moved = _moved_negation(q, c)
    if moved:
        return moved
    stems_q, stems_c = frozenset(q.stems), frozenset(c.stems)
    theirs = stems_c - stems_q
    for word in sorted(stems_q - stems_c):
        flipped = ANTONYMS[word] & theirs if word in ANTONYMS else None  # most words have no antonym listed
        if flipped:  # named as written ("closed" vs "open"), not by the stems compared ("clos")
            (said_q,), (said_c,) = as_written(q, [word]), as_written(c, [min(flipped)])
            return f"opposite words: {said_q!r} vs {said_c!r}"
    opposites = opposites_of(q)  # another language's, as written: "más" / "menos", "öffnen" / "schließen"
    theirs = words_c - words_q
    for word in sorted(words_q - words_c):
        flipped = opposites[word] & theirs if word in opposites else None
        if flipped:
            return f"opposite words: {word!r} vs {min(flipped)!r}"
    prefixed = _prefix_flip(words_q, words_c) or _prefix_flip(words_c, words_q)
    if prefixed:
        return f"negative prefix on one side: {prefixed!r}"
    parts_q, parts_c = _particles(q), _particles(c)
    for verb, particle in sorted(parts_q - parts_c):
        if (verb, _PARTICLE_OPPOSITES[particle]) in parts_c - parts_q:
            return f"opposite particles: {verb} {particle!r} vs {_PARTICLE_OPPOSITES[particle]!r}"
    return None


class NegationGuard(SignalGuard):
    """Rejects a negation on one side only, or a word on one side whose antonym is on the other.

    Compared in the question clauses first (full strength), then in the whole texts: a "can't" that only
    the backstory has ("I can't log in, how do I reset my password?") is a weaker signal.
    """

    name: ClassVar[str] = "negation"

    def prepare(self, text: str) -> None:
        negators_of(analyse(text))

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        reason = _polarity_difference(analyse(query), analyse(candidate))
        if reason is None:
            return None
        clauses_q, clauses_c = split_question(query), split_question(candidate)
        if not (clauses_q.backstory or clauses_c.backstory):
            return self._signal(1.0, reason)
        asked = _polarity_difference(analyse(clauses_q.question), analyse(clauses_c.question))
        if asked is not None:
            return self._signal(1.0, asked)
        strength = backstory_strength(clauses_q, clauses_c)
        if strength > BACKSTORY_ADDED and _negates_aside(clauses_q, clauses_c):
            strength = BACKSTORY_ADDED
        return self._signal(
            strength,
            reason + " (in backstory only)",
            context=strength <= BACKSTORY_ADDED,
            stated_one_side=reason.startswith(_ONE_SIDE),
        )


def _negates_aside(query: Clauses, candidate: Clauses) -> bool:
    """Only one side tells a backstory, and what its negators negate is no word of the other question: "I
    can't remember my Gmail password, how do I get back in?" tells why it asks; "We aren't married, can we
    claim it?" against "Can I claim it if married?" negates the other's condition."""
    if bool(query.backstory) == bool(candidate.backstory):
        return False
    told, other = (query, candidate) if query.backstory else (candidate, query)
    negated = _negated(analyse(told.backstory), _REACH)
    return bool(negated) and not negated & frozenset(analyse(other.question).stems)
