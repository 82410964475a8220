"""The number guard: numbers, amounts, times, ordinals and named dates must agree.

Quantities are compared by value in their dimension ("2kg" and "2 kilos" agree, "10MB" and "10GB" do
not), times on the clock ("3pm" and "15:00"), and number words are read ("two hundred and ten"). The
same numbers in another order fill other slots ("2 to the power of 10" / "10 to the power of 2"), and a
data unit's capitals tell bits from bytes ("Mbps" / "MBps").
"""

from __future__ import annotations

import math
import re
from collections import deque
from functools import lru_cache
from typing import ClassVar

from nearhit.guards.calendar_days import calendar_dates
from nearhit.guards.clauses import BACKSTORY_ADDED, Clauses, backstory_strength, parts, split_question, touches
from nearhit.guards.lexicon import DATE_STEMS, NUMBER_WORDS
from nearhit.guards.quantities import Quantity, measure_indexes, quantities
from nearhit.guards.text import Text, analyse, as_written, describe, typo_of
from nearhit.guards.told_day import told_days
from nearhit.guards.units import CALENDAR_UNITS, UNITS, unit_mentions
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["NumberGuard", "Quantity", "all_dates", "matched_units", "one_more_words", "quantities", "same_measure"]

_RELATIVE_DATE_RE = re.compile(r"\b(?:(?:this|next|last|previous) (?:week|month|year)|(?:same|next)[- ]day)\b")
# "the following year" is "next year", "the current month" is "this month".
_RELATIVE_SYNONYMS_RE = re.compile(r"\b(?:the )?(following|current) (week|month|year)\b")
_RELATIVE_SYNONYMS = {"following": "next", "current": "this"}

_CALENDAR_TOLERANCE = 0.015
"""How far a month or a year may be from a count of days or weeks and still be it ("30 days", "52 weeks")."""


def _readings(q: Quantity) -> list[tuple[str | None, float | None]]:
    return [(q.dimension, q.base)] + ([q.other] if q.other else [])


def same_measure(a: Quantity, b: Quantity) -> bool:
    """One measure in any reading of each unit ("800 lbs" / "an 800-pound load"); a calendar unit against days
    or weeks to within :data:`_CALENDAR_TOLERANCE`."""
    loose = a.dimension == "duration" and (a.unit in CALENDAR_UNITS) != (b.unit in CALENDAR_UNITS)
    tolerance = _CALENDAR_TOLERANCE if loose else 1e-9
    return any(
        dimension == other_dimension
        and base is not None
        and other_base is not None
        and abs(base - other_base) <= tolerance * max(abs(base), abs(other_base), 1.0)
        for dimension, base in _readings(a)
        for other_dimension, other_base in _readings(b)
    )


def _same_quantity(a: Quantity, b: Quantity, *, lenient: bool) -> bool:
    if a.clock is not None and b.clock is not None:
        return a.clock == b.clock
    if a.dimension and b.dimension:
        return same_measure(a, b)
    if not lenient:
        return a.value == b.value and a.clock is None and b.clock is None and a.dimension == b.dimension
    clock = a.clock if a.clock is not None else b.clock
    if clock is not None:  # "3pm" and "three o'clock": a bare hour matches on the 12-hour clock
        bare = b if a.clock is not None else a
        return bare.value.is_integer() and int(bare.value) % 12 * 60 == clock % 720
    return a.value == b.value


_PAIRED_BY_SCAN = 64
"""Up to this many pairs (left times right: most texts have a number or two), every pair is compared; past it,
each quantity is compared only with those sharing a key with it (:class:`_Keyed`), the same pairs found."""


