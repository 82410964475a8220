"""``REDIS_URL`` forms and start-up checks against the real local cluster and Sentinel set: the topology is
told apart, and each mismatch is a clear error that says what to change (not MOVED at request time)."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
import redis

from nearhit import redis_cluster
from nearhit.errors import ConfigError, RedisUnavailable
from nearhit.redis_cluster import LocalTopology
from nearhit.redis_topology import Detected, RedisTarget, Topology, inspect, open_client, parse_target
from tests.support.ports import free_port


@pytest.mark.parametrize(
    ("url", "cluster", "expected"),
    [
        ("redis://h:6379/0", False, RedisTarget(Topology.SINGLE, "redis://h:6379/0")),
        ("rediss://:pw@h:6380/0", False, RedisTarget(Topology.SINGLE, "rediss://:pw@h:6380/0")),
        ("redis://h:6379/0", True, RedisTarget(Topology.CLUSTER, "redis://h:6379/0")),
        ("redis://h:7000/0?cluster=true&x=1", False, RedisTarget(Topology.CLUSTER, "redis://h:7000/0?x=1")),
        ("redis+cluster://h:7000", False, RedisTarget(Topology.CLUSTER, "redis://h:7000")),
        ("rediss+cluster://u:p@h:7000", False, RedisTarget(Topology.CLUSTER, "rediss://u:p@h:7000")),
        (
            "redis+sentinel://u:p@s1:26380,s2/mymaster/2",
            False,
            RedisTarget(Topology.SENTINEL, "redis://u:p@localhost", (("s1", 26380), ("s2", 26379)), "mymaster", 2),
        ),
    ],
)
def test_url_forms(url: str, cluster: bool, expected: RedisTarget) -> None:
    assert parse_target(url, cluster=cluster) == expected


@pytest.mark.parametrize(
    ("url", "cluster", "message"),
    [
        ("http://h:6379", False, "scheme 'http'.*redis\\+sentinel://host:port/service"),
        ("redis+sentinel://s1:26379", False, "needs the service name"),
        ("redis+sentinel://s1:x/svc", False, "bad Sentinel port in 's1:x'"),
        ("redis+sentinel://s1/svc/zero", False, "bad database number 'zero'"),
        ("redis+sentinel://s1/svc", True, "cluster mode is set: choose one"),
    ],
)
def test_bad_url_forms_are_named(url: str, cluster: bool, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_target(url, cluster=cluster)


async def test_cluster_is_detected_without_coordinator(local_cluster: LocalTopology) -> None:
    detected = await inspect(parse_target(local_cluster.url))
    ports = sorted(n.port for n in local_cluster.nodes)
    assert detected == Detected(Topology.CLUSTER, tuple(f"127.0.0.1:{p}" for p in ports), search_coordinator=False)


async def test_cluster_node_without_cluster_mode_says_to_set_it(local_cluster: LocalTopology) -> None:
    port = local_cluster.ports("replica")[1]
    with pytest.raises(ConfigError, match=f"127.0.0.1:{port}, a node of a Redis Cluster.*NEARHIT_REDIS_CLUSTER=true"):
        await inspect(parse_target(f"redis://127.0.0.1:{port}/0"))


async def test_cluster_mode_on_a_plain_node_says_to_unset_it(local_sentinel: LocalTopology) -> None:
    port = local_sentinel.ports("primary")[0]
    with pytest.raises(ConfigError, match=f"127.0.0.1:{port} is not a Redis Cluster node.*unset"):
        await inspect(parse_target(f"redis://127.0.0.1:{port}/0", cluster=True))


async def test_cluster_client_reaches_every_shard(local_cluster: LocalTopology) -> None:
    client = open_client(parse_target(local_cluster.url))
    try:
        for key in ("a", "b", "c", "d"):  # four keys over several slots: MOVED is followed, not raised
            await client.set(f"probe:{key}", key)
            assert await client.get(f"probe:{key}") == key.encode()
    finally:
        await client.aclose()


async def test_sentinel_is_detected_with_its_primary(local_sentinel: LocalTopology) -> None:
    detected = await inspect(parse_target(local_sentinel.url))
    assert detected == Detected(Topology.SENTINEL, (f"127.0.0.1:{local_sentinel.ports('primary')[0]}",))
    client = open_client(parse_target(local_sentinel.url))
    try:
        assert await client.ping()
    finally:
        await client.aclose()


async def test_unknown_sentinel_service_is_named(local_sentinel: LocalTopology) -> None:
    (port,) = local_sentinel.ports("sentinel")
    with pytest.raises(ConfigError, match=f"127.0.0.1:{port} monitors no service named 'nope' \\(it knows: nearhit\\)"):
        await inspect(parse_target(f"redis+sentinel://127.0.0.1:{port}/nope"))


async def test_unreachable_sentinel_is_named() -> None:
    port = free_port()
    with pytest.raises(RedisUnavailable, match=f"no Sentinel answered at 127.0.0.1:{port}"):
        await inspect(parse_target(f"redis+sentinel://127.0.0.1:{port}/nearhit"))


async def test_an_unreachable_node_is_named_by_its_url_without_the_password() -> None:
    port = free_port()
    with pytest.raises(
        RedisUnavailable, match=rf"cannot reach Redis at redis://\*\*\*@127\.0\.0\.1:{port}/0: "
    ) as caught:
        await inspect(parse_target(f"redis://user:s3cret@127.0.0.1:{port}/0"))
    assert "s3cret" not in str(caught.value)


async def test_a_single_node_is_detected(local_sentinel: LocalTopology) -> None:
    port = local_sentinel.ports("primary")[0]
    assert await inspect(parse_target(f"redis://127.0.0.1:{port}/0")) == Detected(
        Topology.SINGLE, (f"127.0.0.1:{port}",)
    )


async def test_cluster_node_without_query_engine_is_named(tmp_path: Path) -> None:
    topology = redis_cluster.start_cluster(tmp_path / "bare", primaries=1, replicas=0, query_engine=False)
    try:
        (port,) = topology.ports("primary")
        with pytest.raises(RedisUnavailable, match=f"the Redis node 127.0.0.1:{port}: this Redis .* no Query Engine"):
            await inspect(parse_target(topology.url))
    finally:
        redis_cluster.stop(topology)


@pytest.mark.skipif(not os.environ.get("NEARHIT_TEST_COORDINATOR_URL"), reason="NEARHIT_TEST_COORDINATOR_URL unset")
async def test_coordinator_build_is_detected_and_searches_across_shards() -> None:
    """Opt-in: a cluster with a search coordinator (Redis 8.4+ cluster, Redis Cloud, ...) in cluster mode:
    one index without a hash tag finds documents on every shard."""
    target = parse_target(os.environ["NEARHIT_TEST_COORDINATOR_URL"], cluster=True)
    assert (await inspect(target)).search_coordinator
    client = open_client(target)
    name = "nearhit_coordinator_probe"
    try:
        await client.execute_command(
            "FT.CREATE", name, "ON", "HASH", "PREFIX", 1, f"{name}:", "SCHEMA", "v", "VECTOR", "FLAT", 6,
            "TYPE", "FLOAT32", "DIM", 2, "DISTANCE_METRIC", "L2",
        )  # fmt: skip
        keys = [f"{name}:{i}" for i in range(12)]  # no hash tag: spread over the slots, so over the shards
        for i, key in enumerate(keys):
            await client.hset(key, mapping={"v": struct.pack("<2f", 0.0, float(i))})
        reply = await client.execute_command(
            "FT.SEARCH", name, "*=>[KNN 12 @v $q]", "PARAMS", 2, "q", bytes(8), "DIALECT", 2, "LIMIT", 0, 20
        )
        total = reply[b"total_results"] if isinstance(reply, dict) else reply[0]
        assert int(total) == len(keys)
    finally:
        await client.execute_command("FT.DROPINDEX", name, "DD")
        await client.aclose()


async def test_a_server_refusing_info_cluster_counts_as_one_endpoint(local_sentinel: LocalTopology) -> None:
    """Managed proxies restrict commands; one that refuses ``INFO`` (here through an ACL) is not a cluster."""
    port = local_sentinel.ports("primary")[0]
    admin = redis.Redis(port=port)
    admin.acl_setuser("restricted", enabled=True, passwords=["+pw"], keys=["*"], commands=["+@all", "-info"])
    try:
        url = f"redis://restricted:pw@127.0.0.1:{port}/0"
        assert await inspect(parse_target(url)) == Detected(Topology.SINGLE, (f"127.0.0.1:{port}",))
    finally:
        admin.acl_deluser("restricted")
        admin.close()
