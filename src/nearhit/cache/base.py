"""What the request path and the administration of a cache share: the Redis client, the index, the embedder
and its store in Redis, the hit counters and the background work (as RedisVL's ``BaseCache`` under its caches)."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from nearhit.background import Background
from nearhit.cache import index as idx
from nearhit.cache.embedding_store import DEFAULT_TTL_S, EmbeddingStore
from nearhit.cache.keys import KeySpace
from nearhit.embeddings.base import Embedder
from nearhit.errors import RedisUnavailable

COUNTS_FLUSH_S = 1.0
STAT_FIELDS = ("exact_hits", "semantic_hits", "conversation_hits", "misses", "guard_rejections", "stores")


class CacheBase:
    """One index on one Redis, its embedder (through the embedding store) and its bookkeeping."""

    def __init__(
        self, redis: Redis, embedder: Embedder, spec: idx.IndexSpec, *, embedding_ttl: int = DEFAULT_TTL_S
    ) -> None:
        self.redis = redis
        self.embedder = embedder
        self.spec = spec
        self.keys: KeySpace = spec.keys
        self.background = Background()
        self.embeddings = EmbeddingStore(redis, self.keys, embedder, self.background, embedding_ttl)
        self._pending_counts: Counter[str] = Counter()

    async def setup(self) -> None:
        """Check the server has the Query Engine; create or check the index."""
        async with self._redis_errors():
            await idx.check_query_engine(self.redis)
            await idx.ensure_index(self.redis, self.spec)

    async def close(self) -> None:
        """Finish the background work (counters, TTL refreshes, embeddings), then close the connection."""
        await self.background.close()
        await self._flush_counts()
        await self.redis.aclose()

    def _count(self, *names: str | None) -> None:
        """Add to the hit/miss counters in process; they reach Redis in one write per COUNTS_FLUSH_S, not one
        per lookup (a round trip saved on every request)."""
        self._pending_counts.update(name for name in names if name)
        self.background.soon("counts", COUNTS_FLUSH_S, self._flush_counts)

    async def _flush_counts(self) -> None:
        pending, self._pending_counts = self._pending_counts, Counter()
        if not pending:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for name, amount in pending.items():
                    pipe.hincrby(self.keys.stats_key, name, amount)
                await pipe.execute()
        except (RedisError, OSError):
            pass  # counters are statistics: losing a second's worth while Redis is away is acceptable

    async def _scan_entries(self) -> AsyncIterator[list[str]]:
        batch: list[str] = []
        async for raw in self.redis.scan_iter(match=self.keys.entry_prefix + "*", count=1000):
            key = idx.as_text(raw)
            if self.keys.is_entry_key(key):
                batch.append(key)
            if len(batch) >= 500:
                yield batch
                batch = []
        if batch:
            yield batch

    @contextlib.asynccontextmanager
    async def _redis_errors(self) -> AsyncIterator[None]:
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise RedisUnavailable(f"Redis is unreachable: {exc}") from exc