def unmatched(left: list[Quantity], right: list[Quantity]) -> tuple[list[Quantity], list[Quantity]]:
    """The quantities of each side with no equal on the other: each of ``left`` in turn takes the first of ``right``
    still free that equals it, exactly, then leniently."""
    # One unit after an article ("a day") is matched last: a count said in digits claims its equal first.
    left, right = sorted(left, key=lambda q: q.article), sorted(right, key=lambda q: q.article)
    if len(left) * len(right) <= _PAIRED_BY_SCAN:
        for lenient in (False, True):
            for a in list(left):
                for b in right:
                    if _same_quantity(a, b, lenient=lenient):
                        left.remove(a)
                        right.remove(b)
                        break
    else:
        left, right = _paired_by_key(left, right)
    # "one egg" / "a single egg", "quick one": a lone 1 is an article as often as it is a number; not a 1 with a
    # unit where the other side has another measure of its dimension ("1 second" / "1 minute", "1 m" / "1 mm").
    return _kept_ones(left, right), _kept_ones(right, left)


def _paired_by_key(left: list[Quantity], right: list[Quantity]) -> tuple[list[Quantity], list[Quantity]]:
    """:func:`unmatched`'s pairing, each of ``left`` compared only with the free ones of ``right`` that share a key
    with it: linear in the numbers where each equal is found at its key's head (a long list of numbers, said
    twice), where the scan compared every pair (a 2,000-number prompt against another: 1.3 s)."""
    free_left, free_right = [True] * len(left), [True] * len(right)
    for lenient in (False, True):
        keyed = _Keyed(right, lenient)
        for i, a in enumerate(left):
            if free_left[i]:
                j = keyed.first(a, free_right)
                if j is not None:
                    free_left[i] = free_right[j] = False
    return [q for q, free in zip(left, free_left, strict=True) if free], [
        q for q, free in zip(right, free_right, strict=True) if free
    ]


_FINE_STEPS = 2**24
"""Measures are keyed by ``log2`` of their size in steps of 1/2^24 (4e-8): two within the exact tolerance (1e-9)
fall in the same step or the next; so do distinct sizes only when nearer than that."""
_CALENDAR_STEPS = 16
"""Durations are keyed again in steps of 1/16 (4.4%), for the calendar tolerance (1.5%) between a calendar unit
and days or weeks (:func:`same_measure`)."""


def _steps(base: float, per_octave: int, *, probe: bool) -> tuple[int, ...]:
    step = math.floor(math.log2(max(abs(base), 1.0)) * per_octave)
    return (step - 1, step, step + 1) if probe else (step,)


def _measure_keys(q: Quantity, *, probe: bool) -> list[tuple[object, ...]]:
    """The keys of ``q``'s readings (:func:`same_measure`): each dimension and fine step of size, and a calendar
    step with whether the unit is a calendar one; the next steps too when ``probe`` (a duration probes the other
    kind of unit's calendar steps). A size that is not finite (a 400-digit count of kg) is within any tolerance
    of every finite one."""
    keys: list[tuple[object, ...]] = []
    calendar = q.unit in CALENDAR_UNITS
    for dimension, base in _readings(q):
        if base is None:
            continue
        if not math.isfinite(base):
            keys.append(("any size", dimension) if probe else ("unbounded", dimension))
            continue
        keys.extend(("size", dimension, step) for step in _steps(base, _FINE_STEPS, probe=probe))
        if not probe or q.dimension == "duration":  # a probe's calendar steps are the other kind of unit's
            steps = _steps(base, _CALENDAR_STEPS, probe=probe)
            keys.extend(("calendar", dimension, step, calendar != probe) for step in steps)
        keys.append(("unbounded", dimension) if probe else ("any size", dimension))
    return keys


def _keys(q: Quantity, *, lenient: bool, probe: bool) -> list[tuple[object, ...]]:
    """Keys that ``q`` and any quantity :func:`_same_quantity` takes for its equal share, one side's under
    ``probe`` and the other's not (a clock on one side meets a bare hour on the other)."""
    keys: list[tuple[object, ...]] = [("clock", q.clock)] if q.clock is not None else []
    if q.dimension:
        keys.extend(_measure_keys(q, probe=probe))
    if not lenient:
        if q.clock is None and not q.dimension:
            keys.append(("plain", q.value, q.dimension))
        return keys
    if q.clock is not None:  # "3pm" and "three o'clock": a bare hour meets a clock on the 12-hour clock
        keys.append(("bare hour" if probe else "clock hour", q.clock % 720))
    else:
        keys.append(("value", q.value))
        if q.value.is_integer():
            keys.append(("clock hour" if probe else "bare hour", int(q.value) % 12 * 60))
    return keys


