"""A "my" before a person noun names that person, not the asker: read only where the two questions say the same
thing but for whom (invented questions, other words than the dev sets')."""

from __future__ import annotations

import pytest

from nearhit.cache import conversation as cv
from nearhit.cache.persons import other_person


@pytest.mark.parametrize(
    ("question", "cached"),
    [
        ("Does my husband need a work permit?", "Do I need a work permit?"),
        ("can my flatmate claim the rebate?", "can my landlord claim the rebate?"),
        ("Does my older brother need a work permit?", "Do I need a work permit?"),  # a modifier between
        ("can my 9-year-old niece fly alone?", "can I fly alone?"),
        ("can my 9 yr old niece fly alone?", "can my 9 yr old nephew fly alone?"),
        ("Does my wife's dad need a work permit?", "Does my wife need a work permit?"),  # a person's person
        ("Does my wife's dad need a work permit?", "Does my dad need a work permit?"),
    ],
)
def test_my_person_is_another_person(question: str, cached: str) -> None:
    assert other_person(question, cached) is not None
    assert cv.other_referent(question, cached) is not None


@pytest.mark.parametrize(
    ("question", "cached"),
    [
        ("Does my laptop need a new charger?", "Do I need a new charger?"),  # a thing, not a person
        ("can my friend's card be used abroad?", "can her card be used abroad?"),  # the pronoun of the other
        ("is my landlord liable for the boiler?", "how do I reset the boiler?"),  # another question besides
        ("can my 9-year-old niece fly alone?", "can my niece fly alone?"),  # the same person, told older
        ("Does my older brother need a permit?", "Does my younger brother need a permit?"),  # left to other checks
        ("Does my old laptop need a new charger?", "Do I need a new charger?"),  # a thing after the modifier
    ],
)
def test_no_other_person(question: str, cached: str) -> None:
    assert other_person(question, cached) is None
