"""``client.reads``: several reads in one round trip on one node, without redis-py's pipeline (real Redis)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import numpy as np
import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection, Connection, ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.client import _SPARE, reads
from tests.support.waiting import eventually


@pytest.fixture
def key() -> str:
    return f"reads-test:{uuid.uuid4().hex}"


async def test_the_replies_come_raw_and_in_order(redis_client: Redis, key: str) -> None:
    await redis_client.hset(key, mapping={"a": "1", "b": "2"})
    await redis_client.set(key + ":s", b"\x00\xff")
    replies = await reads(redis_client, [("HMGET", key, "b", "missing", "a"), ("GET", key + ":s"), ("GET", key + ":x")])
    assert replies == [[b"2", None, b"1"], b"\x00\xff", None]
    await redis_client.delete(key, key + ":s")


async def test_an_error_reply_raises_and_the_connection_stays_in_step(redis_client: Redis, key: str) -> None:
    await redis_client.set(key, "a string")
    (before,) = await reads(redis_client, [("CLIENT", "ID")])
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await reads(redis_client, [("HMGET", key, "a"), ("GET", key)])
    # The GET's reply was read too: the same pooled connection (not a new one) answers the next reads.
    assert await reads(redis_client, [("CLIENT", "ID"), ("EXISTS", key)]) == [before, 1]
    await redis_client.delete(key)


async def test_a_connection_killed_by_the_server_is_replaced(redis_client: Redis, redis_url: str, key: str) -> None:
    await redis_client.set(key, "kept")
    (client_id,) = await reads(redis_client, [("CLIENT", "ID")])  # the pooled connection reads() uses
    async with Redis.from_url(redis_url) as other:
        assert await other.execute_command("CLIENT", "KILL", "ID", client_id) == 1
    assert await reads(redis_client, [("GET", key)]) == [b"kept"]
    (new_id,) = await reads(redis_client, [("CLIENT", "ID")])
    assert new_id != client_id
    await redis_client.delete(key)


@pytest.mark.parametrize("retries", [0, 1])
async def test_a_connection_error_follows_the_connections_retry_policy(
    redis_url: str, key: str, monkeypatch: pytest.MonkeyPatch, retries: int
) -> None:
    """A socket that fails as the commands are sent (a failover, a proxy restart) is retried as redis-py retries
    a command on that connection: reconnected and sent again when the client's retry policy allows."""
    original = AbstractConnection.send_packed_command
    failures = [RedisConnectionError("the socket broke")]

    async def failing_once(self: AbstractConnection, command: object, check_health: bool = True) -> None:
        if failures:
            raise failures.pop()
        await original(self, command, check_health)  # type: ignore[arg-type]

    async with Redis.from_url(redis_url, retry=Retry(NoBackoff(), retries)) as client:
        await client.set(key, "kept")
        monkeypatch.setattr(AbstractConnection, "send_packed_command", failing_once)
        if retries:
            assert await reads(client, [("GET", key)]) == [b"kept"]
        else:
            with pytest.raises(RedisConnectionError):
                await reads(client, [("GET", key)])
        monkeypatch.undo()
        await client.delete(key)