_SCANNED_ITEMS = 8
"""Up to this many quantities (most texts' few), :class:`_Keyed` compares with each in turn, keying none."""


class _Keyed:
    """One side's quantities under their keys (:func:`_keys`), each key's in their order, for :func:`unmatched`
    and the checks like it to find an equal without comparing every pair."""

    def __init__(self, items: list[Quantity], lenient: bool) -> None:
        self.items = items
        self.lenient = lenient
        self.at: dict[tuple[object, ...], deque[int]] | None = None if len(items) <= _SCANNED_ITEMS else {}
        if self.at is None:
            return
        for index, q in enumerate(items):
            for key in dict.fromkeys(_keys(q, lenient=lenient, probe=False)):
                self.at.setdefault(key, deque()).append(index)

    def first(self, q: Quantity, free: list[bool] | None = None) -> int | None:
        """The index of the first item (of those ``free``) equal to ``q``, or None."""
        if self.at is None:
            for index, item in enumerate(self.items):
                if (free is None or free[index]) and _same_quantity(q, item, lenient=self.lenient):
                    return index
            return None
        found: int | None = None
        for key in _keys(q, lenient=self.lenient, probe=True):
            indexes = self.at.get(key)
            if indexes is None:
                continue
            while free is not None and indexes and not free[indexes[0]]:
                indexes.popleft()  # taken: never free again
            for index in indexes:
                if found is not None and index >= found:
                    break
                if (free is None or free[index]) and _same_quantity(q, self.items[index], lenient=self.lenient):
                    found = index
                    break
        return found


def _kept_ones(mine: list[Quantity], theirs: list[Quantity]) -> list[Quantity]:
    dimensions = {q.dimension for q in theirs if q.dimension and not q.article}
    # A number said only to match a count ("a day", "twice") is never a difference of its own.
    return [q for q in mine if not q.article and (q.value != 1 or q.listed or q.dimension in dimensions)]


def _measured_ones(mine: list[Quantity], theirs: list[Quantity], other: Text) -> list[Quantity]:
    """A 1 in digits with a unit ("a 1-year-old", "1 kg") where the other side names nothing of that dimension:
    a measure the other does not ask about, not an article ("1 hour" / "an hour" stays a rewording)."""
    named = {UNITS[token][0] for token in other.tokens if token in UNITS}
    ones = [
        one
        for one in mine
        if one.value == 1
        and not one.listed
        and one.dimension is not None
        and one.surface[:1].isdigit()
        and one.dimension not in named
    ]
    if not ones:  # (most texts): the other side's are not keyed
        return ones
    keyed = _Keyed(theirs, lenient=True)
    return [one for one in ones if keyed.first(one) is None]


def _unrepeated(left: list[Quantity], every: list[Quantity]) -> list[Quantity]:
    """``left`` less the numbers its own side says again ("I have 2 dicts ... merge two dicts"): a number
    the other side matched once is not another number for being said twice."""
    if len(left) * len(every) <= _PAIRED_BY_SCAN:  # (most texts)
        matched = [m for m in every if not any(m is a for a in left)]
        return [a for a in left if not any(_same_quantity(a, m, lenient=False) for m in matched)]
    unmatched_ids = {id(a) for a in left}
    keyed = _Keyed([m for m in every if id(m) not in unmatched_ids], lenient=False)
    return [a for a in left if keyed.first(a) is None]


