"""The cache through failovers: behind Sentinel, the promoted replica serves hits within 5 s of a ``kill -9``
of the primary; on the 3+3 cluster, killing one primary stops only the tenants of that shard, until its
replica is promoted, and caching resumes by itself."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
import redis

from nearhit import redis_cluster
from nearhit.cache import Scope, SemanticCache
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.errors import RedisUnavailable
from nearhit.service import bootstrap

QUESTION = "What is the capital of France?"
PARAPHRASE = "Which city is the capital of France?"


async def _hit_or_error(cache: SemanticCache, scope: Scope) -> str:
    try:
        result = await cache.lookup(PARAPHRASE, scope, threshold=0.7)
    except RedisUnavailable:
        return "error"
    return result.match or "miss"


@pytest.mark.slow
async def test_sentinel_promoted_replica_serves_hits_within_5_s(tmp_path: Path, local_embedder: LocalEmbedder) -> None:
    topology = redis_cluster.start_sentinel(tmp_path / "sentinel")
    settings = load_settings(redis_url=topology.url, data_dir=tmp_path, index_name="s_idx", guards=False)
    cache = await bootstrap.open_cache(settings, local_embedder)
    try:
        scope = Scope.build(tenant="acme")
        await cache.store(QUESTION, "Paris.", scope)
        assert await _hit_or_error(cache, scope) == "semantic"
        with redis.Redis(port=topology.ports("primary")[0]) as primary:
            assert primary.wait(1, 2000) == 1  # the replica has the entry before the primary dies
        (pid,) = [node.pid for node in topology.nodes if node.role == "primary"]
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        while await _hit_or_error(cache, scope) != "semantic":
            assert time.monotonic() - killed_at < 5.0, "no hit from the promoted replica within 5 s"
            await asyncio.sleep(0.05)
        print(f"Sentinel: hits again {time.monotonic() - killed_at:.2f} s after kill -9 of the primary")
    finally:
        await cache.close()
        redis_cluster.stop(topology)


@pytest.mark.slow
async def test_a_killed_cluster_primary_only_stops_its_own_tenants(
    tmp_path: Path, local_embedder: LocalEmbedder
) -> None:
    topology = redis_cluster.start_cluster(tmp_path / "cluster")
    settings = load_settings(redis_url=topology.url, data_dir=tmp_path, index_name="k_idx", guards=False)
    cache = await bootstrap.open_cache(settings, local_embedder)
    sync = redis.RedisCluster(host="127.0.0.1", port=topology.ports("primary")[0], socket_timeout=2)
    try:
        shards: dict[int, str] = {}
        for i in range(1000):
            tenant = f"tenant-{i}"
            shards.setdefault(sync.get_node_from_key(cache.spec.for_tenant(tenant).name).port, tenant)
            if len(shards) == 3:
                break
        scopes = {port: Scope.build(tenant=tenant) for port, tenant in shards.items()}
        for scope in scopes.values():
            await cache.store(QUESTION, "Paris.", scope)
        victim = next(iter(scopes))
        with redis.Redis(port=victim) as primary:
            assert primary.wait(1, 2000) == 1
        os.kill(next(n.pid for n in topology.nodes if n.port == victim), signal.SIGKILL)
        killed_at = time.monotonic()
        errors: dict[int, int] = dict.fromkeys(scopes, 0)
        while True:  # load on every shard until the victim's tenant is served again
            outcomes = await asyncio.gather(*(_hit_or_error(cache, scope) for scope in scopes.values()))
            for port, outcome in zip(scopes, outcomes, strict=True):
                if port != victim:
                    assert outcome == "semantic", f"a tenant of a healthy shard got {outcome}"
                errors[port] += outcome == "error"
            if outcomes[0] == "semantic" and time.monotonic() - killed_at > 0.5:
                break
            assert time.monotonic() - killed_at < 15, "the killed shard's tenant is still not served"
            await asyncio.sleep(0.05)
        print(
            f"cluster: its tenant served again {time.monotonic() - killed_at:.2f} s after kill -9 "
            f"({errors[victim]} lookups failed meanwhile)"
        )
        await cache.store("How tall is the Eiffel tower?", "330 m.", scopes[victim])  # caching resumes
        assert (await cache.lookup("How tall is the Eiffel tower?", scopes[victim])).match == "exact"
    finally:
        sync.close()
        await cache.close()
        redis_cluster.stop(topology)
