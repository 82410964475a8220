"""What the failover tests ask of a cluster while one of its primaries is down."""

from __future__ import annotations

import redis


def readable(client: redis.RedisCluster, key: str) -> bool:
    """Whether ``key``'s shard answers again (its replica promoted)."""
    try:
        client.hgetall(key)
    except (redis.exceptions.RedisError, OSError):
        return False
    return True
