"""A comparison is not a ranking: "closer to the Sun than Earth" compares two things, "the closest to the Sun"
ranks all of them; and the two things one comparative compares, exchanged around "than", ask the opposite."""

from __future__ import annotations

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.decision import Decision
from nearhit.guards import DirectionGuard, GuardSet, ScopeGuard
from nearhit.guards.degrees import compared, degree_changed, superlatives, than_swapped
from nearhit.guards.text import analyse

SCOPE = Scope.build(model="gpt-4o", tenant="comparisons")


def _tokens(text: str) -> tuple[str, ...]:
    return analyse(text).tokens


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Which planets are closer to the Sun than Earth?", "Which planet is closest to the Sun?"),
        (
            "Does espresso have the most caffeine of any coffee drink?",
            "Does espresso have more caffeine than drip coffee?",
        ),
        ("Is us-east-1 cheaper than eu-west-1 for EC2?", "Which AWS region is the cheapest for EC2?"),
        ("Is Rust the fastest programming language?", "Is Rust faster than Go?"),
        ("Is Python better than Java for beginners?", "What is the best language for beginners?"),
        ("Which phone has the most expensive repairs?", "Does the Pixel have more expensive repairs than the iPhone?"),
    ],
)
def test_a_comparison_against_a_ranking_is_refused(query: str, candidate: str) -> None:
    verdict = ScopeGuard().check(query, candidate)
    assert verdict is not None and "comparative vs superlative" in verdict.reason, verdict
    assert GuardSet.default().first_rejection(query, candidate) is not None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Which is best, tea or coffee?", "Which is better, tea or coffee?"),  # a superlative among two offered
        ("What's the fastest way to speed up my laptop?", "How do I make my laptop faster?"),  # a change, no rival
        ("Is Rust faster than Go?", "Is Rust quicker than Go?"),
        ("Which river is the longest in Africa?", "What's the longest river in Africa?"),
    ],
)
def test_the_same_degree_or_no_rival_is_read_as_no_change(query: str, candidate: str) -> None:
    assert degree_changed(_tokens(query), _tokens(candidate)) is None


def test_a_comparative_compares_only_with_a_rival() -> None:
    assert compared(_tokens("Is the Nile longer than the Amazon?")) == superlatives(_tokens("the longest river"))
    assert compared(_tokens("Which is cheaper, Mint or Visible?"))
    assert not compared(_tokens("How do I make my code run faster?"))
    assert not compared(_tokens("Is a server with more memory worth it?"))


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Is Go faster than Rust?", "Is Rust faster than Go?"),
        ("Does a cappuccino have more caffeine than a latte?", "Does a latte have more caffeine than a cappuccino?"),
        ("Is Cambridge older than Oxford?", "Is Oxford older than Cambridge?"),
    ],
)
def test_the_two_things_compared_exchanged_are_refused(query: str, candidate: str) -> None:
    verdict = DirectionGuard().check(query, candidate)
    assert verdict is not None and "compared the other way round" in verdict.reason, verdict
    assert GuardSet.default().first_rejection(query, candidate) is not None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Is Go slower than Rust?", "Is Rust faster than Go?"),  # the other comparative says the same swapped
        ("Is Rust faster than Go?", "Is Rust faster than Go for web servers?"),
        ("Is Rust faster than C?", "Is Rust faster than Go?"),  # another rival: the entity guard's to read
    ],
)
def test_than_swapped_reads_only_the_same_comparative_exchanged(query: str, candidate: str) -> None:
    assert than_swapped(_tokens(query), _tokens(candidate)) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("What is the second largest country in Africa?", "What is the largest country in Africa?"),
        ("What's the third tallest building in the world?", "What's the second tallest building in the world?"),
    ],
)
def test_an_ordinal_before_a_superlative_is_refused(query: str, candidate: str) -> None:
    verdict = GuardSet.default().first_rejection(query, candidate)
    assert verdict is not None and verdict.guard == "numbers", verdict


async def test_the_cache_does_not_serve_a_ranking_to_a_comparison(cache: SemanticCache) -> None:
    cache.guards = GuardSet.default()
    cache.decision = Decision(cache.guards)  # the default judge: the calibrated decision, the guards' vetoes in it
    await cache.store("Which planet is closest to the Sun?", "Mercury.", SCOPE)
    result = await cache.lookup("Which planets are closer to the Sun than Earth?", SCOPE)
    assert result.match is None
    assert result.similarity is not None and result.similarity >= cache.threshold  # the embedder alone would serve it
    assert result.rejected_by == "scope"
    assert (await cache.lookup("Which planet is the closest one to the Sun?", SCOPE)).match == "semantic"
