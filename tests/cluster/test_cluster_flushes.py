"""The counters' and the telemetry's flushes on a cluster fail per node: with one primary killed, what goes to the
other shards lands (once), the dead shard's part is dropped (counters) or kept for a later flush (aggregates), and
no healthy node's connection is closed. redis-py's cluster pipeline let the lost node's error escape, closed every
node's connections, slept 0.25 s before each of three retries, and the telemetry kept the whole flush for later:
the parts that had landed on healthy shards were added twice once the shard was back."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from nearhit import redis_cluster
from nearhit.cache.keys import KeySpace
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap
from nearhit.service.telemetry import BUCKETS, ColumnRecord, Telemetry
from tests.cluster.failover import readable


def _record(ts: float) -> ColumnRecord:
    return ColumnRecord(
        column="cache", outcome="miss", source="ask", model="m", priced_as="gpt-4o", simulated=True, tenant="t",
        prompt_tokens=10, completion_tokens=20, tokens_saved=0, cost_usd=0.001, cost_saved_usd=0.0, total_ms=10.0,
        ts=ts,
    )  # fmt: skip


def _layout(sync: redis.RedisCluster) -> tuple[str, float, int]:
    """An index name and an event time whose keys fall on shards as the test needs: the counters and the telemetry
    totals on one shard (the one killed), the event stream and the minute's bucket on others."""
    now = time.time()
    for i in range(10_000):
        keys = KeySpace(f"fl{i}")
        victim = sync.get_node_from_key(keys.telemetry_totals).port
        if sync.get_node_from_key(keys.stats_key).port != victim:
            continue
        if sync.get_node_from_key(keys.telemetry_stream).port == victim:
            continue
        minute = BUCKETS[0][0]
        for back in range(1, 60):
            start = int(now // minute - back) * minute
            if sync.get_node_from_key(f"{keys.telemetry_buckets}{minute}:{start}").port != victim:
                return keys.index_name, start + 1.0, victim
    raise AssertionError("no layout found")


def _field(sync: redis.RedisCluster, key: str, name: str) -> float:
    value: Any = sync.hget(key, name)
    return float(value or 0)


@pytest.mark.slow
async def test_flushes_to_a_dead_shard_leave_the_other_shards_writes_landing_once(
    tmp_path: Path, local_embedder: LocalEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    topology = redis_cluster.start_cluster(tmp_path / "cluster")
    sync = redis.RedisCluster(host="127.0.0.1", port=topology.ports("primary")[0], socket_timeout=2)
    name, ts, victim = _layout(sync)
    settings = load_settings(redis_url=topology.url, data_dir=tmp_path, index_name=name, guards=False)
    cache = await bootstrap.open_cache(settings, local_embedder)
    telemetry = Telemetry(lambda: cache.redis, cache.keys)
    keys = cache.keys
    bucket = f"{keys.telemetry_buckets}{BUCKETS[0][0]}:{int(ts) - 1}"
    healthy = [port for port in topology.ports("primary") if port != victim]
    try:
        telemetry.record(_record(ts))
        await telemetry.flush()
        cache._count("misses")
        await cache._flush_counts()
        assert _field(sync, keys.telemetry_totals, "cache:requests") == 1
        with redis.Redis(port=victim) as primary:
            assert primary.wait(1, 2000) == 1
        before = redis_cluster.client_connections(healthy)
        os.kill(next(n.pid for n in topology.nodes if n.port == victim), signal.SIGKILL)

        caplog.set_level(logging.INFO)
        telemetry.record(_record(ts))
        started = time.monotonic()
        await telemetry.flush()  # the events to a healthy shard, the aggregates to all three
        took = time.monotonic() - started
        assert before <= redis_cluster.client_connections(healthy), (
            "a flush to the dead shard closed a healthy node's connections"
        )
        assert sync.xlen(keys.telemetry_stream) == 2 and telemetry.dropped == 0
        assert _field(sync, bucket, "cache:requests") == 2  # the healthy shard's part landed
        for _ in range(2):
            cache._count("misses")
            await cache._flush_counts()
        assert cache.counters_dropped == 2
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert sum("hit counters not written" in message for message in warnings) == 1, warnings
        assert sum("telemetry writes failing" in message for message in warnings) == 1, warnings

        deadline = time.monotonic() + 20
        while not readable(sync, keys.telemetry_totals):
            assert time.monotonic() < deadline, "the killed shard's replica was not promoted"
            await asyncio.sleep(0.1)
        while _field(sync, keys.telemetry_totals, "cache:requests") < 2:  # its layout read again, it lands
            assert time.monotonic() < deadline, "the kept aggregates never landed"
            await telemetry.flush()
        assert _field(sync, keys.telemetry_totals, "cache:requests") == 2  # the kept part, once
        assert _field(sync, bucket, "cache:requests") == 2  # not added again
        assert sync.ttl(bucket) > 0
        attempts = 0
        while _field(sync, keys.stats_key, "misses") < 2:
            assert time.monotonic() < deadline, "the counters never landed again"
            cache._count("misses")
            await cache._flush_counts()
            attempts += 1
        assert _field(sync, keys.stats_key, "misses") == 2  # the first and one after: the lost ones stay lost
        assert cache.counters_dropped == 2 + attempts - 1
        assert any("telemetry writes resumed" in r.getMessage() for r in caplog.records)
        print(f"flushes: the first to a dead shard took {took * 1000:.0f} ms")
    finally:
        sync.close()
        await telemetry.close()
        await cache.close()
        redis_cluster.stop(topology)
