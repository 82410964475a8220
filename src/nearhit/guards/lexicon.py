"""The guards' word lists, read once from the data files shipped in ``nearhit/guards/data``.

Lists are data, not code, so a reviewer can read and extend them without touching the rules; every
file is general language (stop words, synonyms, antonyms, units), never pairs from an evaluation set.
Text files hold whitespace-separated words with ``#`` comments; each loader says how lines are grouped.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from nearhit.guards.stemming import stem

__all__ = [
    "ABBREVIATIONS",
    "ANTONYMS",
    "BARE_NEGATIONS",
    "DATE_STEMS",
    "DATE_WORDS",
    "FILLERS",
    "FRAMING_PHRASES",
    "NEGATORS",
    "NEGATORS_BY_LANGUAGE",
    "NUMBER_READINGS",
    "NUMBER_TABLES",
    "NUMBER_WORDS",
    "SAME_NAMES",
    "STOP_STEMS",
    "STOP_WORDS",
    "SYNONYMS",
    "by_language",
    "groups",
    "json_table",
    "pairs",
    "words",
]


def _text(name: str) -> str:
    return resources.files("nearhit.guards").joinpath("data", name).read_text(encoding="utf-8")


def _lines(name: str) -> list[str]:
    """Non-empty lines of a data file, comments dropped."""
    return [line for raw in _text(name).splitlines() if (line := raw.partition("#")[0].strip())]


@cache
def words(name: str) -> frozenset[str]:
    """Every word of a data file, whatever the lines."""
    return frozenset(word for line in _lines(name) for word in line.split())


@cache
def groups(name: str) -> tuple[tuple[str, ...], ...]:
    """One group of words a line."""
    return tuple(tuple(line.split()) for line in _lines(name))


@cache
def by_language(name: str) -> dict[str, frozenset[str]]:
    """``code: words`` a line: the words of each language."""
    return {line[0].rstrip(":"): frozenset(line[1:]) for line in groups(name)}


@cache
def pairs(name: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """``left words | right words`` a line."""
    found = []
    for line in _lines(name):
        left, _, right = line.partition("|")
        found.append((tuple(left.split()), tuple(right.split())))
    return tuple(found)


@cache
def json_table(name: str) -> Any:
    """A JSON data file, parsed."""
    return json.loads(_text(name))


def _build_synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in groups("synonyms.txt"):
        stems = [stem(w) for w in group]
        for word in stems:
            table.setdefault(word, stems[0])
    return table


def _build_antonyms() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for left, right in pairs("antonyms.txt"):
        lefts, rights = {stem(w) for w in left}, {stem(w) for w in right}
        for word in lefts:
            table.setdefault(word, set()).update(rights - lefts)
        for word in rights:
            table.setdefault(word, set()).update(lefts - rights)
    return {word: frozenset(opposites) for word, opposites in table.items()}


STOP_WORDS = words("stop_words.txt")
STOP_STEMS = frozenset(stem(w) for w in STOP_WORDS) | STOP_WORDS
FILLERS = words("fillers.txt")
FRAMING_PHRASES = groups("framing_phrases.txt")
"""phrases that frame a request though a word of theirs alone names a subject ("walk me through" / "walk")"""
NEGATORS = words("negators.txt")
BARE_NEGATIONS = words("bare_negations.txt")
"""negative contractions typed without the apostrophe ("didnt"): a negation only to match the other side's"""
NEGATORS_BY_LANGUAGE = by_language("negators_by_language.txt")
"""language -> its negators (other than English's)"""
DATE_WORDS = words("date_words.txt")
DATE_STEMS = frozenset(stem(w) for w in DATE_WORDS)
SYNONYMS = _build_synonyms()
SAME_NAMES: dict[str, str] = {name: group[0] for group in groups("same_names.txt") for name in group}
"""name -> the first name of its group ("american" -> "usa"): one country, however it is named"""
"""stem -> the first stem of its synonym group"""
ANTONYMS = _build_antonyms()
"""stem -> stems of the opposite polarity"""
ABBREVIATIONS: dict[str, tuple[str, ...]] = {group[0]: group[1:] for group in groups("abbreviations.txt")}
"""short form -> the words it stands for ("pwd" -> ("password",), "w/o" -> ("without",))"""
_NUMBERS: dict[str, Any] = json_table("numbers.json")
NUMBER_TABLES: dict[str, dict[str, int]] = {kind: table for kind, table in _NUMBERS.items() if kind[0] != "_"}
"""number words by kind (units, tens, scales, short_scales: "k", "bn"..., ordinals; informal scales, read only after a
number: "twenty grand") -> value"""
NUMBER_READINGS: dict[str, Any] = {
    kind[1:]: table for kind, table in _NUMBERS.items() if kind.startswith("_") and not kind.startswith("_about")
}
"""how a number's neighbours decide what it counts: short_units (when "k" is kilometres and "m" metres),
counted_plurals, multiples ("twice"), molar_words and elements (when "M" is molar)"""
NUMBER_WORDS = frozenset(NUMBER_TABLES["units"]) | frozenset(NUMBER_TABLES["tens"]) | frozenset(NUMBER_TABLES["scales"])
