"""The service on the local 3+3 cluster: ``/ask`` for tenants on three shards stores and hits; ``kill -9`` of
one primary under load gives no 5xx and never fails the raw column, only that shard's tenant loses its cache
until the replica is promoted, and caching resumes by itself."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from nearhit import redis_cluster
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service.runtime import Runtime
from tests.support.live import LiveServer, fast_llm, serve
from tests.support.slot_guard import SlotGuard
from tests.support.waiting import eventually

QUESTION = "What is the capital of France?"


async def _ask(live: LiveServer, tenant: str) -> dict[str, Any]:
    response = await live.client.post("/ask", json={"prompt": QUESTION, "tenant": tenant})
    assert response.status_code < 500, response.text
    reply: dict[str, Any] = response.json()
    assert reply["raw"]["status"] == "done", reply["raw"]
    return reply


async def _ask_hits(live: LiveServer, tenant: str) -> bool:
    return _hit(await _ask(live, tenant))


def _hit(reply: dict[str, Any]) -> bool:
    return reply["cache"]["status"] == "done" and reply["cache"].get("outcome") in {"exact", "semantic"}


@pytest.mark.slow
async def test_service_on_the_cluster_survives_a_killed_primary(tmp_path: Path, local_embedder: LocalEmbedder) -> None:
    topology = redis_cluster.start_cluster(tmp_path / "cluster")
    settings = load_settings(redis_url=topology.url, data_dir=tmp_path, index_name="svc", guards=False)
    runtime = Runtime(settings, local_embedder, fast_llm())
    sync = redis.RedisCluster(host="127.0.0.1", port=topology.ports("primary")[0], socket_timeout=2)
    try:
        async with serve(settings, runtime) as live:
            cache = await runtime.cache()
            shards: dict[int, str] = {}
            for i in range(1000):
                tenant = f"tenant-{i}"
                shards.setdefault(sync.get_node_from_key(cache.spec.for_tenant(tenant).name).port, tenant)
                if len(shards) == 3:
                    break
            with SlotGuard(topology.ports("primary")) as guard:  # the whole request path, telemetry included
                for tenant in shards.values():
                    first = await _ask(live, tenant)
                    assert first["cache"]["status"] == "done" and not _hit(first), first["cache"]
                for tenant in shards.values():  # the answer is stored as the column completes: poll, don't sleep
                    await eventually(lambda tenant=tenant: _ask_hits(live, tenant))
                await runtime.telemetry.flush()
            assert {"MULTI", "HMGET", "FT.SEARCH", "XADD", "SET"} <= guard.names()
            assert guard.violations() == []
            assert (await live.client.get("/health")).status_code == 200
            assert (await live.client.get("/cache/stats")).json()["entries"] == 3

            victim = next(iter(shards))
            with redis.Redis(port=victim) as primary:
                assert primary.wait(1, 2000) == 1
            os.kill(next(n.pid for n in topology.nodes if n.port == victim), signal.SIGKILL)
            killed_at = time.monotonic()
            slowest = 0.0  # a healthy shard's slowest lookup meanwhile: what its tenants pay for the other's failover
            while True:
                replies = await asyncio.gather(*(_ask(live, tenant) for tenant in shards.values()))
                for port, reply in zip(shards, replies, strict=True):
                    if port != victim:
                        assert _hit(reply), f"a tenant of a healthy shard lost its cache: {reply['cache']}"
                        slowest = max(slowest, reply["cache"]["lookup_ms"])
                if _hit(replies[0]) and time.monotonic() - killed_at > 0.5:
                    break
                assert time.monotonic() - killed_at < 20, f"the killed shard's tenant is not served: {replies[0]}"
                await asyncio.sleep(0.05)
            print(f"service: the killed shard's tenant hits again {time.monotonic() - killed_at:.2f} s after kill -9; "
                  f"a healthy shard's slowest lookup meanwhile {slowest:.0f} ms")  # fmt: skip
    finally:
        sync.close()
        await runtime.close()
        redis_cluster.stop(topology)
