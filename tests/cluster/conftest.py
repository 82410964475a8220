"""Local Redis topologies from the pip binaries, started once per session and always torn down.

The failover tests kill processes, so they start their own sets (function scope); the shared ones here stay
whole for the detection tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nearhit import redis_cluster
from nearhit.redis_cluster import LocalTopology


@pytest.fixture(scope="session")
def local_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTopology]:
    """A 3-primary + 3-replica Redis Cluster with the Query Engine on every node."""
    topology = redis_cluster.start_cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield topology
    finally:
        redis_cluster.stop(topology)


@pytest.fixture(scope="session")
def local_sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTopology]:
    """A primary + replica watched by one Sentinel as service ``nearhit``."""
    topology = redis_cluster.start_sentinel(tmp_path_factory.mktemp("sentinel"))
    try:
        yield topology
    finally:
        redis_cluster.stop(topology)
