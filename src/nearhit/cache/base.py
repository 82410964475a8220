"""What the request path and the administration of a cache share: the Redis client, the index, the embedder
and its store in Redis, the hit counters and the background work (as RedisVL's ``BaseCache`` under its caches)."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from nearhit.background import Background
from nearhit.cache import index as idx
from nearhit.cache.client import RedisClient, index_names, is_cluster, on_index, writes_per_node
from nearhit.cache.embedding_store import DEFAULT_TTL_S, EmbeddingStore
from nearhit.cache.keys import KeySpace
from nearhit.cache.near import NearCache
from nearhit.cache.rewrite_stats import REWRITE_FIELDS
from nearhit.cache.verify_stats import VERIFY_FIELDS
from nearhit.config import PRESENCE_KEYS
from nearhit.embeddings.base import Embedder
from nearhit.errors import RedisUnavailable
from nearhit.redis_full import redis_full

log = logging.getLogger(__name__)

COUNTS_FLUSH_S = 1.0
SIZE_REFRESH_S = 30.0
"""How often an HNSW index's size is read again (``FT.INFO``, in the background): its search breadth follows it."""
STAT_FIELDS = (
    "exact_hits",
    "semantic_hits",
    "conversation_hits",
    "misses",
    "guard_rejections",
    "stores",
    "stores_cleared",
    *REWRITE_FIELDS,
    *VERIFY_FIELDS,
)


