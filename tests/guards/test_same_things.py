"""One thing named two ways (``guards/data/same_things.txt``: a medicine's generic and brand names, a product and
what it is) is no other subject for the entity guard; two things of a group's kind still are (invented
questions, not the dev sets')."""

from __future__ import annotations

import pytest

from nearhit.guards import GuardSet
from nearhit.guards.entities import EntityGuard


@pytest.mark.parametrize(
    ("query", "cached"),
    [
        ("Is acetaminophen safe to take while breastfeeding?", "Is paracetamol safe to take while breastfeeding?"),
        ("How many Tylenol can I take in a day?", "How many acetaminophen can I take in a day?"),
        ("Should I rub Vaseline on chapped lips?", "Should I rub petroleum jelly on chapped lips?"),
        ("Does albuterol raise your heart rate?", "Does salbutamol raise your heart rate?"),
    ],
)
def test_one_thing_named_two_ways_is_one_subject(query: str, cached: str) -> None:
    assert EntityGuard().signal(query, cached) is None
    assert GuardSet.default().first_rejection(query, cached, 0.9) is None


@pytest.mark.parametrize(
    ("query", "cached"),
    [
        ("Is ibuprofen safe to take while breastfeeding?", "Is paracetamol safe to take while breastfeeding?"),
        ("How many Tylenol can I take in a day?", "How many Advil can I take in a day?"),
        ("Can I take acetaminophen with ibuprofen?", "Can I take paracetamol with aspirin?"),  # one of two swapped
        ("Should I rub Vaseline on chapped lips?", "Should I rub coconut oil on chapped lips?"),
    ],
)
def test_two_things_still_differ(query: str, cached: str) -> None:
    assert GuardSet.default().first_rejection(query, cached, 0.9) is not None
