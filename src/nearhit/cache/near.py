"""Exact entries read recently, kept in this process for as long as Redis promises to say when they change.

An exact hit is one Redis read; over HTTP on a small busy machine, waking Redis for it is most of what separates
a hit from the server's floor (``benchmarks/README.md``). Redis's own client-side caching protocol keeps a copy
right: one connection asks for ``CLIENT TRACKING ON REDIRECT <itself> BCAST PREFIX <entry prefix>`` and
subscribes to ``__redis__:invalidate``; Redis then names every entry key written, deleted, expired or evicted by
anyone (another worker, another replica, the CLI), and a flush. A copy is served until its key is named, its
TTL runs out, or the connection is lost (then everything is dropped, and the copy is off until it is back). A
connection that died without a word (a NAT or load balancer dropping an idle flow: no FIN, no RST) is found by a
``PING`` after :data:`HEARTBEAT_S` of quiet; meanwhile, nothing heard for :data:`HEARTBEAT_S` + :data:`PROBE_WAIT_S`
serves no copy and knows no key absent. Redis says nothing of a ``SWAPDB`` (tried on 8.2: no message): a key of
this process's own (its marker, outside the prefix, written when tracking starts) is read every :data:`HEARTBEAT_S`
by the tracking task, and when it is gone or holds another value (the database was swapped, or flushed without a
word, or Redis evicted it at its ``maxmemory``: told apart by Redis's count of evicted keys, which is logged
instead) every copy is dropped and the record made again, as after a flush. Until that read, a copy outlives a swap:
the window is :data:`HEARTBEAT_S` (and the read's round trip); a hit reads nothing more.

The same connection can keep a record of which entry keys may exist (``presence``, off by default): every key
under the prefix, read by a ``SCAN`` once tracking is on, then every key Redis names (written, deleted, expired:
each stays in the record, a key that may exist). A key not in it is known absent, so a lookup of it may skip its
exact read and embed at once (``SemanticCache``). Keys are kept as their ``hash()`` (a collision only costs the
read); no record while tracking is lost, or until the scan is done. The keys are scanned again after a flush
(Redis reports a flush of any database, a ``DEBUG RELOAD`` and a replica's full sync alike: the keys still there
are not known) and when the record passes :data:`PRESENCE_KEYS` (the deleted and expired ones leave it).

A read that raced a change is not kept: a copy is put only if no invalidation arrived since the read was sent.
This process's own writes drop their keys at once (:meth:`NearCache.drop`, :meth:`NearCache.clear`): their
invalidation comes on another connection, maybe after the next lookup. One node only (a cluster tracks per
node) and only where Redis accepts ``CLIENT TRACKING`` and reports a probe write to the new connection (a proxy
may do neither): elsewhere it stays off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections import OrderedDict
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError, RedisError, ResponseError

from nearhit.cache.index import as_text
from nearhit.config import PRESENCE_KEYS

log = logging.getLogger(__name__)

CHANNEL = b"__redis__:invalidate"
RETRY_S = 1.0
"""How soon the tracking connection is opened again after it was lost."""
PROBE_WAIT_S = 2.0
"""How long a new tracking connection waits to be told of its own probe write before the copy is turned off."""
HEARTBEAT_S = 10.0
"""After this long without a message, the tracking connection is sent a ``PING``: its reply is due within
:data:`PROBE_WAIT_S`, else the connection is taken as lost. Until then, copies are served only while something was
heard from Redis this recently (the reply to the last ``PING`` at most)."""
CANCEL_AGAIN_S = 0.1
"""How soon :meth:`NearCache.close` cancels the tracking task again: Python 3.11's ``wait_for``, under which redis-py
sends each command when a socket timeout is set, returns its inner result to a task cancelled in the turn that
result came (CPython gh-86296), and the task read on; ``close`` waited for it for ever (a service stopping as the
tracking reconnected after a Redis restart, under load)."""
MARKER_TTL_HEARTBEATS = 6
"""The marker's TTL, in :data:`HEARTBEAT_S`: each read renews it; a process gone leaves it for this long. A loop
blocked for longer finds it gone and drops its copies, which only costs their reads."""
MAX_VALUE_BYTES = 16 * 1024
"""Entries larger than this (prompt + answer + fields) are not copied: the copy is for the many short answers."""


class Untracked(Exception):
    """Redis (or a proxy before it) will not tell this connection of changes: no copy may be served."""


class NearCache:
    """At most ``size`` entries' fields (as the exact read returns them), least recently used dropped first."""

    def __init__(self, size: int, *, presence: bool = False, presence_keys: int = PRESENCE_KEYS) -> None:
        self.size = size
        self.presence = presence
        self.presence_keys = presence_keys
        self._known: set[int] | None = None
        """The hashes of the entry keys that may exist (``presence``); None: not known (every key may exist)."""
        self._scanned_over: set[int] | None = None
        """While a scan is under way: the keys this process wrote meanwhile (:meth:`written`), kept in its record."""
        self._rescan = False
        """The record is to be made again by a scan: over :attr:`presence_keys`, or a flush reported."""
        self.active = False
        self.epoch = 0
        """Moves on every invalidation and every start or loss of tracking: a read sent at one epoch is kept
        only if it is still that epoch when the reply comes."""
        self._entries: OrderedDict[str, tuple[list[Any], float]] = OrderedDict()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._heard = -math.inf
        """When the tracking connection last read a message (``time.monotonic()``)."""
        self._marker: tuple[str, bytes] | None = None
        """This process's marker (its key, its value): gone or changed, the database is not the one tracked (a
        ``SWAPDB``). None: not checked (no ``markers`` given to :meth:`start`)."""
        self._marker_due = math.inf
        """When the marker is to be read next (``time.monotonic()``)."""
        self._marker_redis: Redis | None = None
        """Where the marker is written, for :meth:`close` to delete it."""
        self._evicted: int | None = None
        """Redis's count of keys evicted (``INFO stats``) at the marker's last read: grown when the marker is found
        gone, Redis evicted it at its ``maxmemory`` (an ``allkeys-*`` policy), not a ``SWAPDB``. None: not known."""

    def __len__(self) -> int:
        return len(self._entries)

    async def start(self, redis: Redis, prefix: str, markers: str | None = None) -> None:
        """Track entry keys under ``prefix`` on a connection of its own: open now (the cache's first lookups
        may be kept), then read in the background, opened again whenever it is lost. ``markers``: the prefix of
        the marker key that finds a ``SWAPDB`` (outside ``prefix``); without it, a swap goes unseen."""
        if (self.size <= 0 and not self.presence) or self._task is not None:
            return
        if markers is not None:
            self._marker = f"{markers}{uuid.uuid4().hex}", uuid.uuid4().hex.encode()
            self._marker_redis = redis
        try:
            connection = await self._open(redis, prefix)
        except Untracked as exc:
            log.warning("no near cache of exact entries: %s", exc)
            return
        except (RedisError, OSError):
            connection = None  # tried again in the background
        self._task = asyncio.create_task(self._track(redis, prefix, connection))

    def absent(self, key: str) -> bool:
        """Whether ``key`` is known not to exist: no scan found it and Redis named it since (as far as this process
        has read Redis's messages), nor did this process write it (:meth:`written`)."""
        return self._known is not None and self._live() and hash(key) not in self._known

    def written(self, key: str) -> None:
        """This process is about to write ``key``: it may exist from now on (Redis's word may come later)."""
        if self._known is not None:
            self._known.add(hash(key))
        if self._scanned_over is not None:
            self._scanned_over.add(hash(key))

    def get(self, key: str) -> list[Any] | None:
        """The fields read for ``key``, or None when there is no valid copy."""
        found = self._entries.get(key) if self.active else None
        if found is None:
            return None
        fields, expires = found
        now = time.monotonic()
        if now - self._heard > HEARTBEAT_S + PROBE_WAIT_S:
            return None  # Redis silent longer than a PING's reply may take: the connection may be dead
        if now >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return fields

    def put(self, key: str, fields: list[Any], pttl: int, epoch: int) -> None:
        """Keep ``fields`` read for ``key`` by a read sent at ``epoch`` (``pttl``: the key's PTTL read since, or -1
        for a key that never expires). Any invalidation since that read, of any key, keeps it out: a burst of
        writes keeps copies out for its length, never lets a stale one in."""
        if not self.active or epoch != self.epoch or pttl == -2 or pttl == 0:
            return
        if sum(len(value) for value in fields if isinstance(value, bytes)) > MAX_VALUE_BYTES:
            return
        expires = time.monotonic() + pttl / 1000 if pttl > 0 else float("inf")
        self._entries[key] = (fields, expires)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def _live(self) -> bool:
        return time.monotonic() - self._heard <= HEARTBEAT_S + PROBE_WAIT_S

    def drop(self, key: str) -> None:
        """This process wrote or deleted ``key``."""
        self.epoch += 1
        self._entries.pop(key, None)

    def clear(self) -> None:
        """This process wrote or deleted entries it does not name one by one (or tracking was lost)."""
        self.epoch += 1
        self._entries.clear()

    async def close(self) -> None:
        self._closed = True
        self.active = False
        self._known = None
        self.clear()
        if self._task is not None:
            while not self._task.done():  # cancelled again until it ends: a cancel can be lost (CANCEL_AGAIN_S)
                self._task.cancel()
                await asyncio.wait([self._task], timeout=CANCEL_AGAIN_S)
            with contextlib.suppress(asyncio.CancelledError):
                await self._task  # done: its own error raised, if any
        if self._marker is not None and self._marker_redis is not None:  # not left for its TTL (a scratch cache's)
            with contextlib.suppress(RedisError, OSError):
                await self._marker_redis.unlink(self._marker[0])

    async def _open(self, redis: Redis, prefix: str) -> AbstractConnection:
        # Never returned to the pool (it ends subscribed), waiting without a timeout; RESP2, where an
        # invalidation is a message on the channel (RESP3 pushes it, and redis-py's parser swallows the push).
        pool = redis.connection_pool
        # No health check either: its PING, sent by redis-py before a command, expects a reply a subscriber never gets.
        connection: AbstractConnection = pool.connection_class(
            **{**pool.connection_kwargs, "socket_timeout": None, "protocol": 2, "health_check_interval": 0}
        )
        try:
            await connection.connect()
            await connection.send_command("CLIENT", "ID")
            own_id = await connection.read_response()
            await connection.send_command("CLIENT", "TRACKING", "ON", "REDIRECT", own_id, "BCAST", "PREFIX", prefix)
            await connection.read_response()
            await connection.send_command("SUBSCRIBE", CHANNEL)
            await connection.read_response()
            await self._probe(redis, connection, prefix)
            if self._marker is not None:
                await redis.set(*self._marker, px=_marker_ttl_ms())
        except ResponseError as exc:
            with contextlib.suppress(Exception):
                await connection.disconnect()
            raise Untracked(f"Redis refused client tracking ({exc})") from exc
        except BaseException:
            with contextlib.suppress(Exception):
                await connection.disconnect()
            raise
        self.clear()
        self._heard = time.monotonic()
        self._marker_due = self._heard + HEARTBEAT_S if self._marker is not None else math.inf
        self.active = True
        return connection

    @staticmethod
    async def _probe(redis: Redis, connection: AbstractConnection, prefix: str) -> None:
        """Write a short-lived key under ``prefix`` (a string: no index reads it) and wait to be told of it: a
        server or proxy that accepts tracking but does not deliver its messages never gets a copy served."""
        probe = f"{prefix}near-probe:{uuid.uuid4().hex}".encode()
        await redis.set(probe, b"", px=int(PROBE_WAIT_S * 1000) * 2)
        try:
            async with asyncio.timeout(PROBE_WAIT_S):
                while True:
                    message = await connection.read_response()
                    if isinstance(message, list) and len(message) == 3 and probe in (message[2] or ()):
                        return
        except TimeoutError:
            raise Untracked(f"Redis accepted client tracking but said nothing of a write in {PROBE_WAIT_S} s") from None
        finally:
            await redis.unlink(probe)

    async def _track(self, redis: Redis, prefix: str, connection: AbstractConnection | None) -> None:
        while not self._closed:
            try:
                if connection is None:
                    connection = await self._open(redis, prefix)
                if self.presence:
                    await self._scan(redis, prefix)
                while True:
                    if time.monotonic() >= self._marker_due:
                        await self._check_marker(redis)
                    self._invalidated(await self._next_message(connection, self._marker_due - time.monotonic()))
                    if self._rescan:
                        await self._scan(redis, prefix)
            except Untracked as exc:
                log.warning("near cache off: %s", exc)
                return
            except (RedisError, OSError) as exc:
                if self.active and not self._closed:  # once per outage, not on every retry while Redis is away
                    log.warning("near cache: tracking connection lost (%s); copies dropped, retrying", exc)
            finally:
                self.active = False
                self._known = None
                self.clear()
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.disconnect()
                connection = None
            await asyncio.sleep(RETRY_S)

    async def _next_message(self, connection: AbstractConnection, quiet: float) -> Any:
        """The next message, or the reply to a ``PING`` sent after ``quiet`` seconds of quiet (when the marker is
        due, at most :data:`HEARTBEAT_S`); a ``ConnectionError`` when none comes within :data:`PROBE_WAIT_S` of it."""
        message = await connection.read_response(timeout=min(max(quiet, 0.0), HEARTBEAT_S))
        if message is None:
            await connection.send_command("PING")
            message = await connection.read_response(timeout=PROBE_WAIT_S)
            if message is None:
                raise ConnectionError(f"no reply to a PING within {PROBE_WAIT_S} s")
        self._heard = time.monotonic()
        return message

    def _invalidated(self, message: Any) -> None:
        """``[b"message", channel, [keys]]``; keys None: a flush, drop everything."""
        if not isinstance(message, list) or len(message) != 3 or message[1] != CHANNEL:
            return
        keys = message[2]
        if keys is None:
            # A flush of any database (FLUSHDB of another one too), a DEBUG RELOAD, a replica's full sync: what
            # exists now is not known (reloaded, this database's keys are all back), so it is scanned again.
            self._flushed()
            return
        self.epoch += 1
        for key in keys:
            name = as_text(key)
            self._entries.pop(name, None)
            if self._known is not None:
                self._known.add(hash(name))
        if self._known is not None and len(self._known) > self.presence_keys:
            self._rescan = True  # the keys named since the scan include every one deleted or expired since

    def _flushed(self) -> None:
        """What is in the database is not known: every copy dropped, the record made again by a scan."""
        self.clear()
        self._known = None
        self._rescan = self.presence

    async def _check_marker(self, redis: Redis) -> None:
        """Read the marker (renewing it); gone or changed (a ``SWAPDB``, which Redis does not report), the copies
        and the record are of another database: dropped, as after a flush, and the marker written again."""
        assert self._marker is not None
        self._marker_due = time.monotonic() + HEARTBEAT_S
        key, value = self._marker
        # One round trip (not a transaction: INFO is no key's): the marker, and Redis's count of evicted keys.
        async with redis.pipeline(transaction=False) as pipe:
            pipe.getex(key, px=_marker_ttl_ms())
            pipe.info("stats")
            found, stats = await pipe.execute(raise_on_error=False)
        if isinstance(found, Exception):
            raise found
        evicted, before = _evicted_keys(stats), self._evicted
        self._evicted = evicted
        if found == value:
            return
        if found is None and evicted is not None and before is not None and evicted > before:
            log.warning(
                "near cache: Redis, at its maxmemory, evicted keys (%d since the last heartbeat), this process's "
                "marker among them, and its policy evicts entries too: copies dropped. For no entry to be lost, "
                'maxmemory-policy noeviction: docs/deploy.md, "Redis\'s memory limit and eviction policy"',
                evicted - before,
            )
        else:
            log.warning("near cache: its marker key %s is gone or changed (a SWAPDB?): copies dropped", key)
        self._flushed()
        await redis.set(key, value, px=_marker_ttl_ms())

    async def _scan(self, redis: Redis, prefix: str) -> None:
        """The record of the keys that exist, once tracking is on or made again: a key written during the scan is
        named on the tracking connection, whose messages are read after it (and added then); one this process
        writes meanwhile is added at once. More than half of :attr:`presence_keys`: no record."""
        self._rescan = False
        pattern = "".join(f"\\{c}" if c in "*?[]\\" else c for c in prefix) + "*"
        found: set[int] = set()
        self._scanned_over = set()
        try:
            async for key in redis.scan_iter(match=pattern, count=1000):
                found.add(hash(as_text(key)))
                if len(found) > self.presence_keys // 2:
                    log.warning(
                        "near cache: no record of the entry keys: more than %d (NEARHIT_EXACT_PRESENCE_KEYS / 2)",
                        self.presence_keys // 2,
                    )
                    self._known = None
                    return
            self._known = found | self._scanned_over
        finally:
            self._scanned_over = None


def _evicted_keys(stats: object) -> int | None:
    """How many keys Redis has evicted since it started, from ``INFO stats``'s reply, or None when it does not say
    (``INFO`` refused: its error in the reply's place)."""
    evicted = stats.get("evicted_keys") if isinstance(stats, dict) else None
    return evicted if isinstance(evicted, int) else None


def _marker_ttl_ms() -> int:
    return int(MARKER_TTL_HEARTBEATS * HEARTBEAT_S * 1000)
