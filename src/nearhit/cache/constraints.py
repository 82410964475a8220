"""Facts about the asker or the thing asked about (``data/constraints.json``) that change an answer however
the earlier turns are worded: a health condition, an age, a platform, a plan, a kind of booking.

The embedding of a reworded history hardly moves when "I'm pregnant" is added or "a flight" becomes "a hotel
room", and the word-by-word checks of :mod:`nearhit.cache.conversation` only see such a change when the rest
of the turns are the same words. These categories are compared whatever the wording: a condition only one
side mentions is a constraint added; two values of one category of alternatives are a swapped detail.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from importlib import resources

from nearhit.guards.text import describe

DATA = "constraints.json"


@functools.cache
def _patterns() -> tuple[dict[str, re.Pattern[str]], dict[str, dict[str, re.Pattern[str]]]]:
    data = json.loads(resources.files("nearhit.cache").joinpath("data", DATA).read_text(encoding="utf-8"))
    conditions = {name: _pattern(phrases) for name, phrases in data["conditions"].items()}
    alternatives = {
        name: {value: _pattern(phrases) for value, phrases in values.items()}
        for name, values in data["alternatives"].items()
    }
    return conditions, alternatives


def _pattern(phrases: list[str]) -> re.Pattern[str]:
    """One phrase a branch; ``*`` at the end matches any ending; spaces and hyphens match either."""
    branches = []
    for phrase in phrases:
        stem, open_end = (phrase[:-1], True) if phrase.endswith("*") else (phrase, False)
        words = [re.escape(word) for word in re.split(r"[\s-]+", stem.casefold())]
        branches.append(r"[\s-]+".join(words) + (r"[\w'-]*" if open_end else r"\b"))
    return re.compile(r"\b(?:" + "|".join(branches) + ")")


def conditions_of(text: str) -> frozenset[str]:
    """The condition categories ``text`` mentions (a negated mention counts: "not pregnant" is about it)."""
    said = _said(text)
    return frozenset(name for name, pattern in _patterns()[0].items() if pattern.search(said))


def alternatives_of(text: str) -> dict[str, frozenset[str]]:
    """Per category of alternatives ``text`` mentions, the values it names."""
    said = _said(text)
    found: dict[str, frozenset[str]] = {}
    for name, values in _patterns()[1].items():
        named = frozenset(value for value, pattern in values.items() if pattern.search(said))
        if named:
            found[name] = named
    return found


def differ(mine: str, theirs: str) -> str | None:
    """Why two sides' user turns are about another asker or another thing, or None: a condition one side
    mentions and the other does not, or a category of alternatives both name with other values."""
    added = conditions_of(mine) ^ conditions_of(theirs)
    if added:
        return f"one side mentions {describe(added)}, the other does not"
    return _swapped(alternatives_of(mine), alternatives_of(theirs))


def _swapped(mine: Mapping[str, frozenset[str]], theirs: Mapping[str, frozenset[str]]) -> str | None:
    for name in sorted(mine.keys() & theirs.keys()):
        if mine[name] != theirs[name]:
            return f"another {name}: {describe(mine[name])} vs {describe(theirs[name])}"
    return None


def _said(text: str) -> str:
    return text.casefold().replace("\u2019", "'")
