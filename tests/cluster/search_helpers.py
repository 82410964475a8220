"""A tiny vector index per tenant on a cluster: name and key prefix share the tenant's hash tag, so the index
and its documents live on the one shard that owns that slot (this module build has no search coordinator)."""

from __future__ import annotations

import struct

import redis

DIM = 4


def index_name(tenant: str) -> str:
    return f"q_idx{{{tenant}}}"


def entry_key(tenant: str, doc: str) -> str:
    return f"nearhit:{index_name(tenant)}:entry:{doc}"


def vector(*values: float) -> bytes:
    return struct.pack(f"<{DIM}f", *values)


def create_tenant_index(client: redis.RedisCluster, tenant: str) -> None:
    """FT.CREATE (routed by redis-py to the shard of the index name) and three documents under its prefix."""
    client.execute_command(
        "FT.CREATE", index_name(tenant), "ON", "HASH", "PREFIX", 1, f"nearhit:{index_name(tenant)}:entry:",
        "SCHEMA", "prompt", "TEXT", "v", "VECTOR", "FLAT", 6, "TYPE", "FLOAT32", "DIM", DIM,
        "DISTANCE_METRIC", "COSINE",
    )  # fmt: skip
    for doc, vec in {"a": vector(1, 0, 0, 0), "b": vector(0, 1, 0, 0), "c": vector(0, 0, 1, 0)}.items():
        client.hset(entry_key(tenant, doc), mapping={"prompt": f"{tenant} {doc}", "v": vec})


def nearest(client: redis.RedisCluster, tenant: str, query: bytes) -> list[str]:
    """The keys of the two nearest documents of ``tenant``'s index, nearest first (KNN, dialect 2)."""
    reply = client.execute_command(
        "FT.SEARCH", index_name(tenant), "*=>[KNN 2 @v $q AS score]", "PARAMS", 2, "q", query,
        "SORTBY", "score", "RETURN", 1, "score", "DIALECT", 2,
    )  # fmt: skip
    return [result[b"id"].decode() for result in reply[b"results"]]  # redis-py 8 speaks RESP3: a map


def tenants_on_distinct_shards(client: redis.RedisCluster, count: int) -> list[str]:
    """``count`` tenant names whose hash tags land on ``count`` different primaries."""
    chosen: dict[str, str] = {}
    for i in range(1000):
        tenant = f"tenant{i}"
        node = client.get_node_from_key(index_name(tenant)).name
        chosen.setdefault(node, tenant)
        if len(chosen) == count:
            return list(chosen.values())
    raise AssertionError(f"no {count} tenants on distinct shards")