async def test_meanwhile_runs_once_between_the_send_and_the_first_reply_even_when_the_read_is_retried(
    redis_url: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The work a caller does while Redis answers (a lookup reads its prompt during the KNN) runs after the
    commands are sent and before a reply is read; a round trip retried after its reply failed does not run it
    again."""
    send, read = AbstractConnection.send_packed_command, AbstractConnection.read_response
    events: list[str] = []
    failures = [RedisConnectionError("the socket broke")]

    async def sending(self: AbstractConnection, command: object, check_health: bool = True) -> None:
        events.append("sent")
        await send(self, command, check_health)  # type: ignore[arg-type]

    async def reading(self: AbstractConnection, *args: Any, **kwargs: Any) -> Any:
        events.append("read")
        if failures:
            raise failures.pop()
        return await read(self, *args, **kwargs)

    async with Redis.from_url(redis_url, retry=Retry(NoBackoff(), 1)) as client:
        await client.set(key, "kept")
        monkeypatch.setattr(AbstractConnection, "send_packed_command", sending)
        monkeypatch.setattr(AbstractConnection, "read_response", reading)
        replies = await reads(client, [("GET", key), ("ECHO", "x")], meanwhile=lambda: events.append("meanwhile"))
        monkeypatch.undo()
        await client.delete(key)
    assert replies == [b"kept", b"x"]
    # Then the reconnection's own handshake and the commands sent again, their replies read: no second run.
    assert events[:3] == ["sent", "meanwhile", "read"] and events.count("meanwhile") == 1


@pytest.mark.parametrize("retries", [0, 1])
async def test_a_socket_error_while_the_replies_are_read_is_a_connection_error_retried_by_the_policy(
    redis_url: str, key: str, monkeypatch: pytest.MonkeyPatch, retries: int
) -> None:
    """A socket that breaks while a round trip's replies come back is redis-py's ``ConnectionError`` (what the
    retry policy retries, not a bare ``OSError``), the connection is dropped, and a retry reads through a new one."""
    async with Redis.from_url(redis_url, retry=Retry(NoBackoff(), retries)) as client:
        await client.set(key, "kept")
        (client_id,) = await reads(client, [("CLIENT", "ID")])
        (kept,) = client.connection_pool.__dict__["_nearhit_spare"]
        parser = type(kept._parser)
        original = parser.read_response
        failures = [ConnectionResetError(104, "Connection reset by peer")]

        async def failing_once(self: Any, *args: Any, **kwargs: Any) -> Any:
            if failures:
                raise failures.pop()
            return await original(self, *args, **kwargs)

        monkeypatch.setattr(parser, "read_response", failing_once)
        if retries:
            assert await reads(client, [("GET", key), ("EXISTS", key)]) == [b"kept", 1]
        else:
            with pytest.raises(RedisConnectionError, match="Connection reset by peer"):
                await reads(client, [("GET", key), ("EXISTS", key)])
        monkeypatch.undo()
        assert not failures
        assert (await reads(client, [("CLIENT", "ID")]))[0] != client_id
        await client.delete(key)


async def test_a_round_trip_counts_as_the_connections_health_check(redis_url: str, key: str) -> None:
    """A connection with a health check interval (the service's: 30 s) is checked with a PING before a send when
    nothing was read on it for that long; replies read as a round trip's are, so busy lookups send no PING."""
    async with Redis.from_url(redis_url, health_check_interval=30) as client:
        await reads(client, [("GET", key)])
        (kept,) = client.connection_pool.__dict__["_nearhit_spare"]
        now = asyncio.get_running_loop().time()
        kept.next_health_check = now + 5  # as if the last read were 25 s ago: no PING before this send
        await reads(client, [("GET", key)])
        assert kept.next_health_check >= now + 29  # its reply read: the next PING 30 s from now, not in 5


async def test_a_round_trip_runs_under_one_deadline_not_redis_pys_per_call_ones(
    redis_url: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """redis-py would run the write under ``asyncio.wait_for`` (a Task per send on Python 3.11) and each reply
    under a timer of its own; the round trip has one deadline instead, and the connection keeps its timeout."""
    import redis.asyncio.connection as redis_connection

    waited: list[object] = []
    original = redis_connection.asyncio.wait_for

    async def counted(awaitable: object, timeout: float | None) -> object:  # noqa: ASYNC109 (wait_for's own)
        waited.append(timeout)
        return await original(awaitable, timeout)  # type: ignore[arg-type]

    async with Redis.from_url(redis_url, socket_timeout=5) as client:
        await client.set(key, "kept")
        monkeypatch.setattr(redis_connection.asyncio, "wait_for", counted)
        assert await reads(client, [("GET", key), ("EXISTS", key)]) == [b"kept", 1]
        monkeypatch.undo()
        assert waited == []
        connections = client.connection_pool.__dict__["_nearhit_spare"]  # the one reads() used, kept for the next
        assert [c.socket_timeout for c in connections] == [5]
        await client.delete(key)


async def test_round_trips_reuse_a_kept_connection_without_the_pools_checkout(
    redis_url: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool's checkout (its lock, condition and deadline: ~45 µs of the loop's CPU) is paid once, not per
    round trip; lookups in flight beyond the kept ones take the pool's, and return them to it."""
    async with Redis.from_url(redis_url) as client:
        pool = client.connection_pool
        checkouts: list[object] = []
        original = type(pool).get_connection

        async def counted(self: object) -> object:
            checkouts.append(self)
            return await original(self)  # type: ignore[arg-type]

        monkeypatch.setattr(type(pool), "get_connection", counted)
        ids = [(await reads(client, [("CLIENT", "ID")]))[0] for _ in range(5)]
        assert len(checkouts) == 1 and len(set(ids)) == 1
        many = await asyncio.gather(*(reads(client, [("CLIENT", "ID")]) for _ in range(_SPARE + 3)))
        assert len({reply[0] for reply in many}) == _SPARE + 3
        assert len(pool.__dict__["_nearhit_spare"]) == _SPARE
        assert len(pool._available_connections) == 3  # the rest back in the pool
        monkeypatch.undo()


async def test_a_pool_of_another_kind_gets_its_connection_back_after_each_round_trip(redis_url: str) -> None:
    """A Sentinel's pool (any pool but redis-py's two plain ones) points its connections at the primary as it
    hands them out: a connection kept past a failover would still read the old one."""

    class SentinelLike(ConnectionPool):
        pass

    pool = SentinelLike.from_url(redis_url)
    async with Redis(connection_pool=pool) as client:
        await reads(client, [("CLIENT", "ID")])
        assert not pool.__dict__.get("_nearhit_spare") and len(pool._available_connections) == 1


async def _closed_by_server(connection: AbstractConnection) -> bool:
    """Whether the server's close has reached ``connection``: redis-py < 8.2 reads it as pending data, later
    versions raise it."""
    try:
        return bool(await connection.can_read())
    except RedisConnectionError:
        return True


async def test_a_kept_connection_the_server_closed_is_replaced_without_a_retry(redis_url: str, key: str) -> None:
    """A kept connection is checked as the pool checks the ones it hands out: one the server closed while it
    was kept is reconnected before the send, so even a client that never retries reads through it."""
    async with Redis.from_url(redis_url, retry=Retry(NoBackoff(), 0)) as client, Redis.from_url(redis_url) as admin:
        await client.set(key, "kept")
        (client_id,) = await reads(client, [("CLIENT", "ID")])
        (kept,) = client.connection_pool.__dict__["_nearhit_spare"]
        assert await admin.execute_command("CLIENT", "KILL", "ID", client_id) == 1
        await eventually(lambda: _closed_by_server(kept))  # the server's close reaches this side
        assert await reads(client, [("GET", key)]) == [b"kept"]
        assert (await reads(client, [("CLIENT", "ID")]))[0] != client_id
        await client.delete(key)


async def test_a_redis_that_does_not_answer_in_time_is_a_timeout(redis_url: str, key: str) -> None:
    """The deadline holds for the round trip as a whole: a paused server's silence is redis-py's TimeoutError (a
    connection error to the cache), the connection is dropped, and the next round trip runs on a fresh one."""
    async with (
        Redis.from_url(redis_url, socket_timeout=0.2, retry=Retry(NoBackoff(), 0)) as client,
        Redis.from_url(redis_url) as admin,
    ):
        await client.set(key, "kept")
        (client_id,) = await reads(client, [("CLIENT", "ID")])
        await admin.execute_command("CLIENT", "PAUSE", 1000, "ALL")  # Redis answers nobody for a second
        with pytest.raises(RedisTimeoutError):
            await reads(client, [("GET", key), ("EXISTS", key)])
        assert await admin.ping()  # answered once the pause is over
        (new_id,) = await reads(client, [("CLIENT", "ID")])
        assert new_id != client_id
        assert await reads(client, [("GET", key)]) == [b"kept"]
        await client.delete(key)


async def test_a_lookups_reads_are_packed_as_redis_py_packs_them(cache: SemanticCache) -> None:
    """The exact read with its KNN (a vector given), packed by hiredis where it is installed: the same bytes as
    the asyncio connection's own packing, which is ~3 times slower."""
    from nearhit.cache import client, conversation_lookup, semantic_cache
    from nearhit.cache import index as idx

    scope = Scope.build(model="gpt-4o", tenant="packing")
    query = cache.prepare("What is the capital of France?", scope)
    knn = idx.scoped_knn(cache.spec, cache.spec.name, scope.search_id, 3, cache.ef_runtime(cache.spec))
    vector = np.arange(cache.embedder.dimension, dtype=np.float32).tobytes()
    commands: list[tuple[Any, ...]] = [
        ("HMGET", cache.keys.entry(scope, query.text), *semantic_cache._EXACT_FIELDS),
        ("GET", cache.embeddings.key_for(query.text, scope.tenant)),
        ("EXISTS", conversation_lookup.twins_mark(cache.keys, query) or "mark"),
        cache.feedback.labels_probe(),
        tuple(knn.command(vector)),
        ("CLIENT", "ID"),
    ]
    connection = Connection()
    assert client._HIREDIS is not None  # hiredis is a dependency: the fast packing is what runs
    assert b"".join(client._packed(connection, commands)) == b"".join(connection.pack_commands(commands))