# A part of today ("ice on it this morning" / "... today"): no date of its own, but what "today" says.
_PART_OF_TODAY_RE = re.compile(r"\b(?:this (?:morning|afternoon|evening)|tonight)\b")


@lru_cache(maxsize=4096)
def dates_of(text: Text) -> frozenset[str]:
    """The named and relative dates of a text (cached: the guard asks for each side's twice), read from its
    tokens, so a short form is its word ("next yr" is "next year")."""
    named = {t for t in text.stems if t in DATE_STEMS}
    words = " ".join(text.tokens)
    # Every match of the two patterns names a day, week, month or year: a text with none (most) has no relative date.
    if "day" not in words and "week" not in words and "month" not in words and "year" not in words:
        return frozenset(named)
    words = _RELATIVE_SYNONYMS_RE.sub(lambda m: f"{_RELATIVE_SYNONYMS[m[1]]} {m[2]}", words)
    return frozenset(named | {m.replace("-", " ") for m in _RELATIVE_DATE_RE.findall(words)})


def all_dates(text: Text, raw: str) -> frozenset[str]:
    """The dates of a text (:func:`dates_of`) and the calendar days its raw form names (:func:`calendar_dates`:
    "3 May 2025" and "May 3rd" are one, which the case-folded tokens cannot tell from "may" the verb)."""
    return dates_of(text) | calendar_dates(raw)


def _unmatched_dates(mine: Text, theirs: Text, raw: str, other: str) -> set[str]:
    """The dates of ``mine`` (written ``raw``) the other text (``other``) does not say, as a typo of one of its
    words neither; nor "today" when the other names a part of it."""
    left = {d for d in all_dates(mine, raw) - all_dates(theirs, other) if not typo_of(d, theirs.stems)}
    if "today" in left and _PART_OF_TODAY_RE.search(" ".join(theirs.tokens)):
        left.discard("today")
    return left


_ONE_MORE = frozenset({"another", "additional", "extra"})


def _not_another(mine: list[Quantity], other: Text) -> list[Quantity]:
    """``mine`` less its "a second", "a third" where the other side says "another" ("an additional", "an
    extra"): one more of a thing."""
    if not any(q.one_more for q in mine):
        return mine
    another = bool(_ONE_MORE.intersection(other.tokens))
    return [q for q in mine if not (q.one_more and another)]


def _glued(mine: list[Quantity], text: Text, other: Text) -> list[Quantity]:
    """``mine`` less a number the other side writes glued to the word before it ("Windows 11" / "windows11",
    "python 3" / "python3"): one name, spelt apart."""
    if not mine:
        return mine
    theirs = other.tokens if len(mine) <= _SCANNED_ITEMS else frozenset(other.tokens)  # a set only for many
    return [
        q for q in mine if not (q.span[0] and q.surface.isdigit() and text.tokens[q.span[0] - 1] + q.surface in theirs)
    ]


def one_more_words(text: Text, other: Text) -> frozenset[str]:
    """The "another", "additional", "extra" of ``text`` where the other side says "a second" (an ordinal
    after an article): one more of a thing, said two ways."""
    if not any(q.one_more for q in quantities(other.tokens)):
        return frozenset()
    return frozenset(s for token, s in zip(text.tokens, text.stems, strict=True) if token in _ONE_MORE)


def matched_units(text: Text, other: Text) -> frozenset[str]:
    """The stems of the units ``text`` names once ("a day", "1 week") that the other side says as an equal count
    ("24 hours", "7 days"): for the number guard to compare, no subject word of their own."""
    ones = [q for q in quantities(text.tokens, articles=True) if q.value == 1]
    if not ones:
        return frozenset()
    keyed = _Keyed(quantities(other.tokens), lenient=False)
    return frozenset(text.stems[q.span[1] - 1] for q in ones if keyed.first(q) is not None)


def _surfaces(items: list[Quantity]) -> str:
    return describe(q.surface for q in items)


