"""An embedding cache in Redis: a text already embedded by a model is never embedded again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import numpy as np
from redis.asyncio import Redis

from nearhit.cache.keys import KeySpace
from nearhit.embeddings.base import Embedder, Vectors

log = logging.getLogger(__name__)


class CachedEmbedder:
    """Wraps an embedder; vectors are stored under (model, normalised text) with a TTL.

    Counts what it saved (``hits``) and what it computed (``misses``) so tests and stats can show it.
    """

    def __init__(self, inner: Embedder, redis: Redis, keys: KeySpace, ttl_seconds: int) -> None:
        self.inner = inner
        self._redis = redis
        self._keys = keys
        self._ttl = ttl_seconds
        self.hits = 0
        self.misses = 0
        self._writes: set[asyncio.Task[None]] = set()

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def key_for(self, text: str) -> str:
        """Where the vector of ``text`` is kept: a caller may read it in a round trip it makes anyway."""
        return self._keys.embedding(self.model_name, text)

    def from_stored(self, raw: object) -> Vectors | None:
        """A stored value as a ``(1, dimension)`` vector, or None when absent or of another size."""
        if not isinstance(raw, bytes) or len(raw) != self.dimension * 4:
            return None
        self.hits += 1
        return np.frombuffer(raw, dtype=np.float32).reshape(1, self.dimension)

    async def embed_fresh(self, texts: Sequence[str]) -> Vectors:
        """Embed texts known to be missing from the cache, and remember them."""
        self.misses += len(texts)
        fresh = await self.inner.embed(texts)
        # Written after the caller has its vectors: the lookup does not wait for the cache fill.
        task = asyncio.create_task(self._remember([self.key_for(text) for text in texts], fresh))
        self._writes.add(task)
        task.add_done_callback(self._written)
        return fresh

    async def embed(self, texts: Sequence[str]) -> Vectors:
        """Vectors for ``texts`` (already normalised by the caller), from Redis where present."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        stored = await self._redis.mget([self.key_for(text) for text in texts])
        result = np.empty((len(texts), self.dimension), dtype=np.float32)
        missing = []
        for i, raw in enumerate(stored):
            vector = self.from_stored(raw)
            if vector is None:
                missing.append(i)
            else:
                result[i] = vector[0]
        if missing:
            fresh = await self.embed_fresh([texts[i] for i in missing])
            for row, i in enumerate(missing):
                result[i] = fresh[row]
        return result

    async def flush(self) -> None:
        """Wait for pending cache writes (tests, shutdown)."""
        if self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)

    async def _remember(self, keys: list[str], vectors: Vectors) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, vector in zip(keys, vectors, strict=True):
                pipe.set(key, vector.tobytes(), ex=self._ttl)
            await pipe.execute()

    def _written(self, task: asyncio.Task[None]) -> None:
        self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("embedding not cached: %s", task.exception())
