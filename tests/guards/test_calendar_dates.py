"""A day written with its month's name is one date however it is written ("3 May 2025", "May 3rd", "the 3rd of
May"), "May" the month told from "may" the verb; the number guard reads it so. Invented texts."""

from __future__ import annotations

import pytest

from nearhit.guards import NumberGuard
from nearhit.guards.calendar_days import calendar_dates


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("We fly out on 3 May 2025.", {"may", "may 3"}),
        ("We fly out on May 3rd.", {"may", "may 3"}),
        ("We fly out May the 3rd.", {"may", "may 3"}),
        ("the party is on the 3rd of may", {"may", "may 3"}),
        ("got the letter on 3 march", {"march", "march 3"}),
        ("The lease ends on March 3, 2026.", {"march", "march 3"}),
        ("Rent is due 1 Dec.", {"december", "december 1"}),
        ("my exam is june 14th", {"jun", "june 14"}),
        ("tickets for 22 May\n8 of us are going", {"may", "may 22"}),  # a number in the next turn is no day
        ("All 3 may need a visa.", set()),  # "may" the verb
        ("we march 3 miles a day", set()),
        ("a card at 19.9 APR", set()),  # an acronym
        ("We moved here in May 2025.", set()),  # a month and a year: no day
        ("the meeting is May 10:30", set()),
    ],
)
def test_a_day_and_its_month_are_read_as_one_date(text: str, dates: set[str]) -> None:
    assert calendar_dates(text) == dates


def test_the_number_guard_tells_a_day_of_another_month() -> None:
    guard = NumberGuard()
    asked = "I fly on 3 May. Can I take my e-bike battery on the plane?"
    assert guard.signal(asked, "I fly on 3 March. Can I take my e-bike battery on the plane?") is not None
    assert guard.signal(asked, "I fly on May 3rd. Can I take my e-bike battery on the plane?") is None
