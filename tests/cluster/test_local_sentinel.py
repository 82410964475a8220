"""The local Sentinel set from the pip binaries: a redis-py ``Sentinel(...).master_for(...)`` client follows a
``kill -9`` of the primary to the promoted replica within 5 s."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from redis.sentinel import Sentinel

from nearhit import redis_cluster


def test_sentinel_set_reports_its_primary(local_sentinel: redis_cluster.LocalTopology) -> None:
    states = {s.node.role: s for s in redis_cluster.states(local_sentinel)}
    assert states["primary"].role == "master" and states["replica"].role == "slave"
    assert states["sentinel"].detail == f"127.0.0.1:{local_sentinel.ports('primary')[0]}"


@pytest.mark.slow
def test_client_follows_a_killed_primary_within_5_s(tmp_path: Path) -> None:
    topology = redis_cluster.start_sentinel(tmp_path / "sentinel")
    try:
        sentinel = Sentinel([("127.0.0.1", topology.ports("sentinel")[0])], socket_timeout=0.5)
        primary = sentinel.master_for(topology.service, socket_timeout=0.5)
        primary.set("answer", "42")
        assert primary.wait(1, 2000) == 1  # the replica has it before the primary dies
        (old_pid,) = [n.pid for n in topology.nodes if n.role == "primary"]
        (replica_port,) = topology.ports("replica")
        os.kill(old_pid, signal.SIGKILL)
        killed_at = time.monotonic()

        def serves_from_replica() -> bool:
            return sentinel.discover_master(topology.service)[1] == replica_port and bool(primary.set("after", "1"))

        redis_cluster.wait_for(serves_from_replica, 5.0, "the Sentinel client to follow the promotion")
        followed_in = time.monotonic() - killed_at
        assert primary.get("answer") == b"42"
        print(f"Sentinel client followed the promotion {followed_in:.2f} s after kill -9")
    finally:
        redis_cluster.stop(topology)
