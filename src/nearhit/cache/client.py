"""One Redis node or a Redis Cluster, used the same way by the cache.

Every helper here keeps each command within one hash slot: a multi-key command or a MULTI across slots fails
on a cluster (``CROSSSLOT``) and on sharded Redis Enterprise databases even behind their proxy (Azure Managed
Redis), so nearhit never sends one on any deployment.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import AbstractConnection, BlockingConnectionPool, ConnectionPool
from redis.exceptions import AskError, ClusterDownError, RedisError, ResponseError, SlotNotCoveredError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.utils import HIREDIS_AVAILABLE

RedisClient: TypeAlias = Redis | RedisCluster
"""What the cache talks to: one node (or a proxy, or Sentinel's primary), or an OSS cluster's nodes directly."""


def is_cluster(redis: RedisClient) -> bool:
    return isinstance(redis, RedisCluster)


async def reads(
    redis: RedisClient,
    commands: Sequence[tuple[Any, ...]],
    *,
    raise_on_error: bool = True,
    meanwhile: Callable[[], None] | None = None,
) -> list[Any]:
    """Read-only commands in one round trip, their raw replies in order (no response callbacks: for replies
    the caller parses, HMGET, GET, FT.SEARCH). On a cluster, redis-py's pipeline (it routes each command to its
    slot's node). On one node, the commands are packed into one write on a pooled connection and the replies
    read back: what a non-transactional pipeline does, without its per-call machinery, which a lookup pays
    on every round trip (``benchmarks/lookup_split.py`` prints the CPU of both), and under one deadline
    (:func:`_round_trip`). An error reply raises once every reply is read (the connection stays in step), or
    with ``raise_on_error=False`` takes its reply's place (a ``ResponseError``) for the caller to weigh; a
    connection error or a timeout is retried as redis-py retries a command on that connection (its retry
    policy). On a cluster, a read that another shard's failover fails is tried again (:data:`_CLUSTER_RETRIES`).

    ``meanwhile``: work of the caller's that needs no reply, run once between the send and the first reply read
    (while Redis works); on one node only (not run on a cluster, where the caller does it after)."""
    if isinstance(redis, RedisCluster):
        for _ in range(_CLUSTER_RETRIES):
            try:
                return await _cluster_reads(redis, commands, raise_on_error)
            except (RedisConnectionError, RedisTimeoutError, AttributeError, TypeError) as exc:
                if isinstance(exc, AttributeError | TypeError) and not _closed_under_it(exc):
                    raise
                if _put_last(redis, exc) & _nodes_of(redis, commands):
                    raise  # this read's own shard is down: its tenant's degraded miss, at once
        return await _cluster_reads(redis, commands, raise_on_error)
    pool = redis.connection_pool
    connection = await _take(pool)
    clean = False
    try:
        once = [meanwhile] if meanwhile is not None else []  # a retried round trip does not run it again
        replies = await connection.retry.call_with_retry(
            lambda: _round_trip(connection, commands, raise_on_error, once), lambda _: connection.disconnect()
        )
        clean = True
        return replies  # type: ignore[no-any-return]
    finally:
        await _give_back(pool, connection, clean)


async def read_once(redis: RedisClient, *command: Any) -> Any:
    """One read whose caller has a safe answer when it fails. On a cluster it is sent once, as a single command
    to its key's node: a lost node then has only its own connections closed, and is moved last for the
    layout's re-read. Through :func:`reads` (a pipeline), redis-py would close every node's connections and
    sleep 0.25 s before each of its retries (a healthy tenant's lookup took ~2.8 s: benchmarks/README.md,
    twelfth session, the stats key's shard killed)."""
    if isinstance(redis, RedisCluster):
        return await redis.execute_command(*command, target_nodes=redis.get_node_from_key(command[1]))
    (reply,) = await reads(redis, [command])
    return reply


async def hash_reads(redis: RedisClient, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
    """:func:`reads` of hashes' fields (``HGET``, ``HMGET``), a key another client wrote as another type (a
    string, a list) read as None: its ``WRONGTYPE`` reply says that key is no entry, not that Redis failed."""
    replies = await reads(redis, commands, raise_on_error=False)
    for reply in replies:
        if isinstance(reply, ResponseError) and not wrong_type(reply):
            raise reply
    return [None if isinstance(reply, ResponseError) else reply for reply in replies]


def wrong_type(error: ResponseError) -> bool:
    """Whether ``error`` is Redis's ``WRONGTYPE``: another client's key of another type where nearhit reads."""
    return str(error).startswith("WRONGTYPE")


_SPARE = 4
"""Connections :func:`reads` keeps for itself between round trips, per pool: taking one from a
``BlockingConnectionPool`` and giving it back (its lock, its condition, its deadline, its observability hooks)
cost the event loop ~35-45 µs of CPU per round trip at load 9, a quarter of a two-read round trip's
(``benchmarks/README.md``, tenth session); a semantic lookup makes two. More lookups in flight than this take
theirs from the pool, as before. Kept ones stay counted in the pool's ``max_connections``, and its
``disconnect()`` closes them too."""
_KEEPING = (ConnectionPool, BlockingConnectionPool)
"""The pools whose connections are kept: one address for good. A Sentinel's pool moves its connections to a new
primary only as it hands them out, so its connections go back to it after every round trip, as before."""


async def _take(pool: ConnectionPool) -> AbstractConnection:
    """A connection kept by :func:`_give_back`, checked as the pool checks one it hands out (no reply pending,
    not closed by the server: else reconnected on its send), or the pool's."""
    spare: list[AbstractConnection] | None = pool.__dict__.get("_nearhit_spare")
    if not spare:
        taken: AbstractConnection = await pool.get_connection()
        return taken
    connection = spare.pop()
    await _drop_if_stale(connection)
    return connection


async def _drop_if_stale(connection: AbstractConnection) -> None:
    """Disconnect ``connection`` (its send reconnects it) if a reply is pending on it or the server closed it, as
    a pool checks a connection it hands out. redis-py >= 8.2 raises the server's close instead of reading it as
    pending data, and leaves the socket open."""
    try:
        stale = connection.is_connected and await connection.can_read()
    except RedisConnectionError:
        stale = True
    if stale:
        await connection.disconnect()


async def _give_back(pool: ConnectionPool, connection: AbstractConnection, clean: bool) -> None:
    """Keep a connection whose round trip ended with every reply read (up to ``_SPARE``, from a pool of
    ``_KEEPING``), else return it to the pool (which drops one left mid-reply by a timeout or a cancellation)."""
    if clean and type(pool) in _KEEPING:
        spare: list[AbstractConnection] = pool.__dict__.setdefault("_nearhit_spare", [])
        if len(spare) < _SPARE:
            spare.append(connection)
            return
    await pool.release(connection)


async def writes(redis: RedisClient, commands: Sequence[tuple[Any, ...]]) -> None:
    """Idempotent writes (a ``SET ... EX``: sent twice on a retry, the same value) in one round trip, sent as
    :func:`reads` sends its reads. The embedding store's fill after a lookup runs in the background, so the next
    request on the event loop pays for it: one SET through a redis-py pipeline 0.69-0.93 ms of the loop's CPU at
    load 12-16, packed here 0.48-0.65 (``benchmarks/README.md``, ninth session). Off a lookup's path: a write waits
    out a ``CLIENT PAUSE WRITE``."""
    await reads(redis, commands)


async def writes_per_node(redis: RedisClient, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Writes whose loss the caller can bear (counters, telemetry), one round trip per node; in each command's
    place its reply or the error that stopped it, never raised, so the caller retries or drops exactly what
    failed (an ``HINCRBY`` that landed must not be sent again). On a cluster each node's commands are packed on
    one of its connections, as :func:`reads` sends one node's: a node that fails fails only its own commands.
    redis-py's cluster pipeline would, ``raise_on_error=False`` or not, let a lost connection escape, close every
    node's connections (a healthy shard's in-flight lookups with them) and sleep 0.25 s before each of its three
    retries (a flush took 2.7 s: ``tests/cluster/test_cluster_flushes.py``)."""
    try:
        if isinstance(redis, RedisCluster):
            return await _cluster_writes(redis, commands)
        return await reads(redis, commands, raise_on_error=False)
    except (RedisError, OSError) as exc:  # no node reached (the layout could not be read)
        return [exc] * len(commands)


async def _cluster_writes(redis: RedisCluster, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
    await redis.initialize()  # a layout marked stale (below, or by redis-py) is read again first
    replies: list[Any] = [None] * len(commands)
    by_node: dict[str, tuple[ClusterNode, list[int]]] = {}
    for position, command in enumerate(commands):
        node = redis.get_node_from_key(command[1])
        if node is None:  # a slot no node serves now (a lost shard with no replica, coverage not required)
            replies[position] = SlotNotCoveredError(f"no node serves the slot of {command[1]!r}")
            redis._initialize = True
        else:
            by_node.setdefault(node.name, (node, []))[1].append(position)
    groups = list(by_node.values())
    sent = await asyncio.gather(*(_node_round_trip(redis, node, [commands[i] for i in at]) for node, at in groups))
    for (_, positions), node_replies in zip(groups, sent, strict=True):
        for position, reply in zip(positions, node_replies, strict=True):
            replies[position] = reply
    return replies


async def _node_round_trip(redis: RedisCluster, node: ClusterNode, commands: list[tuple[Any, ...]]) -> list[Any]:
    """One node's commands on one of its connections; a lost node's error in every place. The node is moved last
    and the layout read again before the next command, as redis-py does when a single command loses its node: once
    its replica is promoted the writes go there. A redirect (the slot moved) asks for the layout too."""
    try:
        connection = node.acquire_connection()
    except RedisConnectionError as exc:  # MaxConnectionsError: this node's pool is full, not lost
        return [exc] * len(commands)
    clean = False
    try:
        await node.disconnect_if_needed(connection)
        await _drop_if_stale(connection)
        replies = await _round_trip(connection, commands, raise_on_error=False)
        clean = True
    except (RedisConnectionError, RedisTimeoutError, OSError, AttributeError, TypeError) as exc:
        if isinstance(exc, AttributeError | TypeError) and not _closed_under_it(exc):
            raise
        _put_last(redis, exc)
        redis._initialize = True  # what redis-py's execute_command sets on a lost node (no public way)
        return [exc] * len(commands)
    finally:
        if not clean:
            connection.mark_for_reconnect()  # left mid-reply: closed as it goes back
        node.release(connection)
    if any(isinstance(reply, AskError | ClusterDownError | TryAgainError) for reply in replies):
        redis._initialize = True
    return replies


def _closed_under_it(exc: AttributeError | TypeError) -> bool:
    """A connection closed by another task while this one wrote on it: redis-py lets the transport's own error
    through ("'NoneType' object has no attribute 'writelines'") instead of a ConnectionError (redis-py issue
    4287), seen on a cluster whose other shard fails over. It is a dropped connection, retried as one."""
    return "'NoneType' object" in str(exc)


_CLUSTER_RETRIES = 3
"""Tries of a cluster read after the first, while it fails on another shard's failover: a pipeline's retry closes
every node's connections (a healthy shard's in-flight reads fail with it), and re-reads the layout through the
default node (``COMMAND``), the first primary it knows, which may be the dead one until the failover ends (redis-py
moves a failed node last for single commands, not for pipelines). Each try moves the node its error names last, as
redis-py does for a single command, so the next routes anew around it; a healthy request that is not hit pays
nothing. Bounded: the shard of a read whose own node failed is down, and that read's error is raised at once."""


def _put_last(redis: RedisCluster, exc: Exception) -> set[str]:
    """Move the nodes ``exc`` names to the end of the client's known nodes (and off the default node), where a
    layout's re-read and the default node's choice come to them last; their names."""
    named = {node.name for node in redis.get_nodes() if _names_node(exc, node.name)}
    for name in named:
        redis.nodes_manager.move_node_to_end_of_cached_nodes(name)
    default = redis.get_default_node()
    if default is not None and default.name in named:
        redis.replace_default_node()
    return named


def _nodes_of(redis: RedisCluster, commands: Sequence[tuple[Any, ...]]) -> set[str]:
    """The primaries serving the keys of ``commands`` (each command's key is its first argument), as known now."""
    slots = redis.nodes_manager.slots_cache
    owners = (slots.get(redis.keyslot(command[1])) for command in commands if len(command) > 1)
    return {nodes[0].name for nodes in owners if nodes}


def _names_node(exc: Exception, name: str) -> bool:
    """Whether a connection error is about the node ``name`` (``host:port``)."""
    return (
        getattr(exc, "last_failed_node_name", None) == name or re.search(rf"{re.escape(name)}\b", str(exc)) is not None
    )


async def _cluster_reads(
    redis: RedisCluster, commands: Sequence[tuple[Any, ...]], raise_on_error: bool = True
) -> list[Any]:
    async with redis.pipeline() as pipe:
        for command in commands:
            pipe.execute_command(*command)
        # Every error comes back in its command's place, none raised inside redis-py: there a lost connection (another
        # request's pipeline retry closes every node's connections, a healthy shard's included) would make this
        # pipeline close them all again and sleep 0.25 s before its own retry, and the next one hit by it the same.
        replies = list(await pipe.execute(raise_on_error=False))
    lost = [reply for reply in replies if isinstance(reply, Exception) and not isinstance(reply, ResponseError)]
    failed = lost or [reply for reply in replies if isinstance(reply, ResponseError) and raise_on_error]
    if failed:
        raise failed[0]  # a lost connection first: :func:`reads` routes it anew
    return replies


async def _round_trip(
    connection: AbstractConnection,
    commands: Sequence[tuple[Any, ...]],
    raise_on_error: bool = True,
    meanwhile: list[Callable[[], None]] | None = None,
) -> list[Any]:
    """The commands sent and their replies read within one deadline, the connection's ``socket_timeout``: redis-py
    would give the write a deadline of its own (``asyncio.wait_for``, a Task on Python 3.11) and each reply
    another (a timer each): ~80 µs of the event loop's CPU per round trip of three reads at load 10
    (``benchmarks/README.md``, seventh session). The round trip as a whole gets the budget one read had: a
    Redis that does not answer in it is a timeout, as it was, and the connection is dropped (redis-py closes it
    when a send or read is cancelled)."""
    deadline = connection.socket_timeout
    connection.socket_timeout = None  # no deadline of redis-py's own inside this one (restored below)
    timer = asyncio.timeout(deadline)
    try:
        async with timer:
            return await _send_and_read(connection, commands, raise_on_error, meanwhile)
    except TimeoutError:
        if not timer.expired():
            raise
        raise RedisTimeoutError(f"Timeout reading from Redis ({deadline} s)") from None
    finally:
        if connection.socket_timeout is None:  # unless redis-py changed it meanwhile (a maintenance's relaxed one)
            connection.socket_timeout = deadline


_HIREDIS: Callable[[tuple[Any, ...]], bytes] | None = None
if HIREDIS_AVAILABLE:
    from hiredis import pack_command as _HIREDIS


def _packed(connection: AbstractConnection, commands: Sequence[tuple[Any, ...]]) -> list[bytes]:
    """The commands in the wire format, by hiredis where it is installed (what redis-py's synchronous client
    packs with then; its asyncio client packs in Python, ~1.5 µs an argument, and a lookup's round trip carries
    ~60: ``benchmarks/README.md``, eighth session), else by the connection. hiredis is called as is, without
    redis-py's serializer around it (which splits a command name given with a space and checks each argument
    for a ``memoryview``: 20-30 µs per round trip at load 9, tenth session): the commands here are a one-word
    name and arguments of text, bytes or integers. The same bytes either way (``tests/cache/test_client_reads.py``)."""
    if _HIREDIS is None:
        return connection.pack_commands(commands)
    return [b"".join([_HIREDIS(command) for command in commands])]


async def _send_and_read(
    connection: AbstractConnection,
    commands: Sequence[tuple[Any, ...]],
    raise_on_error: bool = True,
    meanwhile: list[Callable[[], None]] | None = None,
) -> list[Any]:
    """Send the commands, run what waits in ``meanwhile`` (emptied: once), then read every reply."""
    await connection.send_packed_command(_packed(connection, commands))
    while meanwhile:
        meanwhile.pop()()
    replies: list[Any] = []
    for _ in commands:
        try:
            replies.append(await connection.read_response())
        except ResponseError as exc:
            replies.append(exc)
    if raise_on_error:
        for reply in replies:
            if isinstance(reply, ResponseError):
                raise reply
    return replies


async def unlink_each(redis: RedisClient, keys: Iterable[str | bytes]) -> int:
    """UNLINK keys one by one in a (non-transactional) pipeline: one round trip, no multi-key command."""
    batch = list(keys)
    if not batch:
        return 0
    async with redis.pipeline(transaction=False) as pipe:
        for key in batch:
            pipe.execute_command("UNLINK", key)  # a cluster pipeline's own unlink() is a coroutine
        replies = await pipe.execute()
    return sum(int(reply) for reply in replies)


async def on_index(redis: RedisClient, command: str, index_name: str, *args: Any) -> Any:
    """An ``FT.*`` command, sent on a cluster to the shard owning the index name's slot. redis-py would find
    that shard itself, but only after asking a node ``COMMAND GETKEYS`` for every call (a search command's
    keys are "movable"): a second round trip on every lookup. A moved slot is still followed (``MOVED``)."""
    if not isinstance(redis, RedisCluster):
        return await redis.execute_command(command, index_name, *args)
    for _ in range(_CLUSTER_RETRIES):
        owner = redis.get_node_from_key(index_name)
        try:
            return await redis.execute_command(command, index_name, *args, target_nodes=owner)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            # A command given its node is not retried by redis-py; and when another node fails, a pipeline's retry
            # closes every node's connections (a read of a dead shard's tenant, or any other pipeline). Tried again
            # as :func:`reads` is, on the node that owns the slot now; at once when that node refused or timed out
            # (its name in the error: redis-py names the command's node on any error, a closed connection too).
            _put_last(redis, exc)
            if owner is None or re.search(rf"{re.escape(owner.name)}\b", str(exc)):
                raise
    return await redis.execute_command(command, index_name, *args, target_nodes=redis.get_node_from_key(index_name))


async def on_every_primary(redis: RedisClient, *args: Any) -> list[Any]:
    """A keyless read's reply from each primary (one reply on a single node). On a cluster, a connection the
    server closed (its idle ``timeout``, a proxy, a restart) is tried once more: redis-py retries no command given
    its nodes, and stats, a clear or a search of every tenant failed on it ("Connection closed by server")."""
    if isinstance(redis, RedisCluster):
        try:
            replies = await redis.execute_command(*args, target_nodes=redis.get_primaries())
        except RedisConnectionError:
            replies = await redis.execute_command(*args, target_nodes=redis.get_primaries())
        return list(replies.values()) if isinstance(replies, dict) else [replies]
    return [await redis.execute_command(*args)]


async def index_names(redis: RedisClient) -> set[str]:
    """Every search index on every shard (``FT._LIST``): without a coordinator each shard lists its own."""
    names: set[str] = set()
    for reply in await on_every_primary(redis, "FT._LIST"):
        names |= {name.decode() if isinstance(name, bytes) else str(name) for name in reply}
    return names


async def used_memory(redis: RedisClient) -> int:
    """Bytes used by Redis: summed over the primaries of a cluster."""
    replies = await on_every_primary(redis, "INFO", "memory")
    return sum(int(reply.get("used_memory", 0)) for reply in replies if isinstance(reply, dict))
