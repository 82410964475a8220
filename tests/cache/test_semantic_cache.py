"""The engine against the real embedded Redis and the real local embedder."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from redis.asyncio import Redis

from nearhit import redis_server
from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import IndexSpec, drop_index, ensure_index, index_info
from nearhit.config import Settings
from nearhit.embeddings.base import Vectors
from nearhit.embeddings.local import LocalEmbedder
from nearhit.errors import IndexMismatch, InvalidInput, RedisUnavailable
from nearhit.guards import GuardSet
from nearhit.service import bootstrap
from tests.support.ports import free_port
from tests.support.waiting import eventually, eventually_sync

SCOPE = Scope.build(model="gpt-4o", tenant="acme")
QUESTION = "What is the capital of France?"
ANSWER = "The capital of France is Paris."


async def test_exact_hit_after_normalisation(cache: SemanticCache) -> None:
    await cache.store(QUESTION, ANSWER, SCOPE, prompt_tokens=7, completion_tokens=8)
    result = await cache.lookup("  what IS the capital of   france ", SCOPE)
    assert result.match == "exact"
    assert result.answer is not None and result.answer.response == ANSWER
    assert result.answer.prompt_tokens == 7 and result.answer.completion_tokens == 8
    assert result.similarity == 1.0
    assert "embed" not in result.timings_ms  # the exact path never embeds


async def test_bits_and_bytes_never_meet_on_the_exact_path(cache: SemanticCache) -> None:
    cache.guards = GuardSet.default()
    await cache.store("How long does a 2 GB download take at 50 Mbps?", "About 5.3 minutes.", SCOPE)
    result = await cache.lookup("How long does a 2 GB download take at 50 MBps?", SCOPE)
    assert result.match is None and result.rejected_by == "numbers"  # case-folded, the two were one key
    assert (await cache.lookup("how long does a 2 GB download take at 50 mbps", SCOPE)).match == "exact"


async def test_semantic_hit_for_a_paraphrase(cache: SemanticCache) -> None:
    await cache.store(QUESTION, ANSWER, SCOPE)
    result = await cache.lookup("Which city is France's capital?", SCOPE, threshold=0.75)
    assert result.match == "semantic"
    assert result.similarity is not None and 0.75 <= result.similarity < 1.0
    assert result.distance == pytest.approx(1 - result.similarity)
    assert result.answer is not None and result.answer.response == ANSWER
    assert result.query is not None and "@scope:{" + SCOPE.id + "}" in result.query["query"]
    assert result.embedding is not None and len(result.embedding) == 384
    assert {"exact", "embed", "knn", "guards", "total"} <= set(result.timings_ms)


async def test_a_short_form_is_embedded_as_what_it_stands_for(cache: SemanticCache) -> None:
    await cache.store("How do I reset my account password?", ANSWER, SCOPE)
    result = await cache.lookup("how do i reset my acct pwd", SCOPE)
    assert result.match == "semantic"  # not exact: the key keeps the text as written
    assert result.similarity is not None and result.similarity > 0.999


async def test_miss_for_an_unrelated_question(cache: SemanticCache) -> None:
    await cache.store(QUESTION, ANSWER, SCOPE)
    result = await cache.lookup("How do I bake sourdough bread?", SCOPE)
    assert result.match is None and result.answer is None
    assert result.candidates and result.candidates[0].outcome == "below_threshold"


@pytest.mark.parametrize(
    "other",
    [
        Scope.build(model="gpt-4o", tenant="globex"),
        Scope.build(model="gpt-4o-mini", tenant="acme"),
        Scope.build(model="gpt-4o", tenant="acme", system_prompt="Answer in French."),
        Scope.build(model="gpt-4o", tenant="acme", history=[("user", "Tell me about Germany")]),
    ],
    ids=["tenant", "model", "system-prompt", "conversation"],
)
async def test_scope_isolation_on_both_paths(cache: SemanticCache, other: Scope) -> None:
    await cache.store(QUESTION, ANSWER, SCOPE)
    assert (await cache.lookup(QUESTION, other)).match is None  # exact path
    assert (await cache.lookup("Which city is France's capital?", other, threshold=0.5)).match is None
    assert (await cache.lookup(QUESTION, SCOPE)).match == "exact"


async def test_ttl_expiry(cache: SemanticCache) -> None:
    await cache.store(QUESTION, ANSWER, SCOPE, ttl=1)
    assert (await cache.lookup(QUESTION, SCOPE)).hit

    async def expired() -> bool:  # the 1 s TTL passing is what is tested
        return not (await cache.lookup(QUESTION, SCOPE)).hit

    await eventually(expired, timeout=3, interval=0.1)


async def test_default_ttl_and_no_refresh_on_hit(cache: SemanticCache) -> None:
    cache.default_ttl = 100
    key = await cache.store(QUESTION, ANSWER, SCOPE)
    assert 0 < await cache.redis.ttl(key) <= 100
    await cache.redis.expire(key, 50)
    await cache.lookup(QUESTION, SCOPE)
    await cache.background.drain()  # a refresh would be background work: wait for all of it
    assert await cache.redis.ttl(key) <= 50  # refresh on hit is off by default


async def test_ttl_refresh_on_hit_when_enabled(cache: SemanticCache) -> None:
    cache.ttl_refresh_on_hit = True
    key = await cache.store(QUESTION, ANSWER, SCOPE, ttl=100)
    await cache.redis.expire(key, 10)
    await cache.lookup(QUESTION, SCOPE)

    async def refreshed() -> bool:
        return await cache.redis.ttl(key) > 50

    await eventually(refreshed)


async def test_threshold_override(cache: SemanticCache) -> None:
    await cache.store(QUESTION, ANSWER, SCOPE)
    paraphrase = "Which city is France's capital?"
    loose = await cache.lookup(paraphrase, SCOPE, threshold=0.5)
    strict = await cache.lookup(paraphrase, SCOPE, threshold=0.999)
    assert loose.match == "semantic" and loose.threshold == 0.5
    assert strict.match is None and strict.threshold == 0.999
    assert strict.similarity == pytest.approx(loose.similarity)


async def test_overwrite_replaces_the_entry(cache: SemanticCache) -> None:
    await cache.store(QUESTION, "old", SCOPE, ttl=5)
    key = await cache.store(QUESTION, "new", SCOPE)
    assert await cache.redis.ttl(key) == -1  # the old TTL did not survive the overwrite
    result = await cache.lookup(QUESTION, SCOPE)
    assert result.answer is not None and result.answer.response == "new"
    assert (await cache.stats()).entries == 1


async def test_embedding_cache_avoids_a_second_embedding(cache: SemanticCache) -> None:
    store = cache.embeddings
    before_misses = store.misses
    await cache.lookup("A question nobody asked before?", SCOPE)
    await cache.background.drain()  # the store's fill runs after the lookup returned
    await cache.lookup("a question NOBODY asked before", SCOPE)  # same normalised text
    assert store.misses == before_misses + 1
    assert store.hits >= 1


async def test_store_with_a_given_vector_and_search_by_vector(
    cache: SemanticCache, local_embedder: LocalEmbedder
) -> None:
    vector = local_embedder.encode(["custom content about llamas"])[0]
    await cache.store("llamas?", "Llamas are camelids.", SCOPE, vector=vector.tolist())
    hits = await cache.search(vector=vector.tolist(), top_k=3)
    assert hits[0].response == "Llamas are camelids."
    assert hits[0].similarity == pytest.approx(1.0, abs=1e-4)


async def test_search_by_text_with_tenant_filter_and_threshold(cache: SemanticCache) -> None:
    await cache.store(QUESTION, ANSWER, SCOPE)
    await cache.store(QUESTION, "Paris (for globex).", Scope.build(model="gpt-4o", tenant="globex"))
    both = await cache.search(text="capital of France", top_k=5)
    assert len(both) == 2
    acme = await cache.search(text="capital of France", top_k=5, tenant="acme")
    assert [h.tenant for h in acme] == ["acme"]
    assert await cache.search(text="capital of France", top_k=5, threshold=0.999) == []


async def test_stats_count_hits_misses_and_entries(cache: SemanticCache) -> None:
    await cache.store(QUESTION, ANSWER, SCOPE)
    await cache.lookup(QUESTION, SCOPE)
    await cache.lookup("Which city is France's capital?", SCOPE, threshold=0.5)
    await cache.lookup("How do I bake bread?", SCOPE)

    async def counted() -> bool:  # counters reach Redis in one write a second
        return sum((await cache.stats()).counters.values()) >= 3

    await eventually(counted)
    stats = await cache.stats()
    assert stats.entries == 1
    assert stats.counters["exact_hits"] == 1
    assert stats.counters["semantic_hits"] == 1
    assert stats.counters["misses"] == 1
    assert stats.counters["stores"] == 1
    assert stats.vector_index_mb > 0 and stats.used_memory_bytes > 0


async def test_clear_by_tenant_escapes_query_syntax(cache: SemanticCache) -> None:
    hostile = "acme|globex"
    await cache.store(QUESTION, "a", Scope.build(tenant="acme"))
    await cache.store(QUESTION, "g", Scope.build(tenant="globex"))
    await cache.store(QUESTION, "h", Scope.build(tenant=hostile))
    await cache.store(QUESTION, "s", Scope.build(tenant="a b-c{d}@e"))
    assert await cache.clear(tenant=hostile) == 1
    assert await cache.clear(tenant="a b-c{d}@e") == 1
    assert (await cache.lookup(QUESTION, Scope.build(tenant="acme"))).hit
    assert (await cache.lookup(QUESTION, Scope.build(tenant="globex"))).hit


async def test_clear_all_touches_only_its_own_keys(cache: SemanticCache) -> None:
    await cache.redis.set("someone:else", "keep me")
    await cache.redis.set("nearhit:other_index:entry:" + "0" * 64, "keep me too")
    for i in range(3):
        await cache.store(f"question {i}", "answer", SCOPE)
    assert await cache.clear() == 3
    assert (await cache.stats()).entries == 0
    assert await cache.redis.get("someone:else") == b"keep me"
    assert await cache.redis.exists("nearhit:other_index:entry:" + "0" * 64)
    await cache.redis.delete("someone:else", "nearhit:other_index:entry:" + "0" * 64)


async def test_rebuild_keeps_or_drops_entries(cache: SemanticCache) -> None:
    await cache.store(QUESTION, ANSWER, SCOPE)
    await cache.rebuild()

    async def reindexed() -> bool:
        return (await cache.stats()).entries == 1

    await eventually(reindexed, interval=0.05)
    assert (await cache.lookup("Which city is France's capital?", SCOPE, threshold=0.5)).hit
    await cache.rebuild(drop_entries=True)
    assert (await cache.stats()).entries == 0
    assert not (await cache.lookup(QUESTION, SCOPE)).hit


async def test_dimension_mismatch_is_a_clear_error(cache: SemanticCache) -> None:
    wrong = IndexSpec(name=cache.spec.name, keys=cache.keys, dimension=768)
    with pytest.raises(IndexMismatch, match="384-d vectors but the embedder makes 768-d"):
        await ensure_index(cache.redis, wrong)


async def test_algorithm_mismatch_is_a_clear_error(cache: SemanticCache) -> None:
    wrong = IndexSpec(name=cache.spec.name, keys=cache.keys, dimension=384, algorithm="flat")
    with pytest.raises(IndexMismatch, match="NEARHIT_INDEX_ALGORITHM"):
        await ensure_index(cache.redis, wrong)


@pytest.mark.parametrize(
    ("change", "variable"), [({"m": 32}, "NEARHIT_HNSW_M"), ({"ef_construction": 100}, "NEARHIT_HNSW_EF_CONSTRUCTION")]
)
async def test_hnsw_build_parameter_mismatch_is_a_clear_error(
    cache: SemanticCache, change: dict[str, int], variable: str
) -> None:
    wrong = dataclasses.replace(cache.spec, **change)
    with pytest.raises(IndexMismatch, match=f"{variable} is {next(iter(change.values()))}; rebuild"):
        await ensure_index(cache.redis, wrong)


async def test_hnsw_build_parameters_are_used(settings: Settings, local_embedder: LocalEmbedder) -> None:
    tuned = settings.model_copy(update={"hnsw_m": 24, "hnsw_ef_construction": 150})
    cache = await bootstrap.open_cache(tuned, local_embedder)
    try:
        info = await index_info(cache.redis, cache.spec.name)
        assert info is not None
        vector = next(attr for attr in info["attributes"] if b"VECTOR" in attr)
        fields = dict(zip(vector[::2], vector[1::2], strict=False))
        assert (fields[b"M"], fields[b"ef_construction"]) == (24, 150)
        await ensure_index(cache.redis, cache.spec)  # the same parameters: accepted
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


async def test_flat_index_works(settings: Settings, local_embedder: LocalEmbedder) -> None:
    flat = settings.model_copy(update={"index_algorithm": "flat", "index_name": settings.index_name + "_flat"})
    cache = await bootstrap.open_cache(flat, local_embedder)
    try:
        await cache.store(QUESTION, ANSWER, SCOPE)
        assert (await cache.lookup("Which city is France's capital?", SCOPE, threshold=0.5)).match == "semantic"
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


# --- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("x" * 32_001, "32,001 characters; the limit is 32,000"),
        (42, "string"),
    ],
)
async def test_bad_prompts(cache: SemanticCache, prompt: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        await cache.lookup(prompt, SCOPE)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=message):
        await cache.store(prompt, ANSWER, SCOPE)  # type: ignore[arg-type]


@pytest.mark.parametrize("threshold", [-0.1, 1.01, float("nan"), "0.5", True])
async def test_bad_thresholds(cache: SemanticCache, threshold: object) -> None:
    with pytest.raises(InvalidInput, match="threshold"):
        await cache.lookup(QUESTION, SCOPE, threshold=threshold)  # type: ignore[arg-type]


@pytest.mark.parametrize("ttl", [0, -5, 1.5, "10"])
async def test_bad_ttls(cache: SemanticCache, ttl: object) -> None:
    with pytest.raises(InvalidInput, match="ttl"):
        await cache.store(QUESTION, ANSWER, SCOPE, ttl=ttl)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("vector", "message"),
    [
        ([0.1] * 383, "383 values; this index takes 384"),
        ([0.1] * 385, "385 values"),
        ([[0.1] * 384], "flat list"),
        ([float("nan")] * 384, "NaN"),
        ([0.1] * 383 + [float("-inf")], "infinite"),
        ([0.0] * 384, "all zeros"),
        (["a"] * 384, "list of numbers"),
    ],
)
async def test_bad_vectors(cache: SemanticCache, vector: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        await cache.store(QUESTION, ANSWER, SCOPE, vector=vector)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=message):
        await cache.search(vector=vector)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=message):
        await cache.lookup(QUESTION, SCOPE, vector=vector)  # type: ignore[arg-type]


async def test_empty_response_is_not_stored(cache: SemanticCache) -> None:
    with pytest.raises(InvalidInput, match="response is empty"):
        await cache.store(QUESTION, "  ", SCOPE)
    assert (await cache.stats()).entries == 0


@pytest.mark.parametrize("top_k", [0, -1, 1001, 2.5])
async def test_bad_top_k(cache: SemanticCache, top_k: object) -> None:
    with pytest.raises(InvalidInput, match="top_k"):
        await cache.search(text="x", top_k=top_k)  # type: ignore[arg-type]


async def test_unreachable_redis_fails_fast(settings: Settings) -> None:
    dead = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0", "redis_timeout": 0.5})
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(RedisUnavailable, match="cannot reach Redis"):
        await bootstrap.connect_redis(dead)
    assert loop.time() - started < 3


async def test_lookup_after_redis_went_away_is_a_clear_error(
    settings: Settings, local_embedder: LocalEmbedder, tmp_path: Path
) -> None:
    server, _ = redis_server.ensure_running(tmp_path)
    own = settings.model_copy(update={"redis_url": server.url, "redis_timeout": 0.5})
    cache = await bootstrap.open_cache(own, local_embedder)
    await cache.store(QUESTION, ANSWER, SCOPE)
    redis_server.stop(tmp_path)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(RedisUnavailable, match="unreachable"):
        await cache.lookup(QUESTION, SCOPE)
    with pytest.raises(RedisUnavailable, match="unreachable"):
        await cache.store(QUESTION, ANSWER, SCOPE)
    assert loop.time() - started < 5
    await cache.redis.aclose()


async def test_concurrent_lookups_share_embedding_batches(
    cache: SemanticCache, local_embedder: LocalEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_calls: list[int] = []  # texts per call of the model
    encode = local_embedder.encode
    batcher = local_embedder._batcher

    def counting(texts: Sequence[str]) -> Vectors:
        if not model_calls:  # the first call lasts until the others have come (under load it could end first)
            eventually_sync(lambda: sum(len(waiting) for waiting, _ in batcher._pending) == 19, timeout=30)
        model_calls.append(len(texts))
        return encode(texts)

    monkeypatch.setattr(batcher, "_encode", counting)
    run = uuid.uuid4().hex  # prompts no earlier test embedded (the embedding store would answer them)
    prompts = [f"distinct question number {i} about topic {i * 7} ({run})" for i in range(20)]
    results = await asyncio.gather(*(cache.lookup(p, SCOPE) for p in prompts))
    assert all(not r.hit for r in results)
    vectors = np.array([r.embedding for r in results])
    assert vectors.shape == (20, 384)
    assert sum(model_calls) == 20
    # The first caller runs alone; the 19 that arrive meanwhile share the next call (a call each without batching).
    assert model_calls == [1, 19]
    nearest = (vectors @ encode(prompts).T).argmax(axis=1)
    assert nearest.tolist() == list(range(20))  # each caller got its own text's vector back


async def test_another_client_s_flushdb_is_a_miss_and_the_index_is_made_again_once(
    settings: Settings, local_embedder: LocalEmbedder, tmp_path: Path
) -> None:
    """``FLUSHDB`` by another client takes the index with the entries (on a Redis of its own: a flush of the shared
    one drops every test's index). The lookups that find it gone answer a miss, re-creating it once between them;
    a store after it is found again, by its exact text and by a paraphrase."""
    server, _ = redis_server.ensure_running(tmp_path)
    cache = await bootstrap.open_cache(settings.model_copy(update={"redis_url": server.url}), local_embedder)
    try:
        await cache.store(QUESTION, ANSWER, SCOPE)
        other = Redis.from_url(server.url)
        await other.flushdb()
        await other.aclose()

        async def creates() -> int:
            return int((await cache.redis.info("commandstats")).get("cmdstat_FT.CREATE", {}).get("calls", 0))

        before = await creates()
        misses = await asyncio.gather(*(cache.lookup(f"{QUESTION} ({i})", SCOPE) for i in range(4)))
        assert [m.match for m in misses] == [None] * 4
        assert (await cache.lookup("How warm is Lisbon in May?", SCOPE)).match is None
        assert await creates() == before + 1
        await cache.store(QUESTION, ANSWER, SCOPE)
        assert (await cache.lookup(QUESTION, SCOPE)).match == "exact"
        assert (await cache.lookup("Which city is the capital of France?", SCOPE)).match == "semantic"
    finally:
        await cache.close()
        redis_server.stop(tmp_path)
