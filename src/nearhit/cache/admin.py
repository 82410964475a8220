"""Administering a cache: search its entries, count them, delete some or all, rebuild the index. Nothing here
is on a request's path (that is :mod:`nearhit.cache.semantic_cache`)."""

from __future__ import annotations

import asyncio
import dataclasses
import fnmatch
import math
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from redis.exceptions import AskError, ClusterDownError, ResponseError, TryAgainError
from redisvl.query.filter import FilterExpression

from nearhit import validate
from nearhit.cache import entry
from nearhit.cache import index as idx
from nearhit.cache.base import STAT_FIELDS, CacheBase
from nearhit.cache.client import (
    RedisClient,
    hash_reads,
    index_names,
    on_index,
    unlink_each,
    used_memory,
    writes_per_node,
)
from nearhit.cache.keys import Scope, normalise
from nearhit.cache.results import CacheStats, SearchHit
from nearhit.errors import ClearIncomplete
from nearhit.stats import counted

FLOAT32_ROUNDING = 1e-6
"""How far from 1 the index's float32 cosine of a vector with itself may come out: a search at ``threshold`` 1 takes
what is within it (the schema allows 1; the very vector stored came out at 0.99999994, refused)."""
SEARCH_ROWS = 1_200
"""The most KNN rows a search reads to find its ``top_k`` entries past conversations' twins (4 x 3 x 100)."""
CLEARS_KEPT_S = 86_400
"""How long a clear count is kept after its last clear: longer than any answer's generation (a count gone before
the store reads it again would let an answer from before the clear in), short enough that the counts of tenants
cleared once (an evaluation's, one per pair) do not pile up."""

UNLINK_BATCH = 1_000
"""How many keys a clear found by SCAN unlinks at a time (the embedding store may hold millions)."""

INDEXING_POLL_S = 0.05
"""How often a clear of one tenant asks whether an index re-created over the keys left has read them all."""

CLEAR_INDEXING_TIMEOUT_S = 300.0
"""How long a clear of one tenant waits, by default, for that index to read the keys there (the setting
``NEARHIT_CLEAR_INDEXING_TIMEOUT``): minutes for a large index, never for ever (fix43's wait had no limit)."""

INDEXING_PROGRESS_S = 1.0
"""How often a clear waiting for the index tells its ``progress`` callback (a CLI's line) how far it has read."""

IndexingProgress = Callable[[int, float], None]
"""Told, while a clear waits for the index: the keys it has read so far, and the fraction of them (0-1)."""


