"""Administering a cache: search its entries, count them, delete some or all, rebuild the index. Nothing here
is on a request's path (that is :mod:`nearhit.cache.semantic_cache`)."""

from __future__ import annotations

import asyncio
import fnmatch
import re
from collections.abc import Sequence

import numpy as np
from redisvl.query.filter import FilterExpression

from nearhit import validate
from nearhit.cache import entry
from nearhit.cache import index as idx
from nearhit.cache.base import STAT_FIELDS, CacheBase
from nearhit.cache.keys import Scope, normalise
from nearhit.cache.results import CacheStats, SearchHit


class CacheAdmin(CacheBase):
    """The admin operations of :class:`nearhit.cache.SemanticCache` (the API's and the CLI's ``cache`` area)."""

    max_prompt_chars: int

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
        async with self._redis_errors():
            if text is not None:
                prompt = validate.prompt(text, self.max_prompt_chars)
                query_vector = (await self.embeddings.embed([normalise(prompt)]))[0]
            else:
                assert vector is not None
                query_vector = validate.vector(vector, self.embedder.dimension)
            query = idx.knn_query(
                query_vector.astype(np.float32).tobytes(),
                k=top_k,
                filter_expression=self._filter(tenant, scope),
                spec=self.spec,
            )
            rows = await idx.run_knn(self.redis, self.spec.name, query)
        hits = [entry.read_hit(doc_id, fields) for doc_id, fields in rows]
        return [hit for hit in hits if hit.similarity >= minimum]

    async def stats(self) -> CacheStats:
        """Entries, index and memory sizes, hit/miss counters."""
        await self._flush_counts()
        async with self._redis_errors():
            info = await idx.index_info(self.redis, self.spec.name) or {}
            memory = await self.redis.info("memory")
            counters = await self.redis.hmget(self.keys.stats_key, list(STAT_FIELDS))
        return CacheStats(
            entries=int(info.get("num_docs", 0)),
            index_name=self.spec.name,
            dimension=self.spec.dimension,
            algorithm=self.spec.algorithm,
            vector_index_mb=float(info.get("vector_index_sz_mb", 0) or 0),
            used_memory_bytes=int(memory.get("used_memory", 0)),
            counters={name: int(value or 0) for name, value in zip(STAT_FIELDS, counters, strict=True)},
            embedding_cache={"hits": self.embeddings.hits, "misses": self.embeddings.misses},
            indexing=bool(int(info.get("indexing", 0) or 0)),
        )

    async def clear(
        self, *, tenant: str | None = None, scope: Scope | None = None, prompt_pattern: str | None = None
    ) -> int:
        """Delete entries: all of them, one tenant's, one scope's, or those whose prompt matches a glob
        pattern (``*``, ``?``, ``[...]``, case-insensitive). Returns how many were deleted.

        Only keys under this index's entry prefix are ever deleted, whatever the pattern says.
        """
        if prompt_pattern is not None:
            return await self._clear_matching(validate.label(prompt_pattern, "pattern"))
        filters = self._filter(tenant, scope)
        deleted = 0
        async with self._redis_errors():
            if filters is None:
                async for batch in self._scan_entries():
                    deleted += await self.redis.unlink(*batch)
                await self.redis.delete(self.keys.stats_key, self.keys.evidence_key)
                async for raw in self.redis.scan_iter(match=self.keys.observations_prefix + "*", count=1000):
                    await self.redis.unlink(raw)  # the labels of the entries just deleted
                return deleted
            while True:
                reply = await self.redis.execute_command(
                    "FT.SEARCH", self.spec.name, str(filters), "NOCONTENT", "LIMIT", 0, 500, "DIALECT", 2
                )
                keys = [k for k in (idx.as_text(k) for k in reply[1:]) if self.keys.is_entry_key(k)]
                if not keys:
                    return deleted
                deleted += await self.redis.unlink(*keys)

    async def delete(self, doc_id: str) -> bool:
        """Delete one entry by its document id (what ``store`` returned); False when there is no such entry.

        Only a key under this index's entry prefix is accepted, so an id can never name another key.
        """
        if not isinstance(doc_id, str) or not self.keys.is_entry_key(doc_id):
            raise validate.InvalidInput(
                f"{doc_id!r} is not an entry id of index {self.spec.name!r} "
                f"(expected {self.keys.entry_prefix}<64 hex digits>)"
            )
        async with self._redis_errors():
            return bool(await self.redis.unlink(doc_id))

    async def rebuild(self, *, drop_entries: bool = False) -> None:
        """Drop and re-create the index; entries are kept (and re-indexed, migrated to the index's current
        fields) unless ``drop_entries``."""
        async with self._redis_errors():
            await idx.drop_index(self.redis, self.spec.name, delete_entries=drop_entries)
            if not drop_entries:
                async for batch in self._scan_entries():
                    await idx.write_tenant_tags(self.redis, batch)
            await idx.ensure_index(self.redis, self.spec)

    async def _clear_matching(self, pattern: str) -> int:
        def fold(text: str) -> str:  # case and spacing don't matter; punctuation (the glob's own) does
            return " ".join(text.casefold().split())

        matcher = re.compile(fnmatch.translate(fold(pattern)))
        deleted = 0
        async with self._redis_errors():
            async for batch in self._scan_entries():
                prompts = await asyncio.gather(*(self.redis.hget(key, "prompt") for key in batch))
                doomed = [k for k, p in zip(batch, prompts, strict=True) if p and matcher.match(fold(idx.as_text(p)))]
                if doomed:
                    deleted += await self.redis.unlink(*doomed)
        return deleted

    def _filter(self, tenant: str | None, scope: Scope | None) -> FilterExpression | None:
        if scope is not None:
            return idx.scope_filter(scope.search_id)
        if tenant is not None:
            return idx.tenant_filter(validate.label(tenant, "tenant"))
        return None
