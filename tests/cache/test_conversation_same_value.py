"""One quantity told in other words is one fact of the story: "an hour" / "60 minutes", "a fortnight" / "2 weeks",
"twenty grand" / "£20k", "both of us" / "two of us". Another value in other words ("an hour" / "90 minutes", "a
fortnight" / "3 weeks", "twenty grand" / "£25k", "both" / "three") is another fact. Invented conversations
(``data/conversation_same_value.jsonl``, none of the dev sets' words), each ``a`` stored and its ``b`` looked up
through the engine on the real embedded Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.conversation import Context, differs
from nearhit.evaluation.dataset import Pair, load_jsonl
from nearhit.guards.quantities import quantities
from tests.support.lookups import stored_then_asked

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_same_value.jsonl")


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_one_value_in_other_words_is_the_same_fact_and_another_value_is_not(
    cache: SemanticCache, pair: Pair
) -> None:
    await stored_then_asked(cache, pair)


def _told(user: str) -> Context:
    return Context((("user", user), ("assistant", "Noted.")))


def test_a_both_the_side_with_the_number_says_too_counts_nothing_else() -> None:
    """Each side's "both" matches the other's first: only a "both" more than the numbered side says is its two."""
    question = "Which rack should we buy?"
    two = _told("Both of us cycle to work and we have two bikes to store.")
    assert "other facts" in (
        differs(question, two, _told("Both of us cycle to work and we have bikes to store."), 0.9) or ""
    )
    assert differs(question, _told("Two of us cycle to work."), _told("Both of us cycle to work."), 0.9) is None


def test_a_unit_after_an_article_is_no_number_of_its_own() -> None:
    """ "a week" on one side only states nothing: the guards read it only to match a count."""
    question = "What should I pack?"
    assert differs(question, _told("Off to Lisbon for a week."), _told("Off to Lisbon."), 0.9) is None
    assert differs(question, _told("Off to Lisbon for a week."), _told("Off to Lisbon for 7 nights."), 0.9) is None


def test_grand_after_a_number_word_counts_thousands() -> None:
    assert [q.value for q in quantities(("twenty", "grand", "saved"))] == [20_000.0]
    assert [q.value for q in quantities(("the", "grand", "canyon"))] == []


def test_a_number_per_a_unit_after_a_slash_is_counted_per_it() -> None:
    """ "10k/yr" is 10,000 a year, not 10,000 years: the unit after the slash is what it is counted per."""
    question = "Can I buy extra mileage now?"
    leased = _told("My van lease covers 10,000 miles a year.")
    assert differs(question, _told("van lease, allowance is 10k/yr"), leased, 0.9) is None
    assert "other facts" in (differs(question, _told("van lease, allowance is 12k/yr"), leased, 0.9) or "")
