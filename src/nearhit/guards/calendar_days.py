"""Calendar days: a day of the month written with its month's name, read as one date.

"3 May 2025", "May 3rd", "the 1st of May" and "May the 3rd" are one day, "may 3" and "3 March" another. The
tokens alone lose what tells "May" the month from "may" the verb (and "March" from "march"), so the raw text is
read: such a month counts written with a capital, or beside an ordinal day ("3rd of may"). The named months the
date words already read ("June") stay theirs; "May" and "March" are read here, and the day with the month.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nearhit.guards.stemming import stem

__all__ = ["calendar_dates"]

_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS = {name[:3]: name for name in _NAMES}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"([12]?\d|3[01])(st|nd|rd|th)?"
_WHEN = r"(?:\b(on|since|from|until|till|by|before|after)[^\S\n]+(?:the[^\S\n]+)?)?"
_DAY_MONTH_RE = re.compile(rf"{_WHEN}(?<![\d.,])\b{_DAY}([^\S\n]+of)?[^\S\n]+{_MONTH}\.?(?!\w)", re.IGNORECASE)
_MONTH_DAY_RE = re.compile(rf"{_WHEN}\b{_MONTH}\.?[^\S\n]+(?:the[^\S\n]+)?{_DAY}(?![\w:.,/]\d|\w|:)", re.IGNORECASE)
_MONTH_OPENING_RE = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec", re.IGNORECASE)
"""The first three letters of every month :data:`_MONTH` reads, with its flag: a text without one names no calendar day
(most texts with a digit), and the two readings below are not run."""
_VERBS = frozenset({"mar", "march", "may"})
"""Month names that are English verbs as well: a month only capitalised, beside an ordinal day or after a
preposition of time ("got dismissed on 3 march")."""
_ACRONYM = re.compile(r"[A-Z]{3}")
"""A short month name all in capitals is an acronym ("19.9 APR", "DEC"), not a month."""


@lru_cache(maxsize=4096)
def calendar_dates(text: str) -> frozenset[str]:
    """The days a text names with their month ("may 3"), and each such month's stem alone ("may", as the date
    words read "June" as "jun"): one day written as "3 May 2025" or "May 3rd" is the same fact, and a day of
    another month another."""
    if not any(map(str.isdigit, text)) or _MONTH_OPENING_RE.search(text) is None:  # each char read in C
        return frozenset()
    found: set[str] = set()
    for match in _DAY_MONTH_RE.finditer(text):
        when, day, suffix, of, month = match.groups()
        _add(found, month, day, bool(when or suffix or of))
    for match in _MONTH_DAY_RE.finditer(text):
        when, month, day, suffix = match.groups()
        _add(found, month, day, bool(when or suffix))
    return frozenset(found)


def _add(found: set[str], month: str, day: str, dated: bool) -> None:
    """Add the day to ``found``; ``dated``: an ordinal day, "of" or a preposition of time tells a month from a verb."""
    if int(day) == 0 or (month.casefold() in _VERBS and month.islower() and not dated) or _ACRONYM.fullmatch(month):
        return
    name = _MONTHS[month[:3].casefold()]
    found.update({stem(name), f"{name} {int(day)}"})
