"""Through the cache, on the real embedded Redis: an answer for "5 million dollars" is not served for "5
billion dollars" (the scale word multiplies the number), and is for "five million dollars"."""

from __future__ import annotations

from nearhit.cache import Scope, SemanticCache
from nearhit.guards import GuardSet

SCOPE = Scope.build(model="gpt-4o", tenant="acme")
STORED = "Is 5 million dollars a lot of money to retire on?"


async def test_a_million_is_not_served_for_a_billion(cache: SemanticCache) -> None:
    cache.guards = GuardSet.default()
    await cache.store(STORED, "It is enough for most people to retire comfortably.", SCOPE)
    refused = await cache.lookup("Is 5 billion dollars a lot of money to retire on?", SCOPE, threshold=0.7)
    assert refused.match is None and refused.rejected_by == "numbers"
    served = await cache.lookup("Is five million dollars a lot of money to retire on?", SCOPE, threshold=0.7)
    assert served.match == "semantic"
