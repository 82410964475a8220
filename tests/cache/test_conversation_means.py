"""How the thing was got or paid, said without a name, is no aside: a channel through an unnamed kind of provider
(:func:`nearhit.cache.constraints.channel_kind`: "through a broker") or a clause opening with the means
(:func:`nearhit.cache.constraints.means`: "by cheque") changes what can be done about it, as a named provider does.
Invented conversations, other words than the dev sets'. Real Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, constraints
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


@pytest.mark.parametrize(
    ("stored", "asked", "question"),
    [(FLIGHTS, FLIGHTS_BROKER, REFUND), (SOFA, SOFA_CHEQUE, BACK)],
    ids=["through-a-kind", "by-means"],
)
async def test_how_the_thing_was_got_or_paid_unnamed_is_not_served(
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
