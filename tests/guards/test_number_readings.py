"""What a number counts is read from its neighbours: "k" before a race word is kilometres ("a 10K race" is "a 10 km
race"), a small "m" before a length-like noun is metres ("3.1m ceilings") and before things counted a million ("5m
people"), a capital "M" before a chemical formula or "solution" is molar ("1M NaCl"); "ms" is milliseconds, "1/4
cup" and "¾ cup" are fractions, "twice" is "two times", chat's "what 2 pack" is "to". Invented pairs."""

from __future__ import annotations

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.guards import GuardSet, NumberGuard
from nearhit.guards.quantities import quantities
from nearhit.guards.text import analyse

SCOPE = Scope.build(model="gpt-4o", tenant="number-readings")


@pytest.mark.parametrize(
    ("text", "value", "dimension"),
    [
        ("How long should I train for a 10K race?", 10, "length"),
        ("What pace do I need to run 10k?", 10, "length"),
        ("Is 5k users a lot for a hobby app?", 5_000, None),
        ("Is £20k enough for a house deposit?", 20_000, "gbp"),
        ("Are 3.1m ceilings high enough for a mezzanine?", 3.1, "length"),
        ("Is a city of 5m people big?", 5_000_000, None),
        ("How long does a backup of 50m rows take?", 50_000_000, None),
        ("How do I make 1M NaCl?", 1, "concentration"),
        ("What is the pH of 0.5 M HCl?", 0.5, "concentration"),
        ("How do I dilute a 2M KOH solution?", 2, "concentration"),
        ("How do I make a 1 mM NaCl solution?", 1, "concentration"),
        ("How do I index a table with 50M rows?", 50_000_000, None),
        ("Is 1M USD a lot to retire on?", 1_000_000, "usd"),
        ("Alert when p99 latency is over 500ms", 500, "duration"),
        ("How many tbsp in 1/4 cup?", 0.25, "volume"),
        ("Can I add 1 1/2 cups of flour?", 1.5, "volume"),
        ("Is ¾ cup of sugar too much?", 0.75, "volume"),
        ("Can I withdraw before age 59½?", 59.5, None),
    ],
)
def test_a_number_counts_what_its_neighbours_say(text: str, value: float, dimension: str | None) -> None:
    (found,) = [q for q in quantities(analyse(text).tokens) if q.value != 1 or q.dimension]
    assert (found.value, found.dimension) == (pytest.approx(value), dimension)


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How long should I train for a 10K race?", "How long should I train for a 10 km race?"),
        ("Are 3.1m ceilings high enough for a mezzanine?", "Are 3.1 metre ceilings high enough for a mezzanine?"),
        ("Is a city of 5m people big?", "Is a city of 5 million people big?"),
        ("How do I make a 1M NaCl solution?", "How do I make a 1 molar NaCl solution?"),
        ("Alert when p99 latency is over 500ms", "Alert when p99 latency is over 500 milliseconds"),
        ("How many tablespoons are in a quarter cup?", "how many tbsp in 1/4 cup"),
        ("Why does my effect run twice in dev?", "Why does my effect run two times in dev?"),
        ("What should I pack for a camping trip?", "camping trip, what 2 pack?"),
        ("When should I use an actor?", "when 2 use an actor?"),
    ],
)
def test_one_amount_read_two_ways_agrees(query: str, candidate: str) -> None:
    assert NumberGuard().signal(query, candidate) is None
    assert NumberGuard().signal(candidate, query) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How long should I train for a 10K race?", "How long should I train for a 10 mile race?"),
        ("Are 3.1m ceilings high enough for a mezzanine?", "Are 2.4m ceilings high enough for a mezzanine?"),
        ("Is a city of 5m people big?", "Is a city of 5 people big?"),
        ("How do I make a 1 M NaCl solution?", "How do I make a 1 mM NaCl solution?"),
        ("What is the pH of 0.01 M HCl?", "What is the pH of 0.01 mM HCl?"),
        ("How many tbsp in 1/4 cup?", "How many tbsp in 3/4 cup?"),
        ("Why does my effect run twice in dev?", "Why does my effect run three times in dev?"),
        ("Should I water tomatoes twice a day?", "Should I water tomatoes 3 times a day?"),
    ],
)
def test_another_amount_still_differs(query: str, candidate: str) -> None:
    assert GuardSet.default().first_rejection(query, candidate, 0.95) is not None
    found = NumberGuard().signal(query, candidate)
    assert found is not None and found.strength == 1.0


@pytest.mark.parametrize("text", ["Is 1M USD a lot to retire on?", "Is the Ortofon 2M Red worth it?"])
def test_a_capital_m_before_no_formula_is_a_million(text: str) -> None:
    tokens = analyse(text).tokens
    assert "million" in tokens and "molar" not in tokens


@pytest.mark.parametrize(
    "text",
    ["in godot 2 my function never fires", "which 2 teams won?", "what 2 big teams won?", "i want 2 external monitors"],
)
def test_a_2_after_no_question_word_or_before_a_plural_stays_a_number(text: str) -> None:
    assert "2" in analyse(text).tokens


async def test_the_cache_serves_an_amount_read_the_same_and_refuses_another(cache: SemanticCache) -> None:
    cache.guards = GuardSet.default()
    await cache.store("Is a city of 5m people big?", "It is a large city.", SCOPE)
    await cache.store("How do I make a 1M NaCl solution?", "Dissolve 58.44 g in water to 1 litre.", SCOPE)
    served = await cache.lookup("Is a city of 5 million people big?", SCOPE, threshold=0.8)
    assert served.match == "semantic"
    served = await cache.lookup("How do I make a 1 molar NaCl solution?", SCOPE, threshold=0.8)
    assert served.match == "semantic"
    refused = await cache.lookup("How do I make a 1 mM NaCl solution?", SCOPE, threshold=0.8)
    assert refused.match is None


def test_a_minus_sign_before_a_number_is_its_sign() -> None:
    """ "-5C" is below zero and "5C" above it; a hyphen inside a name or a range ("COVID-19", "3-5") is no sign."""

    def values(text: str) -> list[float]:
        return [q.value for q in quantities(analyse(text).tokens)]

    assert values("the bag is rated to -5C") == [-5.0]
    assert values("the bag is rated to 5C") == [5.0]
    assert values("COVID-19 for 3-5 days") == [19.0, 3.0, 5.0]
