"""The two age readers of :mod:`nearhit.cache.conversation` read different things (why they are not one pattern:
:data:`~nearhit.cache.conversation._AGE`'s docstring): :func:`_age_told` asks whether every "old" closes an age,
days too; :func:`_ages` reads the ages it can place in an age class, in months, with or without "old". Pinned so that
a merge that changed either reading fails here."""

from __future__ import annotations

import pytest

from nearhit.cache.conversation import _age_told, _ages


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("she is 3 years old", [("3", "years")]),  # read as "is 3 years": the leftmost match
        ("my 2-year-old", [("2", "year")]),
        ("she's 4 months", [("4", "months")]),
        ("9 months", [("9", "months")]),  # opening a turn, answering "How old is she?"
        ("my 3 mths old", [("3", "mths")]),
        ("a 10 days old kitten", []),  # no month reading of days
        ("for 3 years", []),  # a span of time
    ],
)
def test_the_ages_an_age_class_reads(text: str, ages: list[tuple[str, str]]) -> None:
    assert _ages(text) == ages


@pytest.mark.parametrize(
    ("text", "other", "told"),
    [
        ("she is 3 years old", "3", True),  # its "old" closes an age, whatever _ages finds first
        ("a 10 days old kitten", "10", True),  # days close an "old" too
        ("my 8-year-old", "she's 8", True),
        ("my 8-year-old", "she's 9", False),  # the number the other side does not state
        ("the 4 old tiles", "4", False),  # no age
        ("my 3 mths old", "3", False),  # "mths" is not read here (a gap kept: no reading changed)
    ],
)
def test_every_old_closes_an_age_the_other_side_numbers(text: str, other: str, told: bool) -> None:
    assert _age_told(text, other) is told
