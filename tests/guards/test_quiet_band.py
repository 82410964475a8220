"""The quiet band: a candidate a little under the threshold is served when no guard reads a difference."""

from __future__ import annotations

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.errors import InvalidInput
from nearhit.guards import GuardSet

SCOPE = Scope.build(model="gpt-4o", tenant="quiet")
STORED = "What should I pack for a beach holiday?"
REWORDED = "Beach trip packing list?"  # similarity about 0.73: under 0.76, over 0.70


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        (REWORDED, STORED),
        ("Ways to handle exam nerves?", "How do I calm down before an exam?"),
        ("Which city is France's capital?", "What is the capital of France?"),
    ],
)
def test_a_rewording_is_quiet(query: str, candidate: str) -> None:
    assert GuardSet.default().quiet(query, candidate)


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How can I spend money on groceries?", "How can I save money on groceries?"),
        ("Why does my dog not bark?", "How do I stop my dog from barking?"),
        ("How do I fix a leaking pipe?", "How do I fix a leaking tap?"),
        ("When did the bridge open?", "When will the bridge open?"),
    ],
)
def test_a_look_alike_is_not_quiet(query: str, candidate: str) -> None:
    assert not GuardSet.default().quiet(query, candidate)


def test_the_margin_is_checked() -> None:
    with pytest.raises(InvalidInput, match="quiet margin"):
        GuardSet.default(quiet_margin=-0.1)


async def test_the_engine_serves_a_quiet_candidate_just_under_the_threshold(cache: SemanticCache) -> None:
    await cache.store(STORED, "Sun cream, a hat, water.", SCOPE)
    assert cache.threshold == 0.76  # the band applies under the cache's own threshold, not under one given per call
    cache.guards = GuardSet.default(quiet_margin=0.06)
    result = await cache.lookup(REWORDED, SCOPE)
    assert result.match == "semantic"
    assert result.similarity is not None and 0.70 <= result.similarity < 0.76

    cache.guards = GuardSet.default(quiet_margin=0.0)
    result = await cache.lookup(REWORDED, SCOPE)
    assert result.match is None and result.candidates[0].outcome == "below_threshold"


async def test_the_band_needs_every_guard_quiet(cache: SemanticCache) -> None:
    await cache.store("Why is the sky blue?", "Rayleigh scattering.", SCOPE)
    cache.guards = GuardSet.default(quiet_margin=0.2)
    query = "What makes the sky look blue?"  # similarity about 0.90; a weak, non-vetoing entities signal
    assert not cache.guards.quiet(query, "Why is the sky blue?")
    result = await cache.lookup(query, SCOPE, threshold=0.95)
    assert result.match is None and result.candidates[0].outcome == "below_threshold"
    assert (await cache.lookup(query, SCOPE, threshold=0.85)).match == "semantic"
