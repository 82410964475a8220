"""The cache on the local 3+3 cluster (no search coordinator in this build): one index per tenant on the
tenant's shard, made on demand; exact and semantic hits, search, stats, clear and rebuild fan out over the
shards; no command of the request path spans slots; a tenant whose slot moves gets its index back by itself."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import redis
import redis.asyncio
from redis.crc import key_slot
from redis.exceptions import ConnectionError as RedisConnectionError

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.client import index_names
from nearhit.cache.index import drop_index
from nearhit.cache.keys import normalise
from nearhit.config import Settings, load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.errors import ConfigError, StoreCleared
from nearhit.redis_cluster import LocalTopology
from nearhit.service import bootstrap
from nearhit.service.runtime import Runtime
from tests.cache.test_embedding_store import a_clear_elsewhere_wins
from tests.support.live import fast_llm
from tests.support.lookups import ask
from tests.support.slot_guard import SlotGuard
from tests.support.waiting import eventually

QUESTION = "What is the capital of France?"
PARAPHRASE = "Which city is the capital of France?"


@pytest.fixture
def cluster_settings(local_cluster: LocalTopology, tmp_path: Path) -> Settings:
    return load_settings(
        redis_url=local_cluster.url, data_dir=tmp_path, index_name=f"c_{uuid.uuid4().hex[:8]}", guards=False
    )


@pytest.fixture
async def cluster_cache(cluster_settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[SemanticCache]:
    cache = await bootstrap.open_cache(cluster_settings, local_embedder)
    yield cache
    for name in cache.spec.tenant_indexes(await index_names(cache.redis)):
        await drop_index(cache.redis, name, delete_entries=True)
    await cache.close()


@pytest.fixture
def sync_cluster(local_cluster: LocalTopology) -> Iterator[redis.RedisCluster]:
    client = redis.RedisCluster(host="127.0.0.1", port=local_cluster.ports("primary")[0], socket_timeout=5)
    yield client
    client.close()


def tenants_on_distinct_shards(cache: SemanticCache, client: redis.RedisCluster, count: int) -> list[str]:
    """``count`` tenants whose indexes (and keys) land on ``count`` different primaries."""
    chosen: dict[str, str] = {}
    for i in range(1000):
        tenant = f"tenant-{i}"
        chosen.setdefault(client.get_node_from_key(cache.spec.for_tenant(tenant).name).name, tenant)
        if len(chosen) == count:
            return list(chosen.values())
    raise AssertionError("no tenants on distinct shards")


async def test_three_tenants_on_three_shards(
    cluster_cache: SemanticCache, sync_cluster: redis.RedisCluster, local_cluster: LocalTopology
) -> None:
    cache = cluster_cache
    assert cache.keys.sharded
    tenants = tenants_on_distinct_shards(cache, sync_cluster, 3)
    scopes = {tenant: Scope.build(tenant=tenant) for tenant in tenants}
    for tenant, scope in scopes.items():
        await cache.store(QUESTION, f"Paris, says {tenant}.", scope)
    for tenant, scope in scopes.items():
        exact = await cache.lookup(QUESTION, scope)
        assert exact.match == "exact" and exact.answer is not None and exact.answer.response == f"Paris, says {tenant}."
        semantic = await cache.lookup(PARAPHRASE, scope, threshold=0.7)
        assert semantic.match == "semantic" and semantic.answer is not None
        assert semantic.answer.response == f"Paris, says {tenant}."
    # Each tenant's index lives on its own shard only.
    for tenant in tenants:
        name = cache.spec.for_tenant(tenant).name
        owner = sync_cluster.get_node_from_key(name).port
        for port in local_cluster.ports("primary"):
            with redis.Redis(port=port) as node:
                assert (name.encode() in node.execute_command("FT._LIST")) == (port == owner)

    everywhere = await cache.search(text=PARAPHRASE, top_k=5, threshold=0.7)
    assert sorted(hit.tenant for hit in everywhere) == sorted(tenants)
    own = await cache.search(text=PARAPHRASE, top_k=5, tenant=tenants[0])
    assert [hit.tenant for hit in own] == [tenants[0]]
    stats = await cache.stats()
    assert stats.entries == 3 and stats.counters["stores"] == 3 and stats.counters["exact_hits"] == 3
    assert stats.used_memory_bytes > 0

    assert await cache.clear(tenant=tenants[0]) == 1
    assert (await cache.lookup(QUESTION, scopes[tenants[0]])).match is None
    await cache.rebuild()
    await eventually(lambda: _entries(cache, 2))
    assert (await cache.lookup(PARAPHRASE, scopes[tenants[1]], threshold=0.7)).match == "semantic"
    assert await cache.clear() == 2
    assert (await cache.stats()).entries == 0


async def _entries(cache: SemanticCache, expected: int) -> bool:
    return (await cache.stats()).entries == expected


async def test_no_request_path_command_spans_slots(cluster_cache: SemanticCache, local_cluster: LocalTopology) -> None:
    cache = cluster_cache
    scope = Scope.build(tenant="guarded")
    with SlotGuard(local_cluster.ports("primary")) as guard:
        doc_id = await cache.store(QUESTION, "Paris.", scope)
        assert (await cache.lookup(QUESTION, scope)).match == "exact"
        semantic = await cache.lookup(PARAPHRASE, scope, threshold=0.7)
        assert semantic.match == "semantic"
        # the vector given: the KNN goes to the index's shard after the exact read (the two may be on two shards)
        given = await cache.lookup(PARAPHRASE, scope, threshold=0.7, vector=semantic.embedding)
        assert given.match == "semantic" and given.similarity == pytest.approx(semantic.similarity, abs=1e-6)
        assert (await cache.lookup(QUESTION, scope, vector=semantic.embedding)).match == "exact"
        await cache.label(doc_id, np.asarray(semantic.embedding), semantic.similarity or 0.0, False, "feedback")
        await cache.store(QUESTION, "Paris, on the Seine.", scope)
        assert (await cache.stats()).entries == 1
        # a conversation's twins and its scope's mark (written in the store's MULTI, read in the exact round trip)
        trip = [("user", "I'm driving from Paris to Lyon on Friday."), ("assistant", "Lovely route.")]
        await cache.store(ask(cache, trip, "How long will it take?", tenant="guarded"), "About five hours.")
        await cache.lookup(ask(cache, [], "How long is the drive from Paris to Lyon?", tenant="guarded"))
    assert {"MULTI", "HSET", "HMGET", "FT.SEARCH", "LPUSH", "EXISTS"} <= guard.names()
    assert guard.violations() == []


async def test_a_tenant_whose_slot_moves_gets_its_index_back(
    cluster_cache: SemanticCache,
    sync_cluster: redis.RedisCluster,
    local_cluster: LocalTopology,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = cluster_cache
    (tenant,) = tenants_on_distinct_shards(cache, sync_cluster, 1)
    scope = Scope.build(tenant=tenant)
    await cache.store(QUESTION, "Paris.", scope)
    assert (await cache.lookup(PARAPHRASE, scope, threshold=0.7)).match == "semantic"
    name = cache.spec.for_tenant(tenant).name
    source = sync_cluster.get_node_from_key(name).port
    target = next(port for port in local_cluster.ports("primary") if port != source)
    _migrate_slot(key_slot(name.encode()), source, target, local_cluster.ports("primary"))

    async def semantic_hit() -> bool:
        return (await cache.lookup(PARAPHRASE, scope, threshold=0.7)).match == "semantic"

    with caplog.at_level(logging.WARNING, logger="nearhit.cache.base"):
        await eventually(semantic_hit, timeout=10)
        await asyncio.gather(*(semantic_hit() for _ in range(5)))
    with redis.Redis(port=target) as node:
        assert name.encode() in node.execute_command("FT._LIST")
    assert [r.getMessage() for r in caplog.records if "re-creating" in r.getMessage()] == [
        f"index {name} is missing on its shard (a slot moved?): re-creating it"
    ]  # logged once


def _migrate_slot(slot: int, source: int, target: int, primaries: list[int]) -> None:
    """Move one slot and its keys from the primary on ``source`` to the one on ``target`` (as
    ``redis-cli --cluster reshard`` does)."""
    with redis.Redis(port=source) as src, redis.Redis(port=target) as dst:
        src_id, dst_id = src.execute_command("CLUSTER MYID"), dst.execute_command("CLUSTER MYID")
        dst.execute_command("CLUSTER SETSLOT", slot, "IMPORTING", src_id)
        src.execute_command("CLUSTER SETSLOT", slot, "MIGRATING", dst_id)
        while keys := src.execute_command("CLUSTER GETKEYSINSLOT", slot, 100):
            src.execute_command("MIGRATE", "127.0.0.1", target, "", 0, 5000, "KEYS", *keys)
        for port in primaries:
            with redis.Redis(port=port) as node:
                node.execute_command("CLUSTER SETSLOT", slot, "NODE", dst_id)


async def test_a_cluster_url_without_cluster_mode_is_a_clear_start_up_error(
    local_cluster: LocalTopology, tmp_path: Path, local_embedder: LocalEmbedder
) -> None:
    plain = f"redis://127.0.0.1:{local_cluster.ports('primary')[0]}/0"
    settings = load_settings(redis_url=plain, data_dir=tmp_path, guards=False)
    with pytest.raises(ConfigError, match="NEARHIT_REDIS_CLUSTER=true"):
        await bootstrap.open_cache(settings, local_embedder)
    runtime = Runtime(settings, local_embedder, fast_llm())
    try:
        with pytest.raises(ConfigError, match="NEARHIT_REDIS_CLUSTER=true"):  # the service stops, not degrades
            await runtime.start()
    finally:
        await runtime.close()


@pytest.mark.skipif(not os.environ.get("NEARHIT_TEST_COORDINATOR_URL"), reason="NEARHIT_TEST_COORDINATOR_URL unset")
async def test_a_coordinator_cluster_serves_one_global_index(tmp_path: Path, local_embedder: LocalEmbedder) -> None:
    """Opt-in: on a cluster with a search coordinator (Redis 8.4+ cluster, Redis Cloud, Azure Managed Redis
    Enterprise policy) the cache keeps one index over every shard: tenants need no hash tag."""
    settings = load_settings(
        redis_url=os.environ["NEARHIT_TEST_COORDINATOR_URL"],
        redis_cluster=True,
        data_dir=tmp_path,
        index_name=f"g_{uuid.uuid4().hex[:8]}",
        guards=False,
    )
    cache = await bootstrap.open_cache(settings, local_embedder)
    try:
        assert not cache.keys.sharded
        scopes = [Scope.build(tenant=f"tenant-{i}") for i in range(6)]  # untagged keys: spread over the shards
        for scope in scopes:
            await cache.store(QUESTION, f"Paris, for {scope.tenant}.", scope)
        for scope in scopes:
            hit = await cache.lookup(PARAPHRASE, scope, threshold=0.7)
            assert hit.answer is not None and hit.answer.response == f"Paris, for {scope.tenant}."
        await eventually(lambda: _entries(cache, len(scopes)))
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


async def test_a_new_tenants_first_requests_at_once_create_its_index_once(cluster_cache: SemanticCache) -> None:
    scope = Scope.build(tenant="newcomer")
    stored = await asyncio.gather(*(cluster_cache.store(f"question {i}", "answer", scope) for i in range(10)))
    assert len(set(stored)) == 10
    assert (await cluster_cache.stats()).entries == 10


async def test_a_connection_closed_under_a_cluster_read_is_retried(
    cluster_cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """redis-py lets a transport's own error through when another task closed the connection mid-write (seen
    while another shard failed over): the read is tried once more; any other AttributeError is a bug, raised."""
    from nearhit.cache import client

    key = f"{{{uuid.uuid4().hex}}}:k"
    await cluster_cache.redis.set(key, b"kept")
    real = client._cluster_reads
    failures = [AttributeError("'NoneType' object has no attribute 'writelines'")]

    async def closed_once(redis: object, commands: object, raise_on_error: bool = True) -> object:
        if failures:
            raise failures.pop()
        return await real(redis, commands, raise_on_error)  # type: ignore[arg-type]

    monkeypatch.setattr(client, "_cluster_reads", closed_once)
    assert await client.reads(cluster_cache.redis, [("GET", key)]) == [b"kept"]
    assert not failures
    failures.append(AttributeError("'Scope' object has no attribute 'tenant_id'"))
    with pytest.raises(AttributeError, match="Scope"):
        await client.reads(cluster_cache.redis, [("GET", key)])


async def test_a_cluster_read_is_tried_again_past_other_nodes_failures_each_moved_last(
    cluster_cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another shard's failover fails a healthy shard's read in turn: its connection closed by another request's
    retry, then the layout re-read through the dead default node (``COMMAND``). Each is tried again, the node an
    error names moved last (and off the default), so the next try routes around it; a bounded number of times."""
    from nearhit.cache import client

    redis_client = cluster_cache.redis
    assert isinstance(redis_client, client.RedisCluster)
    key = f"{{{uuid.uuid4().hex}}}:k"
    await redis_client.set(key, b"kept")
    own = redis_client.get_node_from_key(key)
    dead = next(node for node in redis_client.get_primaries() if node.name != own.name)
    redis_client.set_default_node(dead)
    real = client._cluster_reads
    failures: list[Exception] = [
        RedisConnectionError("Connection closed by server."),
        RedisConnectionError(f"Error 111 connecting to {dead.name}. Connect call failed."),
        AttributeError("'NoneType' object has no attribute 'writelines'"),
    ]
    calls = 0

    async def failing(redis: object, commands: object, raise_on_error: bool = True) -> object:
        nonlocal calls
        calls += 1
        if failures:
            raise failures.pop(0)
        return await real(redis, commands, raise_on_error)  # type: ignore[arg-type]

    monkeypatch.setattr(client, "_cluster_reads", failing)
    assert await client.reads(redis_client, [("GET", key)]) == [b"kept"]
    assert calls == 4
    assert list(redis_client.nodes_manager.nodes_cache)[-1] == dead.name
    assert redis_client.get_default_node() is not dead

    calls = 0
    failures.extend([RedisConnectionError("Connection closed by server.")] * (client._CLUSTER_RETRIES + 1))
    with pytest.raises(RedisConnectionError):
        await client.reads(redis_client, [("GET", key)])
    assert calls == client._CLUSTER_RETRIES + 1