class CacheAdmin(CacheBase):
    """The admin operations of :class:`nearhit.cache.SemanticCache` (the API's and the CLI's ``cache`` area)."""

    max_prompt_chars: int
    clear_indexing_timeout: float

    async def search(
        self,
        *,
        text: str | None = None,
        vector: Sequence[float] | np.ndarray | None = None,
        top_k: int = 5,
        threshold: float | None = None,
        tenant: str | None = None,
        scope: Scope | None = None,
    ) -> list[SearchHit]:
        """Nearest entries to a text or a vector, optionally within a tenant or a scope."""
        if (text is None) == (vector is None):
            raise validate.InvalidInput("give exactly one of 'text' or 'vector'")
        top_k = validate.top_k(top_k)
        minimum = 0.0 if threshold is None else validate.threshold(threshold)
        owner = self._owner(tenant, scope)
        async with self._redis_errors():
            specs = [await self._index_for(owner)] if owner is not None else await self._tenant_indexes()
            if text is not None:
                prompt = validate.prompt(text, self.max_prompt_chars)
                query_vector = (await self.embeddings.embed([normalise(prompt)], owner))[0]
            else:
                assert vector is not None
                query_vector = validate.vector(vector, self.embedder.dimension)
            # A conversation's twins (its story, ``entry.TOLD``) are a way to it, not entries of their own: not
            # listed. They take the KNN's places, though (up to two per entry): it is asked for three times
            # ``top_k`` rows, then more, until ``top_k`` entries are among them, the index has no more rows within
            # the threshold, or SEARCH_ROWS are read (``top_k: 1`` found nothing past a conversation's two twins).
            k = 3 * top_k
            while True:
                query = idx.knn_query(
                    query_vector.astype(np.float32).tobytes(),
                    k=k,
                    filter_expression=self._filter(tenant, scope),
                    spec=self.spec,
                    ef_runtime=max(self.ef_runtime(spec) for spec in specs) if specs else None,
                )
                # A sharded layout without a tenant: every tenant's index (one per shard slot), nearest first.
                found = await asyncio.gather(*(self._knn(spec, idx.search_command(spec.name, query)) for spec in specs))
                entries = [row for rows in found for row in rows if not row[1].get(entry.TOLD)]
                more = [
                    rows
                    for rows in found
                    if len(rows) == k and entry.similarity(rows[-1][1]) >= minimum - FLOAT32_ROUNDING
                ]
                if len(entries) >= top_k or not more or k >= SEARCH_ROWS:
                    break
                k = min(4 * k, SEARCH_ROWS)
        rows = sorted(entries, key=lambda row: -entry.similarity(row[1]))[:top_k]
        # The index's float32 cosine of a vector with itself is 1 give or take a few ulps (0.99999994, 1.0000001):
        # reported at 1 at most, and a threshold of 1 takes what is within that rounding of it.
        hits = [entry.read_hit(doc_id, fields) for doc_id, fields in rows]
        hits = [dataclasses.replace(hit, similarity=min(hit.similarity, 1.0)) for hit in hits]
        return [hit for hit in hits if hit.similarity >= minimum - FLOAT32_ROUNDING]

    async def stats(self) -> CacheStats:
        """Entries, index and memory sizes, hit/miss counters (summed over the tenants' indexes and the
        shards in a sharded layout)."""
        await self._flush_counts()
        async with self._redis_errors():
            specs = await self._tenant_indexes()
            infos = [await self._info(spec) for spec in specs]
            entries = sum(
                [await self._count_entries(spec.name) for spec, info in zip(specs, infos, strict=True) if info]
            )
            memory = await used_memory(self.redis)
            counters = await self.redis.hmget(self.keys.stats_key, list(STAT_FIELDS))
        return CacheStats(
            entries=entries,
            twins=sum(int(info.get("num_docs", 0)) for info in infos) - entries,
            index_name=self.spec.name,
            dimension=self.spec.dimension,
            algorithm=self.spec.algorithm,
            vector_index_mb=sum(float(info.get("vector_index_sz_mb", 0) or 0) for info in infos),
            used_memory_bytes=memory,
            counters={name: int(counted(value)) for name, value in zip(STAT_FIELDS, counters, strict=True)},
            embedding_cache={"hits": self.embeddings.hits, "misses": self.embeddings.misses},
            indexing=any(int(info.get("indexing", 0) or 0) for info in infos),
            counters_dropped=self.counters_dropped,
        )

    async def _info(self, spec: idx.IndexSpec) -> dict[str, Any]:
        """``spec``'s ``FT.INFO``; a missing index (another client's ``FLUSHDB`` or ``FT.DROPINDEX``) re-created
        first, as a lookup would: the entries still there are counted (once indexed), not reported as none."""
        info = await idx.index_info(self.redis, spec.name)
        if info is None:
            await self._recreate(spec)
            info = await idx.index_info(self.redis, spec.name)
        return info or {}

    async def _count_entries(self, index_name: str, redis: RedisClient | None = None) -> int:
        """The entries an index holds, its conversations' twins (pointers to them, :func:`entry.twin_hash`) not
        counted: one ``FT.SEARCH`` that returns a count only."""
        reply = await on_index(
            redis or self.redis, "FT.SEARCH", index_name, entry.ENTRY_ONLY, "LIMIT", 0, 0, "DIALECT", 2
        )
        return int(reply[0])

    async def index_entries(self, redis: RedisClient | None = None, *, check_shape: bool = False) -> int | None:
        """Documents in the cache's index(es) (through ``redis``, e.g. a health probe's connection), or None when
        the one index of a single layout is missing. A sharded layout's tenant indexes are made on demand.
        Read from ``FT.INFO`` (the probe runs every second): a conversation's twins are counted with its entry;
        :meth:`stats` counts entries and twins apart. ``check_shape``: :class:`IndexMismatch` for the one index of
        a single layout re-made in another shape since start-up (:func:`idx.check_shape`)."""
        client = redis or self.redis
        if not self.keys.sharded:
            info = await idx.index_info(client, self.spec.name)
            if info is not None and check_shape:
                idx.check_shape(info, self.spec)
            return int(info.get("num_docs", 0)) if info is not None else None
        names = self.spec.tenant_indexes(await index_names(client))
        infos = [await idx.index_info(client, name) or {} for name in names]
        return sum(int(info.get("num_docs", 0)) for info in infos)

    async def clear(
        self,
        *,
        tenant: str | None = None,
        scope: Scope | None = None,
        prompt_pattern: str | None = None,
        indexing_timeout: float | None = None,
        progress: IndexingProgress | None = None,
    ) -> int:
        """Delete entries: all of them, one tenant's, one scope's, or those whose prompt matches a glob
        pattern (``*``, ``?``, ``[...]``, case-insensitive). Returns how many were deleted.

        Only keys under this index's entry prefix are ever deleted, whatever the pattern says. The clear is counted
        first (:meth:`KeySpace.clears_of`): an answer still being generated for a miss that began before it is not
        stored when it ends (:meth:`SemanticCache.store`), so the cleared cache never serves it. A pattern
        counts as a clear of every tenant (it may match any tenant's prompt).

        A tenant's (or a scope's) entries are found through its index: one re-created over the keys there (another
        client's ``FLUSHDB`` or ``FT.DROPINDEX``) is waited for until it has read them all, ``progress`` told how far
        it is. After ``indexing_timeout`` seconds (default :attr:`clear_indexing_timeout`) :class:`ClearIncomplete`
        is raised, saying how far it read and what was deleted: the clear can be run again.
        """
        try:
            async with self._redis_errors():
                await self._count_clear(None if prompt_pattern is not None else self._owner(tenant, scope))
            if prompt_pattern is not None:
                return await self._clear_matching(validate.label(prompt_pattern, "pattern"))
            timeout = self.clear_indexing_timeout if indexing_timeout is None else indexing_timeout
            return await self._clear(tenant, scope, time.monotonic() + timeout, progress)
        finally:
            self.near.clear()  # the copies of what was deleted (Redis names each, maybe after the next lookup)

    async def _count_clear(self, owner: str | None) -> None:
        """Count a clear of ``owner``'s entries, or of every tenant's (in a sharded layout, each tenant's count
        of them: a lookup reads it in its own slot; a tenant without an index has no miss in flight)."""
        if owner is not None:
            names = [self.keys.tenant_clears(owner)]
        elif self.keys.sharded:
            names = [spec.keys.clears for spec in await self._tenant_indexes()]
        else:
            names = [self.keys.clears]
        counted = await self._write_counts(
            [command for name in names for command in (("INCR", name), ("EXPIRE", name, CLEARS_KEPT_S))]
        )
        # Another client's value there (a hash, a word): replaced under nearhit's prefix, so the clear still counts.
        taken = [name for name, reply in zip(names, counted[::2], strict=True) if _taken(reply)]
        if taken:
            await self._write_counts([("SET", name, 1, "EX", CLEARS_KEPT_S) for name in taken])

    async def _write_counts(self, commands: list[tuple[object, ...]]) -> list[object]:
        """The clear counts' writes, sent as the hit counters are (:func:`writes_per_node`, one round trip per
        node: redis-py's cluster pipeline, one connection lost, closed every node's connections and slept before
        each retry); a node's failed ones tried once more (a clear counted twice has still changed its count),
        then raised: the clear fails before anything is deleted. The replies, another type's error in its place."""
        replies = await writes_per_node(self.redis, commands)
        failed = [i for i, reply in enumerate(replies) if isinstance(reply, Exception) and not _taken(reply)]
        if failed:
            again = await writes_per_node(self.redis, [commands[i] for i in failed])
            for i, reply in zip(failed, again, strict=True):
                if isinstance(reply, Exception) and not _taken(reply):
                    raise reply
                replies[i] = reply
        return replies

    async def _clear(
        self, tenant: str | None, scope: Scope | None, deadline: float, progress: IndexingProgress | None
    ) -> int:
        filters = self._filter(tenant, scope)
        deleted = 0
        async with self._redis_errors():
            if filters is None:
                async for batch in self._scan_entries():
                    deleted += await self._unlink_entries(batch)
                await self._forget_counts()
                await unlink_each(self.redis, [self.keys.stats_key, self.keys.evidence_key])
                await self._unlink_matching(self.keys.observations_pattern)  # the labels of the entries just deleted
                await self._unlink_matching(self.keys.rewrites_pattern())
                await self._unlink_matching(self.keys.verdicts_pattern())
                await self._unlink_matching(self.keys.twins_marks_pattern())
                await self.embeddings.forget(None)  # those waiting to be written first
                for pattern in self.keys.embeddings_patterns():
                    await self._unlink_matching(pattern)
                return deleted
            owner = self._owner(tenant, scope)
            assert owner is not None
            spec = await self._index_for(owner)
            search = ["FT.SEARCH", spec.name, str(filters), "NOCONTENT", "LIMIT", 0, 500, "DIALECT", 2]
            while True:
                # Before each batch: a re-created index still reading the keys left is waited for, within the deadline.
                await self._indexed(spec, owner, deadline, deleted, progress)
                reply = await self._on_index(spec, search)  # re-created if missing (another client's FLUSHDB)
                keys = [k for k in (idx.as_text(k) for k in reply[1:]) if self.keys.is_entry_key(k)]
                if not keys and await self._indexing(spec):
                    continue  # that search re-created it: none read yet
                if not keys:
                    if scope is None:  # a tenant's kept vectors and rewrites hold what it asked (per tenant, not scope)
                        await self.embeddings.forget(owner)  # those waiting to be written first
                        await self._unlink_matching(*self.keys.tenant_parts(owner))
                    return deleted
                deleted += await self._unlink_entries(keys)

    async def _unlink_entries(self, keys: list[str]) -> int:
        """Unlink entry keys and the twins they name (a scope's conversations' twins are not in it); the count is
        of entries, as ``/cache/stats`` counts them: a twin is not one (a clear of one conversation's entry said
        3). Another client's key of another type under the entry prefix is unlinked and counted, as before."""
        read = await hash_reads(self.redis, [("HMGET", key, entry.TOLD, entry.TWIN) for key in keys])
        twin_keys = {key for key, fields in zip(keys, read, strict=True) if fields is not None and fields[0]}
        named = [fields[1] for fields in read if fields is not None and not fields[0]]
        deleted = await unlink_each(self.redis, [key for key in keys if key not in twin_keys])
        await unlink_each(self.redis, [*twin_keys, *self._twins(named)])
        return deleted

    async def _indexing(self, spec: idx.IndexSpec) -> bool:
        """Whether ``spec``'s index is still reading the keys there before it (made or re-created over them)."""
        return _reading(await idx.index_info(self.redis, spec.name))

    async def _indexed(
        self, spec: idx.IndexSpec, owner: str, deadline: float, deleted: int, progress: IndexingProgress | None
    ) -> None:
        """Wait until ``spec``'s index has read the keys there (at once when it is not reading any), telling
        ``progress`` every :data:`INDEXING_PROGRESS_S`; past ``deadline``, :class:`ClearIncomplete`."""
        told = -math.inf
        while _reading(info := await idx.index_info(self.redis, spec.name)):
            assert info is not None
            read, fraction = int(info.get("num_docs", 0) or 0), float(info.get("percent_indexed", 0) or 0)
            if progress is not None and time.monotonic() - told >= INDEXING_PROGRESS_S:
                progress(read, fraction)
                told = time.monotonic()
            if time.monotonic() >= deadline:
                raise ClearIncomplete(
                    f"the clear of tenant {owner!r} stopped at its deadline (NEARHIT_CLEAR_INDEXING_TIMEOUT): its "
                    f"index, re-created over the keys there (another client's FLUSHDB or FT.DROPINDEX), has read "
                    f"{read:,} keys so far ({fraction:.0%}); {deleted:,} of the tenant's entries were deleted, the "
                    "rest are still there. Run the clear again once the index has read them (it deletes what is left)"
                )
            await asyncio.sleep(INDEXING_POLL_S)

    async def _unlink_matching(self, pattern: str, form: re.Pattern[str] | None = None) -> None:
        """Unlink the keys matching ``pattern`` (and ``form``, when given), a batch at a time as the SCAN finds them
        (a store of millions of vectors is never held in one list, nor sent in one round trip)."""
        batch: list[str | bytes] = []
        async for raw in self.redis.scan_iter(match=pattern, count=1000):
            if form is not None and not form.match(idx.as_text(raw)):
                continue
            batch.append(raw)
            if len(batch) >= UNLINK_BATCH:
                await unlink_each(self.redis, batch)
                batch = []
        await unlink_each(self.redis, batch)

    async def delete(self, doc_id: str) -> bool:
        """Delete one entry by its document id (what ``store`` returned); False when there is no such entry.

        Only a key under this index's entry prefix is accepted, so an id can never name another key.
        """
        if not isinstance(doc_id, str) or not self.keys.is_entry_key(validate.entry_id(doc_id)):
            raise validate.InvalidInput(
                f"{doc_id!r} is not an entry id of index {self.spec.name!r} "
                f"(expected {self.keys.entry_prefix}<64 hex digits>)"
            )
        async with self._redis_errors():
            # A conversation's entry and its twins go together, and its labels (a list without a TTL when the entry
            # has none: it stayed for ever).
            (twin,) = await hash_reads(self.redis, [("HGET", doc_id, entry.TWIN)])
            deleted = bool(await unlink_each(self.redis, [doc_id, *self._twins([twin])]))
            await unlink_each(self.redis, [self.keys.observations(doc_id)])
        self.near.drop(doc_id)
        return deleted

    def _twins(self, twins: list[object]) -> list[str]:
        """The twin keys named (``entry.TWIN``: space-separated), those under this index's entry prefix only."""
        named = (key for twin in twins if twin for key in idx.as_text(twin).split())
        return [key for key in named if self.keys.is_entry_key(key)]

    async def rebuild(self, *, drop_entries: bool = False) -> None:
        """Drop and re-create the index; entries are kept (and re-indexed, migrated to the index's current
        fields) unless ``drop_entries``."""
        try:
            async with self._redis_errors():
                specs = await self._tenant_indexes(with_keys=True)
                for spec in specs:
                    await idx.drop_index(self.redis, spec.name, delete_entries=drop_entries)
                if not drop_entries:
                    async for batch in self._scan_entries():
                        await idx.write_tenant_tags(self.redis, batch)
                for spec in specs:
                    await idx.ensure_index(self.redis, spec)
        finally:
            self.near.clear()  # entries deleted or rewritten

    async def _clear_matching(self, pattern: str) -> int:
        def fold(text: str) -> str:  # case and spacing don't matter; punctuation (the glob's own) does
            return " ".join(text.casefold().split())

        matcher = re.compile(fnmatch.translate(fold(pattern)))
        deleted = 0
        async with self._redis_errors():
            async for batch in self._scan_entries():
                read = await hash_reads(self.redis, [("HMGET", key, "prompt", entry.TWIN) for key in batch])
                doomed = [
                    (k, fields[1])
                    for k, fields in zip(batch, read, strict=True)
                    if fields is not None and fields[0] and matcher.match(fold(idx.as_text(fields[0])))
                ]
                deleted += await unlink_each(self.redis, [key for key, _ in doomed])
                await unlink_each(self.redis, self._twins([twin for _, twin in doomed]))  # a twin has no prompt
        return deleted

    @staticmethod
    def _owner(tenant: str | None, scope: Scope | None) -> str | None:
        """The one tenant an operation is limited to, if any (a scope belongs to its tenant)."""
        if scope is not None:
            return scope.tenant
        return validate.label(tenant, "tenant") if tenant is not None else None

    def _filter(self, tenant: str | None, scope: Scope | None) -> FilterExpression | None:
        if scope is not None:
            return idx.scope_filter(scope.search_id)
        if tenant is not None:
            return idx.tenant_filter(validate.label(tenant, "tenant"))
        return None


def _taken(reply: object) -> bool:
    """Another client's value where a clear count goes (``WRONGTYPE``, not an integer): an error to write over,
    unlike a cluster's redirect or its refusal while a shard fails over (tried again)."""
    return isinstance(reply, ResponseError) and not isinstance(reply, AskError | ClusterDownError | TryAgainError)


def _reading(info: dict[str, Any] | None) -> bool:
    """Whether an index's ``FT.INFO`` says it is still reading the keys there before it (none: no index)."""
    return info is not None and bool(int(info.get("indexing", 0) or 0))
