"""Whom a follow-up asks about when it names a person the asker knows: "Does my wife need a visa?" and "Do I need
a visa?" after the same turns ask about two people, yet the "my" of "my wife" reads as the asker, so the person
check of :func:`nearhit.cache.conversation.other_referent` finds the asker on both sides. A "my" before a person
noun (``guards/data/person_nouns.txt``: family, partners, people one works or lives with) names that person.

Read only where the two questions say the same thing but for whom: "my phone" is no person, and a question that
also changes its other words ("is my landlord responsible?" / "how do I find the filling loop?") is left to the
other checks. "my friend's account" against "her account" names no other person: one is the pronoun of the other.

The noun need not follow "my" at once: words that say which one or how old (``guards/data/person_modifiers.txt``:
"my older sister", "my 6 year old son") stand between, and are read as part of neither the person nor the other
words (so "my older sister" / "my younger sister" is one person, left to the other checks); a person's person
("my husband's mum") is another person than either.
"""

from __future__ import annotations

import functools
import re

from nearhit.guards.lexicon import STOP_STEMS, words
from nearhit.guards.stemming import stem

PERSON_NOUNS = words("person_nouns.txt")
"""Nouns for a person other than the one who speaks (``guards/data/person_nouns.txt``)."""
PERSON_MODIFIERS = words("person_modifiers.txt")
"""Words between "my" and a person noun that say which one or how old (``guards/data/person_modifiers.txt``)."""
_MOST_MODIFIERS = 4
_AGE = re.compile(r"\d+(?:yo|y|yr|yrs|mo)?")
_ASKER = frozenset({"i", "me", "my", "mine", "myself"})
_PRONOUNS = frozenset({"he", "him", "his", "himself", "she", "her", "hers", "herself"})
_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_JOINS = re.compile(r"[\s-]*")


def other_person(question: str, cached: str) -> str | None:
    """Why ``question`` asks about another person than ``cached`` does, or None: one names "my <person>" where the
    other names the asker or another "my <person>", and their other words are the same (stems, small words
    aside)."""
    mine, rest_mine = _read(question)
    theirs, rest_theirs = _read(cached)
    only_mine, only_theirs = mine - theirs, theirs - mine
    if not (only_mine and only_theirs) or rest_mine != rest_theirs:
        return None
    if not any(person != "the asker" for person in only_mine | only_theirs):
        return None
    return f"the question asks about another person: {', '.join(sorted(only_mine))} vs {', '.join(sorted(only_theirs))}"


@functools.lru_cache(maxsize=4096)
def _read(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The people ``text`` asks about (the asker, "my <person>"), and its other words' stems. Kept per text: a
    conversation's question is read against every candidate's (:func:`nearhit.cache.conversation.other_referent`)."""
    found, joined = _tokens(text)
    tokens = [_bare(token) for token in found]
    persons: set[str] = set()
    rest: set[str] = set()
    at = 0
    while at < len(tokens):
        token = tokens[at]
        person = _person_after(found, joined, at + 1) if token == "my" else None
        if person is not None:
            name, at = person
            persons.add(f"my {name}")
            continue
        if token in _ASKER:
            persons.add("the asker")
        elif token not in _PRONOUNS and stem(token) not in STOP_STEMS:
            rest.add(stem(token))
        at += 1
    return frozenset(persons), frozenset(rest)


def _tokens(text: str) -> tuple[list[str], list[bool]]:
    """The words of ``text`` (casefolded) and, for each, whether only spaces or a hyphen part it from the word
    before ("my 5-year-old son": all joined; "my 5-year-old, 10 kids": "10" not)."""
    found = list(_WORDS.finditer(text.casefold()))
    joined = [
        at > 0 and _JOINS.fullmatch(text, found[at - 1].end(), word.start()) is not None
        for at, word in enumerate(found)
    ]
    return [word.group(0) for word in found], joined


def _person_after(found: list[str], joined: list[bool], start: int) -> tuple[str, int] | None:
    """The person "my" names from ``found[start]`` on ("older sister": "sister"; "husband's mum": "husband's mum")
    and where the words after it start, or None: no person noun after at most a few modifiers. A noun that is also a
    modifier ("my baby", "my baby brother") names the person when no noun follows it."""
    at = start
    while at + 1 < len(found) and at - start < _MOST_MODIFIERS and _modifies(found[at]) and joined[at + 1]:
        at += 1
    if at == len(found) or _bare(found[at]) not in PERSON_NOUNS:
        at = start
    if at == len(found) or _bare(found[at]) not in PERSON_NOUNS:
        return None
    names = [_bare(found[at])]
    while found[at].endswith("'s") and at + 1 < len(found) and _bare(found[at + 1]) in PERSON_NOUNS:
        at += 1
        names.append(_bare(found[at]))
    return "'s ".join(names), at + 1


def _modifies(token: str) -> bool:
    """Whether a word between "my" and a person noun says which one or how old ("older", "6", "6yo")."""
    return _bare(token) in PERSON_MODIFIERS or _AGE.fullmatch(token) is not None


def _bare(token: str) -> str:
    """A token without its "'s"."""
    return token.split("'")[0]