class CacheBase:
    """One index on one Redis, its embedder (through the embedding store) and its bookkeeping.

    In a sharded layout (``spec.keys.sharded``: a cluster without a search coordinator) the index is one per
    tenant, on the tenant's shard, created on its first use and re-created when a slot migration left it
    behind (:meth:`_index_for`, :meth:`_knn`)."""

    def __init__(
        self,
        redis: RedisClient,
        embedder: Embedder,
        spec: idx.IndexSpec,
        *,
        embedding_ttl: int = DEFAULT_TTL_S,
        near_entries: int = 0,
        exact_presence: bool = False,
        exact_presence_keys: int = PRESENCE_KEYS,
    ) -> None:
        self.redis = redis
        self.embedder = embedder
        self.spec = spec
        self.keys: KeySpace = spec.keys
        self.background = Background()
        self.embeddings = EmbeddingStore(redis, self.keys, embedder, self.background, embedding_ttl)
        self._pending_counts: Counter[str] = Counter()
        self._counts_failing = False  # the counters' last flush failed (logged once per outage)
        self.counters_dropped = 0  # counter increments lost to a failed write (statistics, not retried)
        self._ready: set[str] = set()  # the tenant indexes checked (or created) by this process
        self._creating: dict[str, asyncio.Lock] = {}
        self._recreated: set[str] = set()  # indexes re-created after a slot moved or a FLUSHDB (logged once each)
        self._sizes: dict[str, tuple[int | None, float]] = {}  # index name -> (documents, when read), for EF_RUNTIME
        # Exact entries kept in process while Redis tracks them, and which entry keys may exist (cache.near).
        self.near = NearCache(near_entries, presence=exact_presence, presence_keys=exact_presence_keys)

    async def setup(self) -> None:
        """Check the server has the Query Engine; create or check the index (a sharded layout's tenant
        indexes are made on demand). A cluster's nodes are checked one by one at start
        (:func:`nearhit.redis_topology.inspect`): ``MODULE LIST`` cannot be sent to "the" cluster."""
        async with self._redis_errors():
            if not is_cluster(self.redis):
                await idx.check_query_engine(self.redis)
            if not self.keys.sharded:
                await idx.ensure_index(self.redis, self.spec)
                if self.spec.follows_size:
                    await self._read_size(self.spec.name)  # the first lookups search as wide as the size asks
                if isinstance(self.redis, Redis):  # one node: a cluster would need tracking on every shard
                    await self.near.start(self.redis, self.keys.entry_prefix, self.keys.near_markers)

    async def _index_for(self, tenant: str) -> idx.IndexSpec:
        """The index holding ``tenant``'s entries; a sharded layout's is created or checked on first use."""
        spec = self.spec.for_tenant(tenant)
        if spec.name not in self._ready and self.keys.sharded:
            await self._ensure(spec)
        return spec

    async def _ensure(self, spec: idx.IndexSpec) -> None:
        """Create or check a tenant's index, one check per index at a time: a new tenant's first requests
        (or every lookup after its slot moved) arrive together."""
        async with self._creating.setdefault(spec.name, asyncio.Lock()):
            if spec.name not in self._ready:
                await idx.ensure_index(self.redis, spec)
                self._ready.add(spec.name)
        self._creating.pop(spec.name, None)

    def ef_runtime(self, spec: idx.IndexSpec) -> int:
        """``EF_RUNTIME`` for ``spec``'s index at its last known size (:meth:`idx.IndexSpec.ef_runtime_at`). The
        size is read in the background at most once per ``SIZE_REFRESH_S``, never on the lookup's path; an index
        whose size is not known yet (a sharded layout's tenant index, until its first read lands) is searched with
        the middle breadth, neither narrowed for a small one nor widened for a large one."""
        if not spec.follows_size:
            return spec.ef_runtime
        docs, read_at = self._sizes.get(spec.name, (None, -math.inf))
        now = time.monotonic()
        if now - read_at >= SIZE_REFRESH_S:
            self._sizes[spec.name] = (docs, now)  # one read per period, however many lookups ask meanwhile
            self.background.run(self._read_size(spec.name))
        return spec.ef_runtime_at(docs)

    async def _read_size(self, name: str) -> None:
        info = await idx.index_info(self.redis, name)
        self._sizes[name] = (int(info.get("num_docs", 0)) if info is not None else 0, time.monotonic())

    async def _knn(self, spec: idx.IndexSpec, command: list[Any]) -> list[tuple[str, dict[str, str]]]:
        """Run a KNN query (a raw ``FT.SEARCH``) on ``spec``'s index (:meth:`_on_index`)."""
        return idx.parse_search_reply(await self._on_index(spec, command))

    async def _on_index(self, spec: idx.IndexSpec, command: list[Any]) -> Any:
        """Send an ``FT.*`` command (its index's name second) to ``spec``'s index. A missing index is re-created,
        which re-indexes the keys still there, and the command is sent again (:meth:`_recreate`)."""
        try:
            return await on_index(self.redis, *command)
        except ResponseError as exc:
            if not idx.is_missing_index(exc):
                raise
        await self._recreate(spec)
        return await on_index(self.redis, *command)

    async def _recreate(self, spec: idx.IndexSpec) -> None:
        """Re-create ``spec``'s index, found missing by a search: in a sharded layout its slot moved to another
        shard (which has the keys but not the index); on one node another client's ``FLUSHDB`` (or
        ``FT.DROPINDEX``) took it. Lookups that find it missing together create it once (:meth:`_ensure`)."""
        if spec.name not in self._recreated:
            self._recreated.add(spec.name)
            why = "on its shard (a slot moved?)" if self.keys.sharded else "(another client's FLUSHDB?)"
            log.warning("index %s is missing %s: re-creating it", spec.name, why)
        self._ready.discard(spec.name)
        await self._ensure(spec)

    async def _tenant_indexes(self, *, with_keys: bool = False) -> list[idx.IndexSpec]:
        """Every index of the cache: the one index, or in a sharded layout each tenant's found on the shards
        (and, ``with_keys``, those whose tenant has entries but whose index is gone)."""
        if not self.keys.sharded:
            return [self.spec]
        names = set(self.spec.tenant_indexes(await index_names(self.redis)))
        if with_keys:
            async for batch in self._scan_entries():
                names |= {self.keys.owner_of(key).index_name for key in batch}
        return [self.spec.named(name) for name in sorted(names)]

    async def finish(self) -> None:
        """Finish the background work (counters, TTL refreshes, embeddings) and stop listening; the connection
        stays open for a caller who shares it (a replay's scratch cache drops its keys after this)."""
        await self.near.close()
        await self.background.close()
        await self._flush_counts()

    async def close(self) -> None:
        """:meth:`finish`, then close the connection."""
        await self.finish()
        await self.redis.aclose()

    def _count(self, *names: str | None) -> None:
        """Add to the hit/miss counters in process; they reach Redis in one write per COUNTS_FLUSH_S, not one
        per lookup (a round trip saved on every request)."""
        self._pending_counts.update(name for name in names if name)
        self.background.soon("counts", COUNTS_FLUSH_S, self._flush_counts)

    def _add(self, amounts: dict[str, int]) -> None:
        """Add amounts (tokens, micro-dollars) to the counters, flushed as :meth:`_count`'s are."""
        self._pending_counts.update(amounts)
        self.background.soon("counts", COUNTS_FLUSH_S, self._flush_counts)

    async def _forget_counts(self) -> None:
        """Drop the counts not written yet and wait for a write under way (and the rest of the background work):
        a full clear deletes the counters' key, and counts from before it must not come back after it."""
        self._pending_counts.clear()
        await self.background.drain()

    async def _flush_counts(self) -> None:
        pending, self._pending_counts = self._pending_counts, Counter()
        if not pending:
            return
        # Counters are statistics: a second's worth lost while their node is away is acceptable, not sent twice.
        commands = [("HINCRBY", self.keys.stats_key, name, amount) for name, amount in pending.items()]
        lost = [reply for reply in await writes_per_node(self.redis, commands) if isinstance(reply, Exception)]
        self.counters_dropped += len(lost)
        if lost:
            if not self._counts_failing:
                log.warning("hit counters not written (dropped until Redis answers again): %s", lost[0])
        elif self._counts_failing:
            log.info("hit counters written again")
        self._counts_failing = bool(lost)

    async def _scan_entries(self) -> AsyncIterator[list[str]]:
        batch: list[str] = []
        async for raw in self.redis.scan_iter(match=self.keys.entry_pattern, count=1000):
            key = idx.as_text(raw)
            if self.keys.is_entry_key(key):
                batch.append(key)
            if len(batch) >= 500:
                yield batch
                batch = []
        if batch:
            yield batch

    def _redis_errors(self) -> _RedisErrors:
        """``async with`` it: a lost or silent Redis raised as :class:`RedisUnavailable`."""
        return _REDIS_ERRORS


class _RedisErrors:
    """What :meth:`CacheBase._redis_errors` hands out, one object for every call: a class, not an
    ``asynccontextmanager``, whose generator cost ~10 µs of the event loop's CPU per lookup at load 10-13
    (issue 18, eighteenth session)."""

    __slots__ = ()

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError):
            raise RedisUnavailable(f"Redis is unreachable: {exc}") from exc
        if isinstance(exc, OutOfMemoryError):
            raise redis_full("a write was refused") from exc


_REDIS_ERRORS = _RedisErrors()
