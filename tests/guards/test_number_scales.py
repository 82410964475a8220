"""A scale word or short form after a number multiplies it: "5 million" is 5,000,000, so "5 million" against
"5 billion" is a number changed, and "5m", "five million" and "5,000,000" are one amount. A small "m" stays
metres where a length is measured ("a 50m run"). Invented pairs."""

from __future__ import annotations

import pytest

from nearhit.guards import GuardSet, NumberGuard
from nearhit.guards.quantities import quantities
from nearhit.guards.text import analyse


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Is 5 million dollars a lot of money to retire on?", "Is 5 billion dollars a lot of money to retire on?"),
        ("Is 1.5 million dollars enough to retire?", "Is 1.5 billion dollars enough to retire?"),
        ("Is 5 thousand dollars enough for a used car?", "Is 5 million dollars enough for a used car?"),
        ("How do I index a table with 50M rows?", "How do I index a table with 50 rows?"),
        ("Is £20k enough for a house deposit?", "Is £20 enough for a house deposit?"),
        ("Is a £2bn budget big for a city?", "Is a £2m budget big for a city?"),
    ],
)
def test_another_scale_is_another_number(query: str, candidate: str) -> None:
    assert GuardSet.default().first_rejection(query, candidate, 0.95) is not None
    found = NumberGuard().signal(query, candidate)
    assert found is not None and found.reason.startswith("numbers differ")


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Is 5 million dollars a lot to retire on?", "Is five million dollars a lot to retire on?"),
        ("Is 5 million dollars a lot to retire on?", "Is 5,000,000 dollars a lot to retire on?"),
        ("Is $5 million a lot to retire on?", "Is $5m a lot to retire on?"),
        ("How do I index a table with 50M rows?", "How do I index a table with 50 million rows?"),
        ("How do I index a table with 50m rows?", "How do I index a table with 50M rows?"),
        ("Is £20k enough for a house deposit?", "Is £20,000 enough for a house deposit?"),
        ("Is a £2bn budget big for a city?", "Is a £2 billion budget big for a city?"),
    ],
)
def test_one_amount_said_with_a_scale_or_in_full_agrees(query: str, candidate: str) -> None:
    found = NumberGuard().signal(query, candidate)
    assert found is None or found.strength < NumberGuard().cut
    assert GuardSet.default().first_rejection(query, candidate, 0.95) is None


@pytest.mark.parametrize(
    ("text", "value", "dimension"),
    [
        ("How long does a 50m run take?", 50, "length"),
        ("How fast can I run 50 m?", 50, "length"),
        ("Do I need planning for a 2m high fence?", 2, "length"),
        ("How many lengths of a 25m pool make a mile?", 25, "length"),
        ("How long does a backup of 50m rows take?", 50_000_000, None),
        ("Is $5m a lot to retire on?", 5_000_000, "usd"),
        ("Is five million dollars a lot?", 5_000_000, "usd"),
    ],
)
def test_a_small_m_is_metres_where_a_length_is_measured(text: str, value: float, dimension: str | None) -> None:
    (found,) = [q for q in quantities(analyse(text).tokens) if q.value != 1]
    assert (found.value, found.dimension) == (value, dimension)
