"""How the thing was got or paid, said without a name, is no aside: a channel through an unnamed kind of provider
(:func:`nearhit.cache.constraints.channel_kind`: "through a broker") or a clause opening with the means
(:func:`nearhit.cache.constraints.means`: "by cheque") changes what can be done about it, as a named provider does.
Nor is what the asker means to do next (:func:`nearhit.cache.clause.tells_plan`: "we're planning to let it out").
Invented conversations, other words than the dev sets'. Real Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, clause, constraints
from tests.support.lookups import Turns, ask

FLIGHTS: Turns = [
    ("user", "I booked two return flights to Lisbon in March and the airline has just cancelled them."),
    ("assistant", "That's frustrating, cancellations are common this spring."),
]
FLIGHTS_BROKER: Turns = [
    (
        "user",
        "I booked two return flights to Lisbon in March through a broker and the airline has just cancelled them.",
    ),
    ("assistant", "That's frustrating, cancellations are common this spring."),
]
REFUND = "Who do I ask for the refund?"

SOFA: Turns = [
    ("user", "I paid a shop £900 for a sofa that never arrived and they've stopped replying to emails."),
    ("assistant", "That's a lot of money to be left waiting on."),
]
SOFA_CHEQUE: Turns = [
    ("user", "I paid a shop £900 for a sofa that never arrived, by cheque, and they've stopped replying to emails."),
    ("assistant", "That's a lot of money to be left waiting on."),
]
BACK = "How do I get my money back?"

FLAT: Turns = [
    ("user", "We've paid off most of the mortgage on our flat and have some savings put aside."),
    ("assistant", "That puts you in a strong position."),
]
FLAT_PLAN: Turns = [
    (
        "user",
        "We've paid off most of the mortgage on our flat and have some savings put aside, and we're planning to sell"
        " up and move abroad.",
    ),
    ("assistant", "That puts you in a strong position."),
]
OVERPAY = "Should we overpay the rest now?"


@pytest.mark.parametrize(
    ("stored", "asked", "question"),
    [(FLIGHTS, FLIGHTS_BROKER, REFUND), (SOFA, SOFA_CHEQUE, BACK), (FLAT, FLAT_PLAN, OVERPAY)],
    ids=["through-a-kind", "by-means", "plan"],
)
async def test_how_the_thing_was_got_or_paid_or_a_plan_is_not_served(
    cache: SemanticCache, stored: Turns, asked: Turns, question: str
) -> None:
    await cache.store(ask(cache, stored, question), "the stored answer")
    result = await cache.lookup(ask(cache, asked, question))
    assert not result.hit, result.candidates


@pytest.mark.parametrize(
    ("span", "kind"),
    [
        ("through a reseller", "through a reseller"),
        ("via an installer", "via an installer"),
        ("halfway through a lecture", None),
        ("we went through a lot", None),
        ("through my window", None),
    ],
)
def test_channel_kind_reads_an_unnamed_kind_of_provider(span: str, kind: str | None) -> None:
    assert constraints.channel_kind(span) == kind


@pytest.mark.parametrize(
    ("span", "found"),
    [
        ("by cheque last month", "by cheque"),
        ("by courier", "by courier"),
        ("by the canal", None),
        ("by far the cheapest", None),
        ("sued by his landlord", None),
    ],
)
def test_means_reads_a_clause_opening_with_by_and_a_bare_noun(span: str, found: str | None) -> None:
    assert constraints.means(span) == found


@pytest.mark.parametrize(
    ("span", "plan"),
    [
        ("and we're hoping to move abroad", True),
        ("i'd like to add a loft room", True),
        ("I am about to start a new job", True),
        ("i'm going to my sister's wedding in june", False),
        ("we like to walk the dog there", False),
    ],
)
def test_tells_plan_reads_what_the_asker_means_to_do(span: str, plan: bool) -> None:
    assert clause.tells_plan(span) is plan
