"""What a follow-up asks to be measured: a duration, an amount, a rate (how often, how much a week) or a distance.

After the same earlier turns, "how long do I have to claim?" and "how much can I claim?" share their words and
their frame, and the embedder reads them alike; the intent guard reads "how long" and "how much" as near ask-types
("how long should it cook?" / "how many hours does it need?"), so it lets them through. Read with the unit that
follows ("how many hours" asks a duration, "how many times" a rate), two follow-ups that ask for different
measures ask different questions: "how often should she be eating?" / "how much should she be eating?". A count
per day or week is a rate ("how many sessions a week" / "how often per week"; an amount per month is still an amount:
"how much is it a month?" / "how much is it?"), and notice or "how far in advance" a duration. A bare "how much"
(no noun after it) asked of a day or a week may ask how long: "how much should I practise each day?" is "how long
should my daily sessions be?", so it is no other measure than a duration asked of a day or a week too ("how long
should my longest run be?" still asks another than "how much should I run per week?").

Two durations may ask two spans: the wait until something happens ("how many days until it starts working?", "how
long does it take to get?") or how long something lasts or may still be done ("how many days should I take it for?",
"how long is it valid for?", "how long do I have to claim?"). A duration asked of an event alone ("how long does
the appointment take?") says neither, so it is no other span than "how long does it last?".
"""

from __future__ import annotations

import re

__all__ = ["measure", "other_measure"]

_DURATIONS = "second minute hour day night week month year"
_DISTANCES = "mile kilometre kilometer km metre meter"
_UNITS: dict[str, frozenset[str]] = {
    "a duration": frozenset(
        {*_DURATIONS.split(), *(f"{unit}s" for unit in _DURATIONS.split()), "time", "longer", "notice"}
    ),
    "a rate": frozenset({"times"}),
    "a distance": frozenset({*_DISTANCES.split(), *(f"{unit}s" for unit in _DISTANCES.split())}),
}
_MEASURES = {"long": "a duration", "often": "a rate", "frequently": "a rate", "far": "a distance"}
_HOW = re.compile(r"\bhow (long|often|frequently|far|much|many)\b(?:\s+([a-z]+))?")
_AHEAD = re.compile(r"\bhow far (?:in advance|ahead|before)\b")
_PER = re.compile(r"\b(?:a|an|per|each|every) (?:day|night|week|month|year|hour|session)\b")
# "how much should I practise each day?": "how much" before a verb's helper, not a noun nor "is" (a price), per day.
_BARE_MUCH = re.compile(r"\bhow much (?:should|shall|do|does|can|could|would|will|must|ought|need)\b")
_DAILY = re.compile(r"\b(?:(?:a|an|per|each|every) (?:day|night|week)|daily|nightly|weekly)\b")
_LASTS = re.compile(r"\b(?:valid|lasts?|keeps?|kept|stays?)\b|\bfor\W*$|\b(?:have|has) to (?!wait)")
"""How long something lasts or may still be done: "valid for?", "keep working", "do I have to claim?"."""
_WAIT = re.compile(r"\b(?:until|till|wait|waiting)\b|\btakes? (?:\w+ )?to\b")
"""The wait until something happens: "until it starts working", "take to arrive", "take it to heal"."""


def measure(question: str) -> str | None:
    """The measure ``question`` first asks for ("how many weeks": a duration; "how many runs a week": a
    rate; "how much", "how many" of anything else: an amount), or None when it asks none."""
    found = _HOW.search(question.casefold())
    if found is None:
        return None
    word, unit = found.group(1), found.group(2) or ""
    if _AHEAD.search(question.casefold()):
        return "a duration"
    if word == "many" and _PER.search(question.casefold(), found.end()):
        return "a rate"
    if word in _MEASURES:
        return _MEASURES[word]
    return next((kind for kind, units in _UNITS.items() if unit in units), "an amount")


def other_measure(question: str, cached: str) -> str | None:
    """Why two follow-ups ask for different measures, or two durations for different spans, or None (either asks
    none, or both the same)."""
    mine, theirs = measure(question), measure(cached)
    if mine == theirs == "a duration":
        spans = _span(question), _span(cached)
        if spans[0] is None or spans[1] is None or spans[0] == spans[1]:
            return None
        return f"the question asks for another span: {spans[0]} vs {spans[1]}"
    if mine is None or theirs is None or mine == theirs:
        return None
    amount, duration = (question, cached) if mine == "an amount" else (cached, question)
    if {mine, theirs} == {"a duration", "an amount"} and _time_per_day(amount) and _DAILY.search(duration.casefold()):
        return None
    return f"the question asks for another measure: {mine} vs {theirs}"


def _span(question: str) -> str | None:
    """Which span a duration asks: how long something lasts (:data:`_LASTS`, read first: "how many days should I take
    it for?"), the wait until it happens (:data:`_WAIT`), or None when it says neither."""
    folded = question.casefold().strip()
    if _LASTS.search(folded):
        return "how long it lasts"
    return "the wait until it happens" if _WAIT.search(folded) else None


def _time_per_day(question: str) -> bool:
    """Whether an amount asked may be time spent: a bare "how much" asked of a day or a week."""
    folded = question.casefold()
    found = _BARE_MUCH.search(folded)
    return found is not None and _DAILY.search(folded, found.end()) is not None
