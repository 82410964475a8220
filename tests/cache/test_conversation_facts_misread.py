"""What the fact checks read as another fact of a story told again, and is none: a name one side writes where its case
reads as no name (a sentence's first word), a runner's "18k" for "18 km", "second-hand", a number said once more, a
day and the weekend that holds it, a number that is part of a table's name, a far date added in passing. The same
facts worded otherwise are served; another name, distance, count, two days for one weekend, or a near day added,
are not. Invented conversations
(``data/conversation_facts_misread.jsonl``), each ``a`` stored and its ``b`` looked up through the engine on the
real embedded Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.conversation import Context, differs
from nearhit.evaluation.dataset import Pair, load_jsonl
from tests.support.lookups import stored_then_asked

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_facts_misread.jsonl")


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_a_fact_written_otherwise_is_the_same_and_another_is_not(cache: SemanticCache, pair: Pair) -> None:
    await stored_then_asked(cache, pair)


def _told(text: str) -> Context:
    return Context((("user", text), ("assistant", "Okay.")))


def test_a_weekend_holds_one_day_told_and_not_two() -> None:
    weekend = _told("Someone dented my car door at the weekend in a car park.")
    saturday = _told("On Saturday someone dented my car door in a car park.")
    assert differs("Should I claim?", saturday, weekend, 0.9) is None
    both = _told("On Saturday and again on Sunday someone dented my car door in a car park.")
    assert "other facts" in (differs("Should I claim?", both, weekend, 0.9) or "")
    assert "other facts" in (differs("Should I claim?", _told("Last Monday someone dented it."), weekend, 0.9) or "")


def test_an_ordinal_is_still_a_fact_outside_the_idiom() -> None:
    lathe = _told("I bought a lathe and the chuck won't spin.")
    assert (
        differs("Is it the motor?", _told("I bought a second-hand lathe and the chuck won't spin."), lathe, 0.9) is None
    )
    second = _told("I bought a second lathe and the chuck won't spin.")
    assert "other facts" in (differs("Is it the motor?", second, lathe, 0.9) or "")


def test_a_far_date_added_in_passing_is_no_fact_and_a_near_day_is() -> None:
    booked = "My cat is booked in for a dental clean tomorrow morning."
    plain = _told(booked)
    adopted = _told(f"{booked} We adopted her last year from a shelter.")
    assert differs("Should she fast beforehand?", adopted, plain, 0.9) is None
    jabbed = _told(f"{booked} She had a booster jab on Monday as well.")
    assert "other facts" in (differs("Should she fast beforehand?", jabbed, plain, 0.9) or "")
    unwell = _told(f"{booked} She has been off her food since yesterday.")
    assert "other facts" in (differs("Should she fast beforehand?", unwell, plain, 0.9) or "")
