"""Whom a follow-up asks about when it names a person the asker knows: "Does my wife need a visa?" and "Do I need
a visa?" after the same turns ask about two people, yet the "my" of "my wife" reads as the asker, so the person
check of :func:`nearhit.cache.conversation.other_referent` finds the asker on both sides. A "my" before a person
noun (``guards/data/person_nouns.txt``: family, partners, people one works or lives with) names that person.

Read only where the two questions say the same thing but for whom: "my phone" is no person, and a question that
also changes its other words ("is my landlord responsible?" / "how do I find the filling loop?") is left to the
other checks. "my friend's account" against "her account" names no other person: one is the pronoun of the other.
"""

from __future__ import annotations

import re

from nearhit.guards.lexicon import STOP_STEMS, words
from nearhit.guards.stemming import stem

PERSON_NOUNS = words("person_nouns.txt")
"""Nouns for a person other than the one who speaks (``guards/data/person_nouns.txt``)."""
_ASKER = frozenset({"i", "me", "my", "mine", "myself"})
_PRONOUNS = frozenset({"he", "him", "his", "himself", "she", "her", "hers", "herself"})
_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


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


def _read(text: str) -> tuple[set[str], frozenset[str]]:
    """The people ``text`` asks about (the asker, "my <person>"), and its other words' stems."""
    tokens = [token.split("'")[0] for token in _WORDS.findall(text.casefold())]
    persons: set[str] = set()
    rest: set[str] = set()
    skip = False
    for token, following in zip(tokens, [*tokens[1:], ""], strict=True):
        if skip:
            skip = False
        elif token == "my" and following in PERSON_NOUNS:
            persons.add(f"my {following}")
            skip = True
        elif token in _ASKER:
            persons.add("the asker")
        elif token not in _PRONOUNS and stem(token) not in STOP_STEMS:
            rest.add(stem(token))
    return persons, frozenset(rest)
