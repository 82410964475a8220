"""The first telemetry and hit-counter flushes after ``kill -9`` of the cluster primary holding their keys (a local
3+3 cluster from the pip binaries): the wall time of each, and how many of the healthy primaries' client connections
the flushes closed (their ``CLIENT LIST`` ids gone). Run it against two trees by ``PYTHONPATH`` to compare them:

    PYTHONPATH=src .venv/bin/python benchmarks/cluster_flush.py /tmp/flush
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import redis

from nearhit import redis_cluster
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap
from nearhit.service.telemetry import ColumnRecord, Telemetry


def _record() -> ColumnRecord:
    return ColumnRecord(
        column="cache", outcome="miss", source="ask", model="m", priced_as="gpt-4o", simulated=True, tenant="t",
        prompt_tokens=1, completion_tokens=1, tokens_saved=0, cost_usd=0.0, cost_saved_usd=0.0, total_ms=1.0,
    )  # fmt: skip


async def main(base: Path) -> None:
    topology = redis_cluster.start_cluster(base / "cluster")
    sync = redis.RedisCluster(host="127.0.0.1", port=topology.ports("primary")[0], socket_timeout=2)
    name = next(
        f"b{i}"
        for i in range(1000)
        if sync.get_node_from_key(f"nearhit:b{i}:stats").port
        == sync.get_node_from_key(f"nearhit:b{i}:telemetry:totals").port
    )
    settings = load_settings(redis_url=topology.url, data_dir=base, index_name=name, guards=False)
    cache = await bootstrap.open_cache(settings, LocalEmbedder())
    telemetry = Telemetry(lambda: cache.redis, cache.keys)
    try:
        victim = sync.get_node_from_key(cache.keys.stats_key).port
        healthy = [port for port in topology.ports("primary") if port != victim]
        telemetry.record(_record())
        await telemetry.flush()
        cache._count("misses")
        await cache._flush_counts()
        with redis.Redis(port=victim) as primary:
            primary.wait(1, 2000)
        before = redis_cluster.client_connections(healthy)
        os.kill(next(n.pid for n in topology.nodes if n.port == victim), signal.SIGKILL)
        telemetry.record(_record())
        started = time.monotonic()
        await telemetry.flush()
        events = time.monotonic() - started
        closed = len(before - redis_cluster.client_connections(healthy))
        cache._count("misses")
        started = time.monotonic()
        await cache._flush_counts()
        counters = time.monotonic() - started
        print(
            f"telemetry flush {events * 1000:.0f} ms, counters flush {counters * 1000:.0f} ms, "
            f"healthy connections closed {closed} of {len(before)}"
        )
    finally:
        sync.close()
        await telemetry.close()
        await cache.close()
        redis_cluster.stop(topology)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
