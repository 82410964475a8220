"""``lookup(accept=...)``: a stored answer the caller refuses (too old for its ``max-age``, too long for its
``max_tokens``) is a miss in the result and in the counters, and its TTL is not refreshed as a hit's is."""

from __future__ import annotations

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.results import CachedAnswer

SCOPE = Scope.build(model="gpt-4o", tenant="acme")


def refuse(answer: CachedAnswer) -> tuple[str, str]:
    return "max-age", f"refused {answer.doc_id}"


async def test_a_refused_exact_hit_is_a_miss_everywhere(cache: SemanticCache) -> None:
    cache.ttl_refresh_on_hit = True
    doc_id = await cache.store("What is the capital of France?", "Paris.", SCOPE, ttl=100)
    result = await cache.lookup("What is the capital of France?", SCOPE, accept=refuse)
    assert (result.match, result.answer, result.rejected_by) == (None, None, "max-age")
    assert result.rejection_reason == f"refused {doc_id}"
    taken = await cache.lookup("What is the capital of France?", SCOPE, accept=lambda answer: None)
    assert taken.match == "exact"  # accept returning None takes the answer
    counters = (await cache.stats()).counters
    assert (counters["exact_hits"], counters["misses"], counters["guard_rejections"]) == (1, 1, 0)


async def test_a_refused_semantic_hit_is_a_miss_and_keeps_its_ttl(cache: SemanticCache) -> None:
    cache.ttl_refresh_on_hit = True
    doc_id = await cache.store("What is the capital of France?", "Paris.", SCOPE, ttl=100)
    await cache.redis.expire(doc_id, 50)
    result = await cache.lookup("What's the capital city of France?", SCOPE, threshold=0.8, accept=refuse)
    assert result.match is None and result.rejected_by == "max-age" and result.similarity is not None
    counters = (await cache.stats()).counters
    assert (counters["semantic_hits"], counters["misses"]) == (0, 1)
    await cache.background.drain()
    assert await cache.redis.ttl(doc_id) <= 50  # not refreshed to 100 as a hit would be
