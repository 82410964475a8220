"""The cache behind Sentinel: the promoted replica serves hits within 5 s of a ``kill -9`` of the primary.
(A killed cluster primary is tested through the service: ``test_cluster_service.py``.)"""

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
