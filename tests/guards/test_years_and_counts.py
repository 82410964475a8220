"""Years and counts written short are read whole: "'67" is 1967, "the seventies" and "the 90s" are decades,
"24/25" is the 2024/25 season, "a couple of" is 2, and "2 molars" are teeth, not a concentration. Invented pairs,
the real embedded Redis and the local embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.guards import GuardSet, NumberGuard
from nearhit.guards.content import content_words
from nearhit.guards.quantities import quantities
from nearhit.guards.text import analyse

SCOPE = Scope.build(model="gpt-4o", tenant="years-and-counts")


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Which songs topped the charts in '67?", "Which songs topped the charts in 1967?"),
        ("What cars were popular back in '98?", "What cars were popular in 1998?"),
        ("Is an '05 Civic worth buying?", "Is a 2005 Civic worth buying?"),
        ("What did people wear in the seventies?", "What did people wear in the 1970s?"),
        ("What did people wear in the 70s?", "What did people wear in the 1970s?"),
        ("What did people wear in the late '90s?", "What did people wear in the late 1990s?"),
        ("When do the fixtures for 24/25 come out?", "When do the fixtures for 2024/25 come out?"),
        ("Can I boil a couple of eggs at once?", "Can I boil 2 eggs at once?"),
        ("Can I boil a couple of eggs at once?", "Can I boil some eggs at once?"),
    ],
)
def test_one_year_or_count_written_two_ways_agrees(query: str, candidate: str) -> None:
    assert NumberGuard().signal(query, candidate) is None
    assert NumberGuard().signal(candidate, query) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Which songs topped the charts in '67?", "Which songs topped the charts in '68?"),
        ("Which songs topped the charts in '67?", "Which songs topped the charts in 2067?"),
        ("What did people wear in the seventies?", "What did people wear in the eighties?"),
        ("What did people wear in the 90s?", "What did people wear in the 80s?"),
        ("When do the fixtures for 24/25 come out?", "When do the fixtures for 23/24 come out?"),
        ("Can I boil a couple of eggs at once?", "Can I boil 3 eggs at once?"),
    ],
)
def test_another_year_or_count_still_differs(query: str, candidate: str) -> None:
    found = NumberGuard().signal(query, candidate)
    assert found is not None and found.strength == 1.0


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("my dad is in his seventies", ("seventies",)),  # an age, not a decade
        ("created_at > now() - interval '30 days'", ("30", "days")),  # quoted, before a unit
        ("dates stored as strings like '03/12/2024'", ("03", "12", "2024")),  # a date's day
        ("the meeting is on 12/13", ("12", "13")),  # could be a date: as written
        ("rock 'n' roll", ("rock", "n", "roll")),
    ],
)
def test_what_is_no_year_stays_as_written(text: str, tokens: tuple[str, ...]) -> None:
    assert analyse(text).tokens[-len(tokens) :] == tokens


def test_a_couple_of_is_a_number_and_no_subject_word() -> None:
    assert "coupl" not in content_words(analyse("Can I boil a couple of eggs at once?"))
    assert GuardSet.default().signals("Can I boil a couple of eggs at once?", "Can I boil 2 eggs at once?") == []


def test_molars_are_teeth_and_molar_is_a_concentration() -> None:
    (teeth,) = quantities(analyse("My son has 2 molars coming in").tokens)
    (solution,) = quantities(analyse("How do I make a 2 molar NaCl solution?").tokens)
    assert (teeth.dimension, solution.dimension) == (None, "concentration")


async def test_the_cache_serves_a_short_year_and_refuses_another(cache: SemanticCache) -> None:
    cache.guards = GuardSet.default()
    await cache.store("Which songs topped the charts in 1967?", "The Beatles and The Monkees, among others.", SCOPE)
    served = await cache.lookup("Which songs topped the charts in '67?", SCOPE, threshold=0.8)
    assert served.match == "semantic", served.candidates
    refused = await cache.lookup("Which songs topped the charts in '68?", SCOPE, threshold=0.8)
    assert refused.match is None, refused.candidates