class NumberGuard(SignalGuard):
    """Rejects when numbers, amounts, times, ordinals or named dates differ ("2kg" vs "2 kilos" agree).

    A difference in the question clause is a full-strength signal; one only in backstory ("I started on
    Monday, ...") is weaker (:func:`backstory_strength`).
    """

    name: ClassVar[str] = "numbers"

    def prepare(self, text: str) -> None:
        dates_of(analyse(text))

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        q, c = analyse(query), analyse(candidate)
        all_q, all_c = quantities(q.tokens, articles=True), quantities(c.tokens, articles=True)
        only_q, only_c = unmatched(all_q, all_c)
        only_q, only_c = only_q + _measured_ones(all_q, all_c, c), only_c + _measured_ones(all_c, all_q, q)
        only_q, only_c = _unrepeated(only_q, all_q), _unrepeated(only_c, all_c)
        only_q, only_c = _not_another(_glued(only_q, q, c), c), _not_another(_glued(only_c, c, q), q)
        dates_q, dates_c = _unmatched_dates(q, c, query, candidate), _unmatched_dates(c, q, candidate, query)
        units = _different_units(q, c) or _bits_or_bytes(query, candidate)
        if units is not None:
            return self._signal(1.0, units)
        if not (only_q or only_c or dates_q or dates_c):
            return _reordered(query, candidate)
        if only_q or only_c:
            reason = f"numbers differ: {_surfaces(only_q)} vs {_surfaces(only_c)}"
        else:
            # Named dates are read by stem ("jun", "spr"): the reason names the words as written ("June", "spring").
            reason = f"dates differ: {describe(as_written(q, dates_q))} vs {describe(as_written(c, dates_c))}"
        clauses_q, clauses_c = split_question(query), split_question(candidate)
        one_side = not (only_q or only_c) and not (all_dates(q, query) and all_dates(c, candidate))
        if _asked(clauses_q, only_q, dates_q) or _asked(clauses_c, only_c, dates_c):
            return self._signal(1.0, reason, date_one_side=one_side)
        if one_side and _day_told(q, dates_q, clauses_q, c, dates_c, clauses_c):
            return None
        strength = backstory_strength(clauses_q, clauses_c)
        if (
            strength > BACKSTORY_ADDED
            and not one_side
            and _told_aside((clauses_q, only_q, dates_q), (clauses_c, only_c, dates_c))
        ):
            strength = BACKSTORY_ADDED
        context = (
            strength <= BACKSTORY_ADDED
            and not (_AGE_RE.search(q.folded) or _AGE_RE.search(c.folded))
            and not (_asks_amount(clauses_q) or _asks_amount(clauses_c))
        )
        if _no_slot(clauses_q, all_q, q, clauses_c, all_c, c):
            reason += " (the other asks with no number)"
            strength = BACKSTORY_ADDED
        return self._signal(strength, reason + " (in backstory only)", context=context, date_one_side=one_side)


def _day_told(q: Text, dates_q: set[str], clauses_q: Clauses, c: Text, dates_c: set[str], clauses_c: Clauses) -> bool:
    """Whether the one date that differs is a weekday one side's backstory tells as when its story happened
    (:func:`told_days`), and neither question asks about time or an amount: no slot of the other question."""
    if _asks_time(clauses_q) or _asks_time(clauses_c):
        return False
    return told_days(dates_q, q) if dates_q else told_days(dates_c, c)


_Told = tuple[Clauses, list[Quantity], set[str]]
"""One side's clauses and the numbers and dates it says that the other does not."""


