"""Numbers that fill other slots: the same numbers in another order, a "1" that is one of a list, and a
data unit whose capitals say bits on one side and bytes on the other. Invented pairs."""

from __future__ import annotations

import pytest

from nearhit.guards import NumberGuard


@pytest.mark.parametrize(
    ("query", "candidate", "reason"),
    [
        ("Is 3 squared larger than 2 cubed?", "Is 2 squared larger than 3 cubed?", "numbers in another order"),
        ("What is 12 divided by 4?", "What is 4 divided by 12?", "numbers in another order"),
        ("What does slice(1, 8) return?", "What does slice(8) return?", "numbers differ"),
        ("Can I stream 4K on a 25 Mbps line?", "Can I stream 4K on a 25 MBps line?", "units differ (data)"),
        ("Is a 2 Gb chip enough?", "Is a 2 GB chip enough?", "units differ (data)"),
    ],
)
def test_numbers_in_other_slots_are_a_difference(query: str, candidate: str, reason: str) -> None:
    found = NumberGuard().signal(query, candidate)
    assert found is not None and found.strength >= NumberGuard().cut
    assert found.reason.startswith(reason)


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Is 10 bigger than 3?", "Is 10 greater than 3?"),
        ("Can I buy 1 ticket for 2 people?", "Can I buy a ticket for 2 people?"),  # "1" as "a"
        ("How big is a 10 mb file?", "How big is a 10 MB file?"),  # lowercase "mb" says nothing
        ("Is 100 Mbps fast?", "Is 100 mbps fast?"),
        ("I live at number 4 and work at 9. Can I park on the street?", "Can I park on the street?"),
    ],
)
def test_the_same_numbers_in_the_same_slots_are_not(query: str, candidate: str) -> None:
    found = NumberGuard().signal(query, candidate)
    assert found is None or found.strength < NumberGuard().cut
