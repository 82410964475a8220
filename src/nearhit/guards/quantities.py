"""Quantities read from tokens: numbers in digits or words ("twenty grand" too), with their unit, currency, clock
time or ordinal suffix, and the fractions of a unit said in words ("half an hour", "two and a half days", "a
quarter of a mile"). The number guard compares them; the entity guard leaves the words they span to it."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nearhit.guards.lexicon import NUMBER_READINGS, NUMBER_TABLES, NUMBER_WORDS, STOP_WORDS
from nearhit.guards.units import OTHER_READINGS, UNITS

__all__ = ["Quantity", "measure_indexes", "quantities"]

_CURRENCY_SIGNS = frozenset("£$€¥")

_UNITS_WORDS = NUMBER_TABLES["units"]
_TENS_WORDS = NUMBER_TABLES["tens"]
_SCALE_WORDS = NUMBER_TABLES["scales"] | NUMBER_TABLES["informal_scales"]
"""Words that multiply the number before them ("two hundred", "5 million", "twenty grand")."""
_SHORT_SCALES = NUMBER_TABLES["short_scales"]
_SHORT_UNITS: dict[str, dict[str, Any]] = NUMBER_READINGS["short_units"]
"""The short scales that are a unit's symbol too, and the words around them that make them the unit: "a 10k race"
is 10 km, "3.1m ceilings" 3.1 metres; "50m rows" and "£5m" count millions (``data/numbers.json``)."""
_COUNTED_PLURALS = frozenset(NUMBER_READINGS["counted_plurals"])
"""Plurals without an "-s" that count things: "5m people" are five million."""
_MULTIPLES: dict[str, int] = NUMBER_READINGS["multiples"]
"""Words that say how many times ("twice"): the number of "two times" and "2x", matched to it only."""
_COUNTS: dict[str, int] = NUMBER_READINGS["counts"]
"""Words that count before "of" ("a couple of eggs": 2), matched to an equal count only."""
_MONEY = frozenset({"gbp", "usd", "eur"})
_ORDINAL_WORDS = NUMBER_TABLES["ordinals"]
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
_MERIDIEMS = frozenset({"am", "pm"})
_ARTICLES = frozenset({"a", "an"})
_FRACTIONS = {"half": 0.5, "quarter": 0.25}
_AND_A_HALF = ("and", "a", "half")
_OPENERS: frozenset[str] = frozenset().union(_ARTICLES, _FRACTIONS, _ORDINAL_WORDS, _MULTIPLES, NUMBER_WORDS, _COUNTS)
"""The words a quantity may start at besides a digit (:func:`_read`'s branches): any other word is passed over. Built
as one frozenset: `|` with dict keys makes a set at run time, which the guards compiled by mypyc refuse on import."""


@dataclass(frozen=True)
class Quantity:
    """A number as written (``surface``), its value and, when stated, its dimension and base value."""

    surface: str
    value: float
    dimension: str | None = None
    base: float | None = None
    clock: int | None = None  # minutes after midnight, for "3pm" and "15:00"
    listed: bool = False
    """Written as a digit right before another number ("range(1, 5)", "1 2 3"): one of a list, not "a"."""
    unit: str = ""
    other: tuple[str, float] | None = None
    """The unit's other reading (dimension, base): "800 pounds" weighs as often as it costs."""
    span: tuple[int, int] = (0, 0)
    """The tokens it was read from, ``tokens[start:end]``."""
    one_more: bool = False
    """An ordinal after "a" ("add a second hive box"): one more, as "another" says, not a place in a row."""
    article: bool = False
    """One unit after an article ("a day"), or "twice": matched to an equal count, never a number of its own."""


def _word_number(tokens: Sequence[str], start: int) -> tuple[float, int] | None:
    """Parse "twenty-five", "two hundred and ten", "fifty" from tokens[start:]; (value, next index)."""
    total = current = 0
    i = start
    seen = False
    while i < len(tokens):
        word = tokens[i]
        if word in _UNITS_WORDS:
            current += _UNITS_WORDS[word]
        elif word in _TENS_WORDS:
            current += _TENS_WORDS[word]
        elif word in _SCALE_WORDS and seen:
            scale = _SCALE_WORDS[word]
            if scale == 100:
                current *= 100
            else:
                total += current * scale
                current = 0
        elif word == "and" and seen and i + 1 < len(tokens) and tokens[i + 1] in NUMBER_WORDS:
            i += 1
            continue
        else:
            break
        seen = True
        i += 1
    return (float(total + current), i) if seen else None


def _scale(tokens: Sequence[str], start: int, end: int, sign: str) -> tuple[float, str]:
    """The scale word or short form at ``tokens[end]`` that multiplies the number at ``tokens[start:end]`` ("5
    million", "5k", "£5m", "2bn"), or 1; and the unit a short form stands for where it is a unit's symbol ("a 10k
    race": km; "a 50m run", "3.1m ceilings": metres), else "". "5 million" is 5,000,000, not 5."""
    word = tokens[end] if end < len(tokens) else ""
    if word in _SCALE_WORDS:
        return _SCALE_WORDS[word], ""
    if word not in _SHORT_SCALES:
        return 1, ""
    reading = _SHORT_UNITS.get(word)
    if reading is None or sign:
        return _SHORT_SCALES[word], ""
    after = tokens[end + 1] if end + 1 < len(tokens) else ""
    before = next((token for token in reversed(tokens[:start]) if token not in _ARTICLES), "")
    counted = _counted(after)
    if after in reading["nouns"] or after.removesuffix("s") in reading["nouns"]:
        return 1, reading["unit"]
    if (before in reading["verbs"] or reading["unit_unless_counted"]) and not counted:
        return 1, reading["unit"]
    return _SHORT_SCALES[word], ""


def _counted(word: str) -> bool:
    """Whether ``word`` after "5m" names what is counted: money ("dollars") or things in the plural ("rows",
    "users", "people"), where a length would name one thing measured ("pool", "fence") or say how it stands
    ("high")."""
    if word in UNITS:
        return UNITS[word][0] in _MONEY
    if word in _COUNTED_PLURALS:
        return True
    return len(word) > 3 and word.endswith("s") and not word.endswith("ss") and word not in STOP_WORDS


def _measure(value: float, unit: str, sign: str = "") -> tuple[str | None, float | None, tuple[str, float] | None]:
    """The dimension, base value and other reading of ``value`` in ``unit`` (or the currency ``sign``)."""
    dimension, factor = UNITS.get(unit, UNITS.get(sign, (None, 1.0)))
    if dimension is None:
        return None, None, None
    other = OTHER_READINGS.get(unit) if not sign else None
    return dimension, value * factor, (other[0], value * other[1]) if other else None


def _worded(tokens: Sequence[str], i: int) -> Quantity | None:
    """A measure said in words: a fraction of a unit ("half an hour", "a half hour", "a quarter of a mile",
    "quarter cup", "an hour and a half": 1.5), or one unit after an article ("a day", "a month": one, read
    only to match a count on the other side, as "24 hours" or "30 days" says it)."""
    at = i + (tokens[i] in _ARTICLES)
    if at < len(tokens) and tokens[at] in _FRACTIONS:
        value, end = _FRACTIONS[tokens[at]], at + 1
        end += end < len(tokens) and tokens[end] == "of"
        end += end < len(tokens) and tokens[end] in _ARTICLES
        if end < len(tokens) and tokens[end] in UNITS and len(tokens[end]) > 1:
            return _worded_measure(tokens, i, end + 1, value)
    if at == i or at >= len(tokens) or tokens[at] not in UNITS or len(tokens[at]) < 2 or tokens[at] in _ORDINAL_WORDS:
        return None
    if tuple(tokens[at + 1 : at + 4]) == _AND_A_HALF:
        return _worded_measure(tokens, i, at + 4, 1.5)
    return _worded_measure(tokens, i, at + 1, 1.0, article=True)


def _worded_measure(tokens: Sequence[str], start: int, end: int, value: float, *, article: bool = False) -> Quantity:
    unit = next(token for token in tokens[start:end] if token in UNITS and len(token) > 1)
    dimension, base, other = _measure(value, unit)
    surface = " ".join(tokens[start:end])
    return Quantity(surface, value, dimension, base, unit=unit, other=other, span=(start, end), article=article)


@lru_cache(maxsize=4096)
def _cached(tokens: tuple[str, ...]) -> tuple[Quantity, ...]:
    return tuple(_read(tokens))


def quantities(tokens: Sequence[str], *, articles: bool = False) -> list[Quantity]:
    """Every number in ``tokens`` with its unit, currency, clock time or ordinal suffix; with ``articles``, one
    unit after an article too ("a day"), for matching."""
    return [q for q in _cached(tuple(tokens)) if articles or not q.article]


def measure_indexes(tokens: tuple[str, ...]) -> frozenset[int]:
    """The indexes of the words a measure spans ("36 months", "half an hour", "800-pound") and of "a second"'s
    ordinal: what the number guard compares by value, so no subject word for the entity guard. Not one unit
    ("1 kg", "a day"): the number guard may drop a lone 1 as an article, so its unit stays a word. A count said in
    words ("a couple of") is a number too, no subject word."""
    return frozenset(
        i
        for q in _cached(tokens)
        if (q.dimension and q.value != 1) or q.one_more or tokens[q.span[0]] in _COUNTS
        for i in range(*q.span)
    )


def _read(tokens: Sequence[str]) -> list[Quantity]:
    found: list[Quantity] = []
    # Where a quantity may start (a digit or one of :data:`_OPENERS`): a word that is neither is passed over at once,
    # not through every branch below (a long chat's few numbers among hundreds of words).
    # A number token opens with a decimal digit (``isdecimal``, the tokens' ``\d``): ``isdigit`` also takes a digit no
    # number is written in ("፩", Ethiopic; "᧚"), which the tokens read as a letter and ``float`` refuses.
    starts = [n for n, token in enumerate(tokens) if token[:1].isdecimal() or token in _OPENERS]
    i = starts[0] if starts else len(tokens)
    while i < len(tokens):
        token = tokens[i]
        worded = _worded(tokens, i) if token in _ARTICLES or token in _FRACTIONS else None
        if worded is not None:
            found.append(worded)
            i = worded.span[1]
            continue
        if token[0].isdecimal():
            if ":" in token:
                hours, _, minutes = token.partition(":")
                value, end = float(hours), i + 1
                clock: int | None = int(hours) % 24 * 60 + int(minutes[:2] or 0)
            else:
                value, end, clock = float(token.replace(",", "")), i + 1, None
        elif token in _ORDINAL_WORDS and not (token in UNITS and i and tokens[i - 1] == "per"):  # "per second"
            one_more = i > 0 and tokens[i - 1] in _ARTICLES
            found.append(Quantity(token, float(_ORDINAL_WORDS[token]), span=(i, i + 1), one_more=one_more))
            i += 1
            continue
        elif token in _MULTIPLES:  # "twice": "two times", matched to an equal count only, as "a day" is
            found.append(Quantity(token, float(_MULTIPLES[token]), span=(i, i + 1), article=True))
            i += 1
            continue
        elif token in NUMBER_WORDS and (parsed := _word_number(tokens, i)):
            value, end = parsed
            clock = None
        elif token in _COUNTS and i + 1 < len(tokens) and tokens[i + 1] == "of":  # "a couple of eggs": 2
            value, end, clock = float(_COUNTS[token]), i + 2, None
        else:
            at = bisect_left(starts, i + 1)
            i = starts[at] if at < len(starts) else len(tokens)
            continue
        sign = tokens[i - 1] if i > 0 and tokens[i - 1] in _CURRENCY_SIGNS else ""
        minus = "-" if i > 0 and tokens[i - 1] == "minus" and clock is None else ""
        value = -value if minus else value  # "-5C" (:mod:`nearhit.guards.text`): below zero
        scale, short_unit = _scale(tokens, i, end, sign) if clock is None else (1, "")
        if scale != 1:
            value, end = value * scale, end + 1
        surface = " ".join(tokens[i:end])
        unit = short_unit or (tokens[end] if end < len(tokens) else "")
        if unit in _MERIDIEMS and value <= 12:
            past_hour = clock % 60 if clock is not None else 0
            clock = (int(value) % 12 + (12 if unit == "pm" else 0)) * 60 + past_hour
            found.append(Quantity(f"{surface}{unit}", value, clock=clock, span=(i, end + 1)))
            i = end + 1
            continue
        if unit in _ORDINAL_SUFFIXES:
            found.append(Quantity(surface + unit, value, span=(i, end + 1)))
            i = end + 1
            continue
        if unit == "per" and end + 1 < len(tokens) and tokens[end + 1] == "cent":
            unit, end = "percent", end + 1
        if unit == "o" and end + 1 < len(tokens) and tokens[end + 1] == "clock":
            found.append(Quantity(surface + " o'clock", value, span=(i, end + 2)))
            i = end + 2
            continue
        if tuple(tokens[end : end + 3]) == _AND_A_HALF and end + 3 < len(tokens) and tokens[end + 3] in UNITS:
            value, surface, end = value + 0.5, f"{surface} and a half", end + 3  # "two and a half hours"
            unit = tokens[end]
        if unit in UNITS:
            surface, end = f"{surface} {unit}", end + 1
        listed = token[0].isdecimal() and unit[:1].isdecimal()
        dimension, base, other = _measure(value, unit, sign)
        named = unit if unit in UNITS else ""
        counted = token in _COUNTS  # matched to an equal count only, never a number of its own, as "twice" is
        found.append(
            Quantity(
                minus + sign + surface, value, dimension, base, clock, listed, named, other, (i, end), article=counted
            )
        )
        i = end
    return found