def _told_aside(query: _Told, candidate: _Told) -> bool:
    """Whether what differs is numbers or dates one side alone says, each in a part of its backstory (a sentence
    cut at its commas) that says no word of either question clause and no age, and neither question asks an
    amount or a time: a detail added to the story ("we had it installed in 2019. Is that normal?", "paid on the
    25th"), no slot of what is asked, though both sides tell a backstory. A value that changed is said by both.
    Not a date where the other side names none (``date_one_side``): a story told over turns against one message
    reads that with :func:`nearhit.cache.conversation.dated_aside` (a near day is a deadline, a date told with
    much more a correction), and a weekday with :func:`_day_told`."""
    if (query[1] or query[2]) and (candidate[1] or candidate[2]):
        return False
    if _asks_amount(query[0]) or _asks_amount(candidate[0]):
        return False
    clauses, numbers, dates = query if query[1] or query[2] else candidate
    surfaces, left = {q.surface for q in numbers}, set(dates)
    for part in parts(clauses.backstory):
        text = analyse(part)
        said = {q.surface for q in quantities(text.tokens, articles=True)} & surfaces
        named = all_dates(text, part) & left
        if not (said or named):
            continue
        if _AGE_RE.search(text.folded) or touches(part, query[0].question) or touches(part, candidate[0].question):
            return False
        surfaces, left = surfaces - said, left - named
    return not (surfaces or left)


def _no_slot(
    clauses_q: Clauses, all_q: list[Quantity], q: Text, clauses_c: Clauses, all_c: list[Quantity], c: Text
) -> bool:
    """Only one side tells a backstory, and the other side names no number and no date at all: a day, a
    count or a duration told as context ("Got my tattoo two hours ago. How long ...") fills no slot of the
    other question, so it is context, however much of the backstory restates the subject. Not an age ("I'm
    17", "my son is 4", "a 6-month-old"): what a person may do or take often turns on it."""
    if bool(clauses_q.backstory) == bool(clauses_c.backstory):
        return False
    (plain_quantities, plain), teller = ((all_c, c), q) if clauses_q.backstory else ((all_q, q), c)
    return not plain_quantities and not dates_of(plain) and _AGE_RE.search(teller.folded) is None


def _asks_amount(clauses: Clauses) -> bool:
    """Whether the question clause asks for an amount, a time or a price: a number told beside it may be that
    very amount ("Actually it's the £17.99 plan; how much does it cost?"), so it is no mere context."""
    return _AMOUNT_QUESTION_RE.search(clauses.question.casefold()) is not None


def _asks_time(clauses: Clauses) -> bool:
    """:func:`_asks_amount`, a "when" that opens a told clause left out: "How do I stop him biting when we play?"
    asks no time ("when do we play?" does)."""
    return _AMOUNT_QUESTION_RE.search(_TOLD_WHEN_RE.sub("", clauses.question.casefold())) is not None


_TOLD_WHEN_RE = re.compile(r"\bwhen (?=(?:i|i'm|we|we're|you|he|she|they|it|it's|my|our|your|his|her|their)\b)")
_AMOUNT_QUESTION_RE = re.compile(
    r"\bhow (?:much|many|long|far|old|often|big|high|low|soon|late|early)\b|\bwhen\b|\bwhat time\b"
    r"|\b(?:price|prices|cost|costs|fee|fees|charge|charges|rate|rates)\b"
)
_AGE_RE = re.compile(
    r"\b(?:aged?|am|is|i'm|he's|she's|turned|turning)\s+(?:\d+|"
    + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
    + r")\b|\b[\w-]+[- ](?:years?|months?|weeks?|days?)[- ]old\b"
)


def _different_units(q: Text, c: Text) -> str | None:
    """Both texts name units of one dimension, but not the same ones ("in °F" vs "in °C", "feet" vs "metres")."""
    units_q, units_c = unit_mentions(q.tokens), unit_mentions(c.tokens)
    if units_q.keys().isdisjoint(units_c.keys()):  # no dimension both name (most pairs): nothing to compare
        return None
    # Units said with a number are compared by value ("half a kilo" / "500 grams"), where both sides measure
    # in the dimension and the units they name without one agree ("20 knots in mph" / "in km/h" still differ).
    unnumbered_q = unit_mentions(q.tokens, measure_indexes(q.tokens))
    unnumbered_c = unit_mentions(c.tokens, measure_indexes(c.tokens))
    measured = _dimensions(q) & _dimensions(c)
    for dimension in sorted(units_q.keys() & units_c.keys()):
        if dimension in measured and unnumbered_q.get(dimension) == unnumbered_c.get(dimension):
            continue
        if units_q[dimension] != units_c[dimension]:
            only_q, only_c = units_q[dimension] - units_c[dimension], units_c[dimension] - units_q[dimension]
            return f"units differ ({dimension}): {describe(only_q)} vs {describe(only_c)}"
    return None


