"""A day of the week one side's backstory tells as when its story happened, not a date the answer is for.

"I've got an interview on Thursday. What's the difference between == and ===?", "my knee's been aching since a
walk on saturday. Can I take ibuprofen?": the day dates the told event; the other side, which names no date, asks
the same question. A day said as a deadline ("due Friday", "by Monday", "before Friday's release", "until
Sunday") limits what is asked ("which delivery gets it there by Friday?"), so it stays a date that differs; so does
any day when a question asks about time or an amount (``asks_amount`` in the number guard).
"""

from __future__ import annotations

from nearhit.guards.text import Text

__all__ = ["WEEKDAYS", "told_days"]

WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
"""The days of the week as the tokens write them (a weekday's stem is its word)."""
DEADLINE = frozenset({"by", "before", "until", "till", "til", "due", "deadline", "for", "from", "after"})
"""Words right before a day that make it a limit or a span of what is asked ("by Friday", "due Friday", "for
Saturday", "from Monday"), not when a told event happened."""


def told_days(dates: set[str], text: Text) -> bool:
    """Whether every date of ``dates`` (read from ``text``) is a weekday each place of which follows no deadline
    word (:data:`DEADLINE`): when something told happened ("on Thursday", "last Saturday", "Black Friday")."""
    if not dates or not dates <= WEEKDAYS:
        return False
    places = [n for n, token in enumerate(text.tokens) if token in dates]
    return bool(places) and all(n == 0 or text.tokens[n - 1] not in DEADLINE for n in places)
