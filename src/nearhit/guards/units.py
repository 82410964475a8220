"""Units of measure by dimension (``data/units.json``): metric and imperial, so "2 kilos" is "2kg", "10MB"
is not "10GB", and "square feet in metres" names other units than "metres in square feet". The units'
words in the other languages the rules read are data too (``data/units_by_language.txt``)."""

from __future__ import annotations

from collections.abc import Sequence

from nearhit.guards.lexicon import STOP_WORDS, groups, json_table

__all__ = ["CALENDAR_UNITS", "OTHER_READINGS", "UNITS", "UNIT_NAMES", "canonical_unit", "unit_mentions"]


_TABLE = json_table("units.json")


def _load() -> tuple[dict[str, tuple[str, float]], dict[str, str]]:
    units: dict[str, tuple[str, float]] = {}
    names: dict[str, str] = {}
    no_plural = frozenset(_TABLE["_no_plural"])
    for dimension, factors in _TABLE.items():
        if dimension.startswith("_"):
            continue
        first_of: dict[float, str] = {}
        for unit, factor in factors.items():
            name = first_of.setdefault(float(factor), unit)
            # "ms" is milliseconds, not metres; "molars" are teeth, not a concentration
            for form in (unit, unit + "s") if len(unit) > 1 and unit not in no_plural else (unit,):
                units.setdefault(form, (dimension, float(factor)))
                names.setdefault(form, name)
    # The same units in the other languages the rules read: "100 dólares" is "100 dollars".
    for line in groups("units_by_language.txt"):
        unit = line[0].rstrip(":")
        for word in line[1:]:
            for form in (word, word + "s"):
                units.setdefault(form, units[unit])
                names.setdefault(form, names[unit])
    return units, names


UNITS, UNIT_NAMES = _load()
"""unit word (and its plural) -> (dimension, factor to the dimension's base unit); and -> the unit's one name
(:func:`canonical_unit` with no word before it)"""


def _plurals(words: list[str]) -> frozenset[str]:
    return frozenset(form for word in words for form in (word, word + "s"))


CALENDAR_UNITS = _plurals(_TABLE["_calendar"])
"""Durations whose length in days varies (a month, a year): against days or weeks they match loosely."""
OTHER_READINGS = {
    form: UNITS[unit] for word, (_, unit) in _TABLE["_other_readings"].items() for form in _plurals([word])
}
"""unit word -> its reading in another dimension ("pound": a weight as well as money)."""
_OTHER_NAMES = {
    form: UNIT_NAMES[unit] for word, (_, unit) in _TABLE["_other_readings"].items() for form in _plurals([word])
}
# Without a number, only these dimensions are compared, and only unit words that are not also common
# words or single letters ("m", "in", "p").
_MENTIONED_DIMENSIONS = frozenset({"mass", "data", "volume", "length", "area", "speed", "temperature", "energy"})
_SURFACE_PREFIXES = {"square": "sq", "sq": "sq", "cubic": "cu"}


def canonical_unit(word: str, previous: str = "") -> str | None:
    """The unit's one name ("feet" -> "ft"... the first of its aliases), with "sq"/"cu" for "square feet"."""
    name = UNIT_NAMES.get(word)
    if name is None:
        return None
    prefix = _SURFACE_PREFIXES.get(previous)
    return f"{prefix} {name}" if prefix else name


def unit_mentions(tokens: Sequence[str], measured: frozenset[int] = frozenset()) -> dict[str, set[str]]:
    """dimension -> the units the text names in it, with or without a number; not those at ``measured``
    indexes (a measure compared by value: "half a kilo" is "500 grams")."""
    found: dict[str, set[str]] = {}
    for index, token in enumerate(tokens):
        if len(token) < 2 or token in STOP_WORDS or token not in UNITS or index in measured:
            continue
        dimension = UNITS[token][0]
        if dimension in _MENTIONED_DIMENSIONS:
            name = canonical_unit(token, tokens[index - 1] if index else "")
            if name is not None:
                found.setdefault(dimension, set()).add(name)
        elif token in OTHER_READINGS and OTHER_READINGS[token][0] in _MENTIONED_DIMENSIONS:
            # "how many pounds is 70 kg": a weight where weights are named; money is not compared unnumbered
            found.setdefault(OTHER_READINGS[token][0], set()).add(_OTHER_NAMES[token])
    return found
