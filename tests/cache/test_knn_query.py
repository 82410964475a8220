"""The KNN query's HNSW attributes (EF_RUNTIME, HYBRID_POLICY), checked by a real FT.SEARCH."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal

import numpy as np
import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection

from nearhit.cache import Scope, SemanticCache, base
from nearhit.cache import index as idx
from nearhit.cache.keys import KeySpace
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap

SCOPE = Scope.build(model="gpt-4o", tenant="acme")
VECTOR = np.ones(4, dtype=np.float32).tobytes()


def packed(command: list[object]) -> bytes:
    """A command as redis-py writes it to the socket."""
    return b"".join(Connection().pack_command(*command))  # type: ignore[arg-type]


@pytest.fixture(params=["hnsw", "flat"])
async def spec(request: pytest.FixtureRequest, redis_client: Redis, index_name: str) -> AsyncIterator[idx.IndexSpec]:
    algorithm: Literal["hnsw", "flat"] = request.param
    name = f"{index_name}_{algorithm}"
    spec = idx.IndexSpec(name, KeySpace(name), 4, algorithm, ef_runtime=77, hybrid_policy="batches")
    await idx.ensure_index(redis_client, spec)
    # The least a KNN row needs to be a result (``entry.is_result``): its scope, vector, question and answer.
    entry = {"scope": SCOPE.id, "embedding": VECTOR, "prompt": "a question", "response": "an answer"}
    await redis_client.hset(spec.keys.entry_prefix + "one", mapping=entry)
    yield spec
    await idx.drop_index(redis_client, name, delete_entries=True)


@pytest.mark.parametrize("filtered", [True, False])
async def test_redis_accepts_the_query_and_flat_gets_no_hnsw_attributes(
    redis_client: Redis, spec: idx.IndexSpec, filtered: bool
) -> None:
    query = idx.knn_query(VECTOR, k=3, filter_expression=idx.scope_filter(SCOPE.id) if filtered else None, spec=spec)
    text = str(query.query_string())
    if spec.algorithm == "hnsw":
        assert "EF_RUNTIME $EF" in text and query.params["EF"] == 77
    else:
        assert "EF_RUNTIME" not in text and "HYBRID_POLICY" not in text and "EF" not in query.params
    assert ("HYBRID_POLICY BATCHES" in text) == (spec.algorithm == "hnsw" and filtered)
    rows = await idx.run_knn(redis_client, spec.name, query)
    assert [key for key, _ in rows] == [spec.keys.entry_prefix + "one"]


async def test_a_scoped_knn_is_the_query_built_once_with_only_the_vector_changed(
    redis_client: Redis, spec: idx.IndexSpec
) -> None:
    scoped = idx.scoped_knn(spec, spec.name, SCOPE.id, 3)
    assert idx.scoped_knn(spec, spec.name, SCOPE.id, 3) is scoped  # built once per (index, scope, k)
    assert all(isinstance(arg, bytes) for arg in scoped.args[2:])  # encoded once, not by redis-py per lookup
    far = np.array([1, -1, 1, -1], dtype=np.float32).tobytes()
    for vector in (VECTOR, far):
        query = idx.knn_query(vector, k=3, filter_expression=idx.scope_filter(SCOPE.id), spec=spec)
        # The same bytes on the wire as the query built for this lookup (its arguments kept as bytes, once).
        assert packed(scoped.command(vector)) == packed(idx.search_command(spec.name, query))
        assert scoped.json() == idx.query_as_json(query, spec.name)
    rows = await idx.run_search(redis_client, scoped.command(VECTOR))
    assert [key for key, _ in rows] == [spec.keys.entry_prefix + "one"]
    shown = scoped.json()
    shown["params"]["vector"] = "changed by a caller"
    assert scoped.json()["params"]["vector"] == "<16 bytes>"  # each lookup gets its own copy


async def test_auto_sends_no_policy(redis_client: Redis, spec: idx.IndexSpec) -> None:
    auto = idx.IndexSpec(spec.name, spec.keys, 4, spec.algorithm, hybrid_policy="auto")
    query = idx.knn_query(VECTOR, k=3, filter_expression=idx.scope_filter(SCOPE.id), spec=auto)
    assert "HYBRID_POLICY" not in str(query.query_string())
    assert len(await idx.run_knn(redis_client, spec.name, query)) == 1


async def test_adhoc_bf_is_sent_without_ef_runtime(redis_client: Redis, spec: idx.IndexSpec) -> None:
    """Redis rejects ``EF_RUNTIME`` beside ``ADHOC_BF`` (a brute-force scan has no graph to widen)."""
    adhoc = idx.IndexSpec(spec.name, spec.keys, 4, spec.algorithm, hybrid_policy="adhoc_bf")
    query = idx.knn_query(VECTOR, k=3, filter_expression=idx.scope_filter(SCOPE.id), spec=adhoc)
    assert ("HYBRID_POLICY ADHOC_BF" in str(query.query_string())) == (spec.algorithm == "hnsw")
    assert "EF_RUNTIME" not in str(query.query_string())
    assert len(await idx.run_knn(redis_client, spec.name, query)) == 1


async def test_a_filtered_lookup_finds_its_paraphrase_and_shows_the_attributes(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    # Two entries: a small index, searched with the small index's breadth.
    tuned = settings.model_copy(update={"hnsw_ef_runtime_small": 60, "knn_hybrid_policy": "batches"})
    cache: SemanticCache = await bootstrap.open_cache(tuned, local_embedder)
    try:
        await cache.store("What is the capital of France?", "Paris.", SCOPE)
        await cache.store("How do I boil an egg?", "Ten minutes.", Scope.build(model="gpt-4o", tenant="other"))
        result = await cache.lookup("Which city is France's capital?", SCOPE, threshold=0.5)
        assert result.match == "semantic" and result.answer is not None and result.answer.response == "Paris."
        assert result.query is not None
        assert "HYBRID_POLICY BATCHES EF_RUNTIME $EF" in result.query["query"]
        assert result.query["params"]["EF"] == 60
        hits = await cache.search(text="capital of France", scope=SCOPE)
        assert [hit.response for hit in hits] == ["Paris."]
    finally:
        await idx.drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


@pytest.mark.parametrize(
    ("small_below", "large_at", "first", "later"),
    [(0, 3, 60, 90), (0, 0, 60, 60), (2, 0, 40, 60), (2, 3, 40, 90), (10, 0, 40, 40)],
)
async def test_the_search_breadth_follows_the_index_size(
    settings: Settings,
    local_embedder: LocalEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    small_below: int,
    large_at: int,
    first: int,
    later: int,
) -> None:
    """Below ``NEARHIT_HNSW_SMALL_INDEX`` documents a lookup (and the admin search) sends the smaller
    ``EF_RUNTIME``, from ``NEARHIT_HNSW_LARGE_INDEX`` the larger, once the size has been read again in the
    background; a bound of 0 never switches to its breadth."""
    monkeypatch.setattr(base, "SIZE_REFRESH_S", 0.0)  # every lookup asks for a fresh size
    tuned = settings.model_copy(
        update={
            "hnsw_ef_runtime": 60,
            "hnsw_ef_runtime_large": 90,
            "hnsw_large_index": large_at,
            "hnsw_ef_runtime_small": 40,
            "hnsw_small_index": small_below,
        }
    )
    cache: SemanticCache = await bootstrap.open_cache(tuned, local_embedder)
    try:
        await cache.store("What is the capital of France?", "Paris.", SCOPE)
        opened = await cache.lookup("Which city is France's capital?", SCOPE, threshold=0.5)
        assert opened.query is not None and opened.query["params"]["EF"] == first  # empty when the cache opened
        assert cache.ef_runtime(cache.spec.named(f"{cache.spec.name}_unread")) == 60  # its size not read yet
        for n in range(2):
            await cache.store(f"How do I boil {n} eggs?", "Ten minutes.", SCOPE)
        await cache.background.drain()  # the size read the lookup above scheduled (or one after it)
        await cache.lookup("Which city is France's capital?", SCOPE, threshold=0.5)  # schedules a read of 3
        await cache.background.drain()
        grown = await cache.lookup("Which city is France's capital?", SCOPE, threshold=0.5)
        assert grown.query is not None and grown.query["params"]["EF"] == later
        assert grown.match == "semantic" and grown.answer is not None and grown.answer.response == "Paris."
        assert cache.ef_runtime(cache.spec) == later  # what the admin search sends
        assert [hit.response for hit in await cache.search(text="capital of France", scope=SCOPE)][:1] == ["Paris."]
    finally:
        await idx.drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


def test_an_index_of_unknown_size_gets_the_middle_breadth() -> None:
    """Before its size is read (a sharded layout's tenant index at its first lookup), neither narrowed as a small
    index nor widened as a large one; after, the breadth of its size."""
    spec = idx.IndexSpec("sized", KeySpace("sized"), 4, ef_runtime=60, ef_runtime_small=40, ef_runtime_large=90)
    assert spec.ef_runtime_at(None) == 60
    assert [spec.ef_runtime_at(docs) for docs in (0, 19_999, 20_000, 149_999, 150_000)] == [40, 40, 60, 60, 90]
    assert idx.IndexSpec("f", KeySpace("f"), 4, algorithm="flat", ef_runtime=60).ef_runtime_at(0) == 60


async def test_a_flat_index_is_never_sized(settings: Settings, local_embedder: LocalEmbedder) -> None:
    flat = settings.model_copy(update={"index_algorithm": "flat", "hnsw_large_index": 1})
    cache: SemanticCache = await bootstrap.open_cache(flat, local_embedder)
    try:
        await cache.store("What is the capital of France?", "Paris.", SCOPE)
        result = await cache.lookup("What is the capital of France ?", SCOPE)
        assert not cache.spec.follows_size and cache._sizes == {}
        assert result.match == "exact"
    finally:
        await idx.drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()
