"""Expired entries that Redis has not deleted yet: the index still lists them, their fields read back nil.
An expired candidate is simply not a candidate: every path skips it, none raises.

See :mod:`tests.support.expiry` for how that state is held still long enough to be read deterministically.
"""

from __future__ import annotations

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import knn_query, run_knn
from nearhit.cache.keys import normalise
from tests.support.expiry import expired_but_listed

SCOPE = Scope.build(model="gpt-4o", tenant="acme")
QUESTIONS = [
    "What is the capital of France?",
    "Which city is the capital of France?",
    "Name the capital city of France.",
]


async def store_all(cache: SemanticCache) -> list[str]:
    return [await cache.store(q, f"Answer {i}: Paris.", SCOPE) for i, q in enumerate(QUESTIONS)]


async def test_run_knn_drops_rows_whose_key_expired(cache: SemanticCache) -> None:
    keys = await store_all(cache)
    vector = (await cache.embedder.embed([normalise(QUESTIONS[0])]))[0]
    query = knn_query(vector.tobytes(), k=3, filter_expression=None, spec=cache.spec)
    async with expired_but_listed(cache.redis, keys[:2]):
        listed = await cache.redis.execute_command("FT.SEARCH", cache.spec.name, "*", "NOCONTENT")
        assert listed[0] == 3  # the index still lists the expired keys: the state under test
        rows = await run_knn(cache.redis, cache.spec.name, query)
    assert [key for key, _ in rows] == keys[2:]


async def test_semantic_lookup_skips_expired_candidates(cache: SemanticCache) -> None:
    keys = await store_all(cache)
    async with expired_but_listed(cache.redis, keys):
        result = await cache.lookup("Tell me the capital of France", SCOPE, threshold=0.5)
    assert result.match is None and result.answer is None
    assert result.candidates == []


async def test_semantic_lookup_serves_a_live_neighbour_behind_expired_ones(cache: SemanticCache) -> None:
    keys = await store_all(cache)
    async with expired_but_listed(cache.redis, keys[:2]):
        result = await cache.lookup("Tell me the capital of France", SCOPE, threshold=0.5)
    assert result.match == "semantic"
    assert result.answer is not None and result.answer.doc_id == keys[2]
    assert [c.doc_id for c in result.candidates] == [keys[2]]


async def test_exact_lookup_of_an_expired_key_is_a_miss(cache: SemanticCache) -> None:
    keys = await store_all(cache)
    async with expired_but_listed(cache.redis, keys):
        result = await cache.lookup(QUESTIONS[0], SCOPE)
    assert result.match is None and result.answer is None


async def test_search_skips_expired_entries(cache: SemanticCache) -> None:
    keys = await store_all(cache)
    async with expired_but_listed(cache.redis, keys[1:]):
        hits = await cache.search(text=QUESTIONS[0], top_k=5)
    assert [hit.doc_id for hit in hits] == keys[:1]
    assert hits[0].response == "Answer 0: Paris."


async def test_clear_by_tenant_with_expired_entries(cache: SemanticCache) -> None:
    keys = await store_all(cache)
    # the pause is short: the clear's search runs inside it, its deletes wait until it ends
    async with expired_but_listed(cache.redis, keys[:2], pause_ms=300):
        deleted = await cache.clear(tenant="acme")
    assert deleted == 1  # only the live entry counts; the expired ones were gone already
    assert await cache.clear(tenant="acme") == 0
    assert (await cache.stats()).entries == 0


async def test_an_expired_stored_embedding_is_embedded_afresh(cache: SemanticCache) -> None:
    await store_all(cache)
    paraphrase = "Tell me the capital of France"
    await cache.lookup(paraphrase, SCOPE, threshold=0.5)
    await cache.background.drain()
    misses = cache.embeddings.misses
    async with expired_but_listed(cache.redis, [cache.embeddings.key_for(normalise(paraphrase), SCOPE.tenant)]):
        result = await cache.lookup(paraphrase, SCOPE, threshold=0.5)
    assert result.match == "semantic"
    assert cache.embeddings.misses == misses + 1
