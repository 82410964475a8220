"""The cache-wide stats key lives on one shard of a cluster: while that shard fails over, a tenant on another
(healthy) shard keeps its semantic hits, not only its exact ones. Its lookups read no key outside its own slot
but the labels check, whose failed read counts as "maybe labels" (the safe side)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import redis

from nearhit import redis_cluster
from nearhit.cache import Scope
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap
from tests.cluster.failover import readable

QUESTION = "What is the capital of France?"
PARAPHRASE = "Which city is the capital of France?"


@pytest.mark.slow
async def test_a_healthy_shards_tenant_keeps_its_semantic_hits_while_the_stats_shard_fails_over(
    tmp_path: Path, local_embedder: LocalEmbedder
) -> None:
    topology = redis_cluster.start_cluster(tmp_path / "cluster")
    settings = load_settings(redis_url=topology.url, data_dir=tmp_path, index_name="gs", guards=False)
    sync = redis.RedisCluster(host="127.0.0.1", port=topology.ports("primary")[0], socket_timeout=2)
    cache = await bootstrap.open_cache(settings, local_embedder)
    try:
        slot = sync.cluster_keyslot(cache.keys.stats_key)
        victim = sync.nodes_manager.get_node_from_slot(slot).port
        tenant = next(
            f"tenant-{i}"
            for i in range(1000)
            if sync.get_node_from_key(cache.spec.for_tenant(f"tenant-{i}").name).port != victim
        )
        scope = Scope.build(tenant=tenant)
        await cache.store(QUESTION, "Paris.", scope)
        assert (await cache.lookup(PARAPHRASE, scope, threshold=0.7)).match == "semantic"
        await cache._flush_counts()  # the stats key exists on its shard, replicated below
        with redis.Redis(port=victim) as primary:
            assert primary.wait(1, 2000) == 1
        os.kill(next(n.pid for n in topology.nodes if n.port == victim), signal.SIGKILL)
        killed_at = time.monotonic()
        lookups, slowest = 0, 0.0
        while True:
            result = await cache.lookup(PARAPHRASE, scope, threshold=0.7)
            assert result.match == "semantic", f"lookup {lookups} after kill -9 of the stats shard: {result}"
            lookups, slowest = lookups + 1, max(slowest, result.timings_ms["total"])
            recovered = readable(sync, cache.keys.stats_key)
            if recovered and time.monotonic() - killed_at > 0.5:
                break
            assert time.monotonic() - killed_at < 20, "the stats shard's replica was not promoted"
        took = time.monotonic() - killed_at
        print(f"stats shard: {lookups} semantic hits of a healthy shard's tenant in the {took:.2f} s after kill -9, "
              f"the slowest {slowest:.0f} ms")  # fmt: skip
    finally:
        sync.close()
        await cache.close()
        redis_cluster.stop(topology)
