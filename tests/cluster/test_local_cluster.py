"""The local 3+3 cluster from the pip binaries: it forms, serves per-tenant vector search on the tenant's
shard, and survives ``kill -9`` of a primary (its replica is promoted with the index)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

import pytest
import redis

from nearhit import redis_cluster
from nearhit.redis_cluster import LocalTopology
from tests.cluster.search_helpers import (
    create_tenant_index,
    entry_key,
    index_name,
    nearest,
    tenants_on_distinct_shards,
    vector,
)
from tests.support.ports import free_port


def _client(topology: LocalTopology) -> redis.RedisCluster:
    return redis.RedisCluster(host="127.0.0.1", port=topology.ports("primary")[0], socket_timeout=2)


def test_cluster_forms_with_every_node_ok(local_cluster: LocalTopology) -> None:
    states = redis_cluster.states(local_cluster)
    assert sorted(s.role for s in states) == ["master"] * 3 + ["slave"] * 3
    assert {s.detail for s in states} == {"ok"}
    assert redis_cluster.load(local_cluster.base_dir) == local_cluster


def test_tenant_index_on_its_shard_serves_knn(local_cluster: LocalTopology) -> None:
    client = _client(local_cluster)
    try:
        tenants = tenants_on_distinct_shards(client, 3)
        for tenant in tenants:
            create_tenant_index(client, tenant)
        for tenant in tenants:
            assert nearest(client, tenant, vector(0.1, 1, 0, 0)) == [entry_key(tenant, "b"), entry_key(tenant, "a")]
        for tenant in tenants:  # each index exists on its own shard only (no coordinator in this build)
            owner = client.get_node_from_key(index_name(tenant))
            for port in local_cluster.ports("primary"):
                with redis.Redis(port=port) as node:
                    listed = node.execute_command("FT._LIST")
                assert (index_name(tenant).encode() in listed) == (port == owner.port)
    finally:
        for tenant in tenants:
            client.execute_command("FT.DROPINDEX", index_name(tenant), "DD")
        client.close()


def test_a_second_up_in_the_same_folder_is_refused(local_cluster: LocalTopology) -> None:
    with pytest.raises(Exception, match="already runs from"):
        redis_cluster.start_cluster(local_cluster.base_dir)


def test_taken_ports_are_named(local_cluster: LocalTopology, tmp_path: Path) -> None:
    taken = local_cluster.ports("primary")[0]
    with pytest.raises(Exception, match=f"port\\(s\\) {taken}.* already in use.*cluster bus"):
        redis_cluster.start_cluster(tmp_path / "again", base_port=taken)


@pytest.mark.slow
def test_killed_primary_is_replaced_by_its_replica_with_the_index(tmp_path: Path) -> None:
    began = time.monotonic()
    topology = redis_cluster.start_cluster(tmp_path / "failover")
    started_in = time.monotonic() - began
    client = _client(topology)
    try:
        assert started_in <= 5.0, f"cluster start took {started_in:.1f} s"
        (tenant,) = tenants_on_distinct_shards(client, 1)
        create_tenant_index(client, tenant)
        primary = client.get_node_from_key(index_name(tenant))
        replica_port = _replica_of(primary.port)
        pid = next(n.pid for n in topology.nodes if n.port == primary.port)
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()

        replica = redis.Redis(port=replica_port, socket_timeout=1)
        redis_cluster.wait_for(lambda: replica.info("replication")["role"] == "master", 15, "the promotion")
        promoted_in = time.monotonic() - killed_at
        info = replica.execute_command("FT.INFO", index_name(tenant))
        assert int(info[b"num_docs"]) == 3
        fresh = redis.RedisCluster(host="127.0.0.1", port=replica_port, socket_timeout=2)
        redis_cluster.wait_for(
            lambda: nearest(fresh, tenant, vector(0, 0, 1, 0))[0] == entry_key(tenant, "c"), 10, "search after failover"
        )
        fresh.close()
        replica.close()
        print(f"cluster start {started_in:.2f} s, promotion {promoted_in:.2f} s after kill -9")
    finally:
        client.close()
        redis_cluster.stop(topology)


def _replica_of(primary_port: int) -> int:
    """The port of the replica of the primary on ``primary_port`` (from the primary's INFO replication)."""
    with redis.Redis(port=primary_port) as primary:
        return int(primary.info("replication")["slave0"]["port"])


@pytest.mark.parametrize(
    "record", ["not json", "[" * 50_000 + "]" * 50_000, "[]"], ids=["not JSON", "nested", "a list"]
)
def test_an_unreadable_record_is_no_set(tmp_path: Path, record: str) -> None:
    (tmp_path / "topology.json").write_text(record)
    assert redis_cluster.load(tmp_path) is None


def test_a_stale_record_never_signals_a_reused_pid(tmp_path: Path) -> None:
    """After a reboot the recorded pids may belong to other programs: ``load`` sees no set, ``stop`` kills none."""
    stranger = subprocess.Popen(["sleep", "30"])
    try:
        node = redis_cluster.LocalNode("primary", free_port(), stranger.pid)
        stale = LocalTopology("cluster", tmp_path, (node,))
        (tmp_path / "topology.json").write_text(json.dumps({"kind": "cluster", "nodes": [asdict(node)]}))
        assert redis_cluster.load(tmp_path) is None
        redis_cluster.stop(stale)
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()