async def test_a_cluster_read_whose_own_node_failed_is_not_tried_again(
    cluster_cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shard of the read's own key is down: its tenant's degraded miss comes at once, not after more tries
    (each of which would make redis-py close every node's connections again)."""
    from nearhit.cache import client

    redis_client = cluster_cache.redis
    assert isinstance(redis_client, client.RedisCluster)
    key = f"{{{uuid.uuid4().hex}}}:k"
    own = redis_client.get_node_from_key(key)
    calls = 0

    async def refused(redis: object, commands: object, raise_on_error: bool = True) -> object:
        nonlocal calls
        calls += 1
        raise RedisConnectionError(f"Error 111 connecting to {own.name}. Connect call failed.")

    monkeypatch.setattr(client, "_cluster_reads", refused)
    with pytest.raises(RedisConnectionError, match=own.name):
        await client.reads(redis_client, [("GET", key)])
    assert calls == 1


async def test_a_lost_connection_under_a_cluster_read_closes_no_other_connection(
    cluster_cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read whose connection the server dropped is tried again by :func:`reads` alone: raised inside redis-py's
    pipeline, it made the client close every node's connections (the healthy shards' reads in flight failing with
    them) and sleep 0.25 s, and each read it failed did the same."""
    from nearhit.cache import client

    redis_client = cluster_cache.redis
    assert isinstance(redis_client, client.RedisCluster)
    key = f"{{{uuid.uuid4().hex}}}:k"
    await redis_client.set(key, b"kept")
    assert await client.reads(redis_client, [("GET", key)]) == [b"kept"]  # a pooled connection to the key's node
    own = redis_client.get_node_from_key(key)
    with redis.Redis(host=own.host, port=own.port) as killer:
        assert killer.client_kill_filter(_type="normal", skipme=True) >= 1
    closes = 0
    real_close = redis_client.aclose

    async def counting() -> None:
        nonlocal closes
        closes += 1
        await real_close()

    monkeypatch.setattr(redis_client, "aclose", counting)
    assert await client.reads(redis_client, [("GET", key)]) == [b"kept"]
    assert closes == 0


async def test_hits_served_at_once_are_all_remembered_for_their_feedback(cluster_cache: SemanticCache) -> None:
    """The served records of one flush name keys of many slots: written in one transaction, a cluster refused
    them all (CROSSSLOT) and feedback by request id found none."""
    cache = cluster_cache
    scope = Scope.build(tenant="remembered")
    doc_id = await cache.store(QUESTION, "Paris.", scope)
    for request_id in ("first", "second", "third"):
        cache.remember_served(request_id, await cache.lookup(QUESTION, scope), "remembered", QUESTION)
    await cache.feedback.write_served()
    for request_id in ("first", "second", "third"):
        for tenant in ("remembered", None):  # the tenant's record and the admin's
            served = await cache.feedback.served(request_id, tenant)
            assert served is not None and served.doc_id == doc_id, (request_id, tenant)


HASH_TAG_TENANTS = ["{}", "{a}", "a{b}c", "}{", "{x}{y}", "{0123456789abcdef}", "{" * 200]


async def test_tenants_and_namespaces_that_look_like_hash_tags_stay_apart(
    cluster_cache: SemanticCache, sync_cluster: redis.RedisCluster, local_cluster: LocalTopology
) -> None:
    # Twelfth round: braces in a tenant or namespace must neither pin every tenant to one slot nor split an
    # entry's keys across slots (CROSSSLOT); search, stats and clear must read each as its own.
    cache = cluster_cache
    scopes = {tenant: Scope.build(tenant=tenant, namespace="{ns}") for tenant in HASH_TAG_TENANTS}
    with SlotGuard(local_cluster.ports("primary")) as guard:
        for tenant, scope in scopes.items():
            await cache.store(QUESTION, f"Paris, says {tenant[:8]}.", scope)
            assert (await cache.lookup(QUESTION, scope)).match == "exact"
            assert (await cache.lookup(PARAPHRASE, scope, threshold=0.7)).match == "semantic"
        assert (await cache.lookup(QUESTION, Scope.build(tenant="{a}", namespace="{ms}"))).match is None
    assert guard.violations() == []
    slots = {key_slot(cache.spec.for_tenant(tenant).name.encode()) for tenant in HASH_TAG_TENANTS}
    assert len(slots) == len(HASH_TAG_TENANTS)  # each tenant its own tag: not one slot for all
    for tenant in HASH_TAG_TENANTS:
        hits = await cache.search(text=PARAPHRASE, top_k=10, tenant=tenant)
        assert [hit.tenant for hit in hits] == [tenant]
    assert (await cache.stats()).entries == len(HASH_TAG_TENANTS)
    assert await cache.clear(prompt_pattern="{*}") == 0
    assert await cache.clear(tenant="{}") == 1
    assert await cache.clear(tenant="{a}") == 1
    assert (await cache.lookup(QUESTION, scopes["a{b}c"])).match == "exact"
    assert (await cache.stats()).entries == len(HASH_TAG_TENANTS) - 2


async def test_a_clear_wins_over_the_answers_in_flight_on_every_shard(
    cluster_cache: SemanticCache, sync_cluster: redis.RedisCluster
) -> None:
    """A clear of every tenant counts on each tenant's shard (the miss reads its count in its own slot): the
    answers generated meanwhile are not stored on any; a tenant's clear drops only that tenant's."""
    cache = cluster_cache
    tenants = tenants_on_distinct_shards(cache, sync_cluster, 3)
    queries = [cache.prepare(QUESTION, Scope.build(tenant=tenant)) for tenant in tenants]
    for query in queries:
        assert not (await cache.lookup(query)).hit
    await cache.clear()
    for query in queries:
        with pytest.raises(StoreCleared):
            await cache.store(query, "Paris.")
        assert not (await cache.lookup(query)).hit  # a fresh miss, counted after the clear
    await cache.clear(tenant=tenants[0])
    with pytest.raises(StoreCleared):
        await cache.store(queries[0], "Paris.")
    for query in queries[1:]:
        await cache.store(query, "Paris.")
        assert (await cache.lookup(query)).match == "exact"
    assert (await cache.stats()).counters["stores_cleared"] == 4


async def test_a_clear_counted_on_a_lost_connection_closes_no_other_connection(
    cluster_cache: SemanticCache, sync_cluster: redis.RedisCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clear's count is written in one round trip per node, a node whose connection the server dropped tried
    again alone: through redis-py's cluster pipeline the lost connection made the client close every node's
    connections (the healthy shards' reads in flight failing with them) and sleep before its retry."""
    cache = cluster_cache
    tenant = tenants_on_distinct_shards(cache, sync_cluster, 1)[0]
    query = cache.prepare(QUESTION, Scope.build(tenant=tenant))
    assert not (await cache.lookup(query)).hit  # its index made, a connection pooled to its node
    _drop_connections(cache, cache.keys.tenant_clears(tenant))
    closes = _count_closes(cache, monkeypatch)
    assert await cache.clear(tenant=tenant) == 0
    assert closes() == 0
    with pytest.raises(StoreCleared):  # counted
        await cache.store(query, "Paris.")


async def test_a_keyless_read_of_every_primary_is_tried_again_on_a_lost_connection(
    cluster_cache: SemanticCache, sync_cluster: redis.RedisCluster
) -> None:
    """``FT._LIST`` and ``INFO`` on every primary (stats, a clear or a search of every tenant) on a connection the
    server dropped (its idle ``timeout``, a proxy, a restart): redis-py does not retry a command given its nodes,
    and the call failed, "Redis is unreachable: Connection closed by server"."""
    cache = cluster_cache
    tenants = tenants_on_distinct_shards(cache, sync_cluster, 3)
    queries = [cache.prepare(QUESTION, Scope.build(tenant=tenant)) for tenant in tenants]
    for query in queries:
        await cache.store(query, "Paris.")
    assert (await cache.stats()).entries == 3  # a connection pooled to every primary
    for node in cache.redis.get_primaries():
        _drop_connections(cache, node.name)
    assert (await cache.stats()).entries == 3
    for node in cache.redis.get_primaries():
        _drop_connections(cache, node.name)
    assert await cache.clear() == 3


def _drop_connections(cache: SemanticCache, key_or_node: str) -> None:
    """The server closes every client connection of the node serving ``key_or_node`` (a key, or a node's name)."""
    assert isinstance(cache.redis, redis.asyncio.RedisCluster)
    node = cache.redis.get_node(node_name=key_or_node) or cache.redis.get_node_from_key(key_or_node)
    with redis.Redis(host=node.host, port=node.port) as killer:
        assert killer.client_kill_filter(_type="normal", skipme=True) >= 1


def _count_closes(cache: SemanticCache, monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many times the cluster client closes every node's connections, from now on."""
    closes = 0
    real_close = cache.redis.aclose

    async def counting() -> None:
        nonlocal closes
        closes += 1
        await real_close()

    monkeypatch.setattr(cache.redis, "aclose", counting)
    return lambda: closes


async def test_a_clear_deletes_the_stored_vectors_of_each_tenant_on_its_shard(
    cluster_cache: SemanticCache, sync_cluster: redis.RedisCluster
) -> None:
    """A tenant's vectors lie under its hash tag, on its shard: its clear deletes them there and leaves the other
    shards' tenants theirs; the clear of everything deletes every shard's, and an admin's (outside any tag)."""
    cache = cluster_cache
    tenants = tenants_on_distinct_shards(cache, sync_cluster, 3)
    texts = {tenant: f"Is port {uuid.uuid4().hex} open for {tenant}?" for tenant in tenants}
    for tenant, text in texts.items():
        await cache.lookup(text, Scope.build(tenant=tenant))
    await cache.search(text=PARAPHRASE)
    await cache.background.drain()
    keys = {tenant: cache.embeddings.key_for(normalise(text), tenant) for tenant, text in texts.items()}
    admin = cache.embeddings.key_for(normalise(PARAPHRASE), None)
    assert [sync_cluster.exists(key) for key in [*keys.values(), admin]] == [1, 1, 1, 1]
    await cache.clear(tenant=tenants[0])
    assert [sync_cluster.exists(key) for key in keys.values()] == [0, 1, 1]
    await cache.clear()
    assert [sync_cluster.exists(key) for key in [*keys.values(), admin]] == [0, 0, 0, 0]


async def test_a_lookup_before_a_clear_elsewhere_writes_no_vector_after_it_on_its_shard(
    cluster_cache: SemanticCache,
    cluster_settings: Settings,
    local_embedder: LocalEmbedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a cluster as on one Redis: the vectors a lookup left to the fill carry the clear counts read before them,
    in the tenant's slot beside them; a clear from another process in between, and the fill deletes what it wrote
    (another tenant's stay)."""
    await a_clear_elsewhere_wins(cluster_cache, cluster_settings, local_embedder, monkeypatch)
