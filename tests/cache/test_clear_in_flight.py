"""A clear wins over the answers still being generated: a miss that began before it stores nothing after it."""

from __future__ import annotations

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.admin import CLEARS_KEPT_S
from nearhit.cache.lookup import Lookup
from nearhit.errors import StoreCleared

ACME = Scope.build(model="gpt-4o", tenant="acme")
GLOBEX = Scope.build(model="gpt-4o", tenant="globex")
QUESTION = "How long does a passport renewal take?"
ANSWER = "About six weeks."


async def _missed(cache: SemanticCache, scope: Scope = ACME) -> Lookup:
    query = cache.prepare(QUESTION, scope)
    assert not (await cache.lookup(query)).hit
    return query


@pytest.mark.parametrize(
    "clear",
    [{}, {"tenant": "acme"}, {"scope": ACME}, {"prompt_pattern": "*passport*"}],
    ids=["all", "tenant", "scope", "pattern"],
)
async def test_a_clear_during_generation_drops_the_answer(cache: SemanticCache, clear: dict[str, object]) -> None:
    query = await _missed(cache)
    await cache.clear(**clear)  # type: ignore[arg-type]
    with pytest.raises(StoreCleared):
        await cache.store(query, ANSWER)
    assert not (await cache.lookup(QUESTION, ACME)).hit
    assert (await cache.stats()).counters["stores_cleared"] == 1


async def test_another_tenants_clear_keeps_the_answer(cache: SemanticCache) -> None:
    query = await _missed(cache)
    await cache.clear(tenant="globex")
    # Kept a day after the last clear: the counts of tenants cleared once do not pile up.
    assert 0 < await cache.redis.ttl(cache.keys.tenant_clears("globex")) <= CLEARS_KEPT_S
    await cache.store(query, ANSWER)
    assert (await cache.lookup(QUESTION, ACME)).match == "exact"
    counters = (await cache.stats()).counters
    assert counters["stores"] == 1 and counters["stores_cleared"] == 0


async def test_a_miss_after_the_clear_stores(cache: SemanticCache) -> None:
    await cache.clear()
    await cache.store(await _missed(cache), ANSWER)
    assert (await cache.lookup(QUESTION, ACME)).match == "exact"


async def test_an_unreadable_count_stores_the_answer(cache: SemanticCache) -> None:
    """Another client's key of another type where the count is: the lookup works, the answer is not lost."""
    await cache.redis.hset(cache.keys.tenant_clears("acme"), "x", "1")
    try:
        query = await _missed(cache)
        assert query.clears is None
        await cache.store(query, ANSWER)
        assert (await cache.lookup(QUESTION, ACME)).match == "exact"
        query = cache.prepare("How long is a passport valid?", ACME)
        assert not (await cache.lookup(query)).hit and query.clears is None
        await cache.clear(tenant="acme")  # it still counts, the other client's value replaced
        assert await cache.redis.get(cache.keys.tenant_clears("acme")) in (b"1", "1")
        assert not (await cache.lookup(QUESTION, ACME)).hit
    finally:
        await cache.redis.delete(cache.keys.tenant_clears("acme"))


async def test_counts_from_before_a_clear_stay_cleared(cache: SemanticCache) -> None:
    """A full clear deletes the counters: those still waiting for their flush (once a second) must not write
    them back after it, nor a flush already under way."""
    await _missed(cache)
    cache._count("misses")  # one more, its flush started before the clear
    cache.background.run(cache._flush_counts())
    await _missed(cache)
    await cache.clear()
    await cache.background.drain()
    assert (await cache.stats()).counters["misses"] == 0
