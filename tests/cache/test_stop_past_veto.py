"""The default (guards as vetoes) serves nothing farther than a candidate a guard vetoes, on the real embedded
Redis (``choose.by_guards``, tenth session): the veto read the slot the query changed in the nearest cached
question; a farther one, above the threshold too, shares the topic and asks another thing. Before, the cache
served "Which fruits naturally contain sugar?" to "Which fruit has the least sugar?" once "... the most
sugar?" was vetoed. A farther one is still served when the nearest is under the threshold, not vetoed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.decision.choice import NEAREST_ONLY
from nearhit.guards import GuardSet

SCOPE = Scope.build(tenant="stop-past-veto")
QUERY = "Which fruit has the least sugar?"
LOOK_ALIKE = "Which fruit has the most sugar?"  # nearest (~0.90), vetoed: 'least' vs 'most'
TOPIC = "Which fruits naturally contain sugar?"  # farther (~0.79), above the default threshold, no guard reads it


@pytest.fixture
async def guarded(cache: SemanticCache) -> AsyncIterator[SemanticCache]:
    cache.guards = GuardSet.default()
    yield cache
    cache.guards = None


async def test_nothing_farther_than_a_vetoed_candidate_is_served(guarded: SemanticCache) -> None:
    await guarded.store(LOOK_ALIKE, "Mangoes and grapes.", SCOPE)
    await guarded.store(TOPIC, "Almost all of them.", SCOPE)
    result = await guarded.lookup(QUERY, SCOPE)
    assert result.match is None and result.answer is None
    assert (result.rejected_by, result.similarity) == ("negation", result.candidates[0].similarity)
    nearest, farther = result.candidates[:2]
    assert (nearest.prompt, nearest.outcome, nearest.guard) == (LOOK_ALIKE, "rejected_by_guard", "negation")
    assert (farther.prompt, farther.outcome, farther.reason) == (TOPIC, "rejected_by_guard", NEAREST_ONLY)
    assert farther.similarity >= result.threshold  # what makes the case: it would pass on its own
    alone = Scope.build(tenant="stop-past-veto-alone")
    await guarded.store(TOPIC, "Almost all of them.", alone)
    served = await guarded.lookup(QUERY, alone)
    assert served.match == "semantic"  # on its own, without the vetoed look-alike, it is served