def _dimensions(text: Text) -> set[str]:
    return {q.dimension for q in quantities(text.tokens) if q.dimension}


_DIGIT_RE = re.compile(r"\d")
_DATA_RATE_RE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s*([kKmMgGtT])([bB])(ps|/s)?(?!\w)")


def _data_units(text: str) -> dict[str, str]:
    """Each data unit after a number, by its folded spelling, as "bits" or "bytes" where its capitals say
    which: "B" is a byte; "b" a bit after a capital prefix or in a rate ("Mb", "Mbps"); "mb" says nothing."""
    found: dict[str, str] = {}
    if not _DIGIT_RE.search(text):  # a data unit follows a number (most texts have none)
        return found
    for prefix, letter, rate in _DATA_RATE_RE.findall(text):
        if letter == "B":
            found[f"{prefix}{letter}{rate}".casefold()] = "bytes"
        elif prefix.isupper() or rate:
            found[f"{prefix}{letter}{rate}".casefold()] = "bits"
    return found


def _bits_or_bytes(query: str, candidate: str) -> str | None:
    """One data unit spelt with other capitals: bits on one side, bytes on the other ("Mbps" / "MBps")."""
    units_q = _data_units(query)
    if not units_q:  # none to compare (most texts): the other side's are not read
        return None
    units_c = _data_units(candidate)
    for unit in sorted(units_q.keys() & units_c.keys()):
        if units_q[unit] != units_c[unit]:
            return f"units differ (data): {unit} in {units_q[unit]} vs {units_c[unit]}"
    return None


REORDERED = 0.8
"""The same numbers in another order in the question clause ("2 to the power of 10" / "10 to the power of 2")."""


def _reordered(query: str, candidate: str) -> GuardSignal | None:
    """The question clauses' numbers are the same but come in another order: they fill other slots."""
    tokens_q, tokens_c = (
        analyse(split_question(query).question).tokens,
        analyse(split_question(candidate).question).tokens,
    )
    order_q, order_c = [q.surface for q in quantities(tokens_q)], [q.surface for q in quantities(tokens_c)]
    if len(set(order_q)) < 2 or order_q == order_c or sorted(order_q) != sorted(order_c):
        return None
    labels_q = _labelled(tokens_q)
    if sorted(labels_q) == sorted(_labelled(tokens_c)) and len({label for label, _ in labels_q}) == len(labels_q):
        return None  # "Model 3 on a Level 2 charger": each number kept its own word, a phrase moved
    return GuardSignal(
        NumberGuard.name, REORDERED, f"numbers in another order: {describe(order_q)} vs {describe(order_c)}"
    )


def _labelled(tokens: tuple[str, ...]) -> list[tuple[str, str]]:
    """Each number with the word before it: where each keeps a word of its own ("Model 3", "Level 2"), the
    numbers label things and a phrase moved, not two slots traded ("Windows 10 to Windows 11" still is)."""
    return [(tokens[q.span[0] - 1] if q.span[0] else "", q.surface) for q in quantities(tokens)]


def _asked(clauses: Clauses, numbers: list[Quantity], dates: set[str]) -> bool:
    """Whether any of these unmatched numbers or dates sits in the question clause."""
    if not clauses.backstory:
        return bool(numbers or dates)
    question = analyse(clauses.question)
    surfaces = {q.surface for q in quantities(question.tokens)}
    return any(n.surface in surfaces for n in numbers) or bool(dates & all_dates(question, clauses.question))
