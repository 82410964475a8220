"""The embedding store: a text already embedded by a model is never embedded again.

It sits beside the answer cache on the same Redis (as RedisVL keeps its ``EmbeddingsCache`` beside its
``SemanticCache``): vectors are kept under (model, normalised text) with a TTL. The embedders themselves
(:mod:`nearhit.embeddings`) know nothing of Redis. What the embedder reads is the text with its short forms
spelt out ("pwd" -> "password", :func:`nearhit.guards.text.expand_short_forms`), the way the guards read it.
A vector is kept under that input, so a longer list of short forms never serves a vector of the old input, and
two processes with different lists never read each other's; the answer's exact key stays on the normalised text
as written, so an entry stored before keeps its exact key.

Vectors are kept per tenant (:meth:`KeySpace.embedding`): one tenant's lookup never makes another's embedding of
the same text a stored one, whose reply comes back faster. The price is a text embedded once per tenant that asks it.
A clear of the tenant (or of everything) deletes them (:meth:`nearhit.cache.admin.CacheAdmin.clear`), those still
waiting to be written first (:meth:`EmbeddingStore.forget`). A vector computed before a clear and written after it
(by a lookup that ran meanwhile, in this process or another: ``nearhit cache clear --tenant``) carries the clear
counts read before it was computed, and is deleted by its own fill when they changed (:mod:`clear_counts`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from redis.exceptions import OutOfMemoryError

from nearhit.background import Background
from nearhit.cache.clear_counts import Counts, cleared_since, read_counts
from nearhit.cache.client import RedisClient, is_cluster, reads, unlink_each, writes
from nearhit.cache.keys import KeySpace
from nearhit.embeddings.base import Embedder, Vectors
from nearhit.guards.spelling import repair_typos
from nearhit.guards.text import expand_short_forms
from nearhit.redis_full import redis_full

DEFAULT_TTL_S = 7 * 24 * 3600
FILL_DELAY_S = 0.25
"""How long a computed vector waits to be written with the others computed meanwhile: one round trip for all of
them, not one per lookup landing in the request that follows it (``benchmarks/README.md``, ninth session)."""


@lru_cache(maxsize=4096)
def _embedder_input(text: str, repair: bool = False) -> str:
    """What the embedder reads for a normalised text (:func:`expand_short_forms`, then misspelt words repaired
    when the embedder asks for it, :func:`repair_typos`), worked out once per text: a lookup that embeds its
    prompt needs it for the stored vector's key, the embedding and the write after. A stored prompt is embedded
    through the same input, so both sides of a match are repaired alike."""
    expanded = expand_short_forms(text)
    return repair_typos(expanded) if repair else expanded


class _Unwritten(NamedTuple):
    """A vector waiting for the fill, and the clear counts of its tenant read before it was computed (None: not
    read, or unreadable: written unchecked)."""

    text: str
    vector: np.ndarray
    tenant: str | None
    clears: Counts | None


class EmbeddingStore:
    """Vectors of ``embedder``, read from Redis where present, computed (and written in the background) where not.

    Counts what it saved (``hits``) and what it computed (``misses``) so tests and stats can show it.
    """

    def __init__(
        self,
        redis: RedisClient,
        keys: KeySpace,
        embedder: Embedder,
        background: Background,
        ttl_seconds: int = DEFAULT_TTL_S,
    ) -> None:
        self.embedder = embedder
        self._repair = bool(getattr(embedder, "repairs_typos", False))
        self._redis = redis
        self._keys = keys
        self._background = background
        self._ttl = ttl_seconds
        self.hits = 0
        self.misses = 0
        self._unwritten: list[_Unwritten] = []
        self._filling = asyncio.Lock()

    @property
    def dimension(self) -> int:
        return self.embedder.dimension

    def key_for(self, text: str, tenant: str | None) -> str:
        """Where ``tenant``'s vector of ``text`` is kept (None: an admin's, over every tenant; in a sharded layout
        under the tenant's hash tag): a caller may read it in a round trip it makes anyway."""
        keys = self._keys if tenant is None else self._keys.for_tenant(tenant)
        return keys.embedding(tenant, self.embedder.model_name, _embedder_input(text, self._repair))

    def from_stored(self, raw: object) -> Vectors | None:
        """A stored value as a ``(1, dimension)`` vector, or None when absent or of another size."""
        if not isinstance(raw, bytes) or len(raw) != self.dimension * 4:
            return None
        self.hits += 1
        return np.frombuffer(raw, dtype=np.float32).reshape(1, self.dimension)

    async def compute(self, texts: Sequence[str]) -> Vectors:
        """Embed texts known to be missing from the store, without remembering them yet: a lookup calls
        :meth:`remember` once it is done, so the write never delays one of its queries."""
        self.misses += len(texts)
        return await self.embedder.embed([_embedder_input(text, self._repair) for text in texts])

    def remember(self, texts: Sequence[str], vectors: Vectors, tenant: str | None, clears: Counts | None) -> None:
        """Write these vectors (``tenant``'s) in the background, with the others remembered within
        ``FILL_DELAY_S``: the caller does not wait for the fill, and the requests that follow pay for one write
        per period, not one each. A vector waiting to be written is not read back (its text is embedded again).
        ``clears``: the tenant's clear counts read before the vectors were computed (a lookup's, ``Lookup.clears``):
        a clear since then deletes them once written."""
        self._unwritten.extend(
            _Unwritten(text, vector, tenant, clears) for text, vector in zip(texts, vectors, strict=True)
        )
        self._background.soon("the embedding store's fill", FILL_DELAY_S, self._fill)

    async def embed_fresh(self, texts: Sequence[str], tenant: str | None, clears: Counts | None) -> Vectors:
        """Embed texts known to be missing from ``tenant``'s store, and remember them (``clears``: as
        :meth:`remember`'s)."""
        fresh = await self.compute(texts)
        self.remember(texts, fresh, tenant, clears)
        return fresh

    async def embed(self, texts: Sequence[str], tenant: str | None) -> Vectors:
        """Vectors for ``texts`` (already normalised by the caller), from ``tenant``'s store where present (None: an
        admin's, over every tenant)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # GETs, not an MGET (keys in several slots), with the tenant's clear counts for the vectors computed here.
        names = self._keys.clears_of(tenant) if tenant is not None else ()
        commands = [*(("GET", name) for name in names), *(("GET", self.key_for(text, tenant)) for text in texts)]
        stored = await reads(self._redis, commands, raise_on_error=False)
        clears = read_counts(tuple(stored[: len(names)]))
        del stored[: len(names)]
        result = np.empty((len(texts), self.dimension), dtype=np.float32)
        missing = []
        for i, raw in enumerate(stored):
            vector = self.from_stored(raw)
            if vector is None:
                missing.append(i)
            else:
                result[i] = vector[0]
        if missing:
            fresh = await self.embed_fresh([texts[i] for i in missing], tenant, clears)
            for row, i in enumerate(missing):
                result[i] = fresh[row]
        return result

    async def forget(self, tenant: str | None) -> None:
        """Drop the vectors of ``tenant`` (None: of everyone, an admin's too) not yet written, and wait for a write
        already sent: a clear that deletes the stored ones next leaves none written back after it."""
        self._unwritten = [row for row in self._unwritten if tenant is not None and row.tenant != tenant]
        async with self._filling:
            pass

    async def _fill(self) -> None:
        async with self._filling:
            unwritten, self._unwritten = self._unwritten, []
            if not unwritten:
                return
            # The keys worked out here, off the lookups' path; one SET each (several slots on a cluster), then the
            # clear counts of the tenants whose vectors carry theirs: a clear since they were read deletes them.
            keys = [self.key_for(row.text, row.tenant) for row in unwritten]
            sets = [
                ("SET", key, row.vector.tobytes(), "EX", self._ttl) for key, row in zip(keys, unwritten, strict=True)
            ]
            checked = list(
                dict.fromkeys(row.tenant for row in unwritten if row.clears is not None and row.tenant is not None)
            )
            names = {tenant: self._keys.clears_of(tenant) for tenant in checked}
            gets = [("GET", name) for tenant in checked for name in names[tenant]]
            try:
                now = await self._write_then_read(sets, gets)
            except OutOfMemoryError as exc:
                raise redis_full(
                    f"the embeddings of {len(unwritten)} texts were not kept (computed again when asked)"
                ) from exc
            replies = iter(now)
            counts = {tenant: [next(replies) for _ in names[tenant]] for tenant in checked}
            cleared = [
                key
                for key, row in zip(keys, unwritten, strict=True)
                if row.tenant in counts and cleared_since(row.clears, counts[row.tenant])
            ]
            await unlink_each(self._redis, cleared)

    async def _write_then_read(self, sets: list[tuple[Any, ...]], gets: list[tuple[Any, ...]]) -> list[object]:
        """The fill's SETs, then the clear counts' GETs read after them (their replies, an error in place of one
        unreadable). One round trip where each tenant's counts are on its vectors' node, which runs them in order
        (one Redis; a cluster keeping each tenant under its hash tag); two where they are not (a cluster with a
        search coordinator: one round trip gives no order across nodes)."""
        if is_cluster(self._redis) and not self._keys.sharded:
            await writes(self._redis, sets)
            return await reads(self._redis, gets, raise_on_error=False) if gets else []
        replies = await reads(self._redis, [*sets, *gets], raise_on_error=False)
        failed = next((reply for reply in replies[: len(sets)] if isinstance(reply, Exception)), None)
        if failed is not None:
            raise failed
        return replies[len(sets) :]
