"""A scratch index for ``eval`` and ``calibrate``: the served index's entries and counters never see them.

The runs store and look up thousands of pairs; on the served index they would inflate ``cache stats`` (its
hit/miss counters) and briefly hold entries the service could match. The scratch index has the served one's
settings (embedder, dimension, algorithm, guards, threshold) under its own name and key prefix
(``<index>-eval-<run id>``), and is dropped with its entries and counters when the run ends, even on failure.

An offline run waits longer on Redis than the served path (:data:`OFFLINE_REDIS_TIMEOUT_S`): its thousands of
lookups on a loaded machine (the benchmarks, the test suite, other runs on two cores) meet stalls of seconds that
``NEARHIT_REDIS_TIMEOUT``'s 2 s, right for a request that falls back to the LLM, turns into a dead run.
"""

from __future__ import annotations

import contextlib
import re
import uuid
import weakref
from collections.abc import AsyncIterator

from nearhit.cache import SemanticCache
from nearhit.cache.client import unlink_each
from nearhit.cache.index import drop_index
from nearhit.cache.keys import KeySpace
from nearhit.config import Settings
from nearhit.service import bootstrap

_MAX_BASE = 48  # + "-eval-" + 8 hex digits stays within VECTOR_INDEX_NAME's 64 characters
OFFLINE_REDIS_TIMEOUT_S = 30.0
"""The least Redis timeout of an offline run (``eval``, ``calibrate``, the benchmarks): a larger one set is kept."""


def offline_timeout(settings: Settings) -> float:
    """An offline run's Redis timeout: the configured one, at least :data:`OFFLINE_REDIS_TIMEOUT_S`."""
    return max(settings.redis_timeout, OFFLINE_REDIS_TIMEOUT_S)


def scratch_name(index_name: str, run_id: str | None = None) -> str:
    return f"{index_name[:_MAX_BASE]}-eval-{run_id or uuid.uuid4().hex[:8]}"


@contextlib.asynccontextmanager
async def scratch_cache(settings: Settings) -> AsyncIterator[SemanticCache]:
    """A ready cache on a fresh scratch index configured like the served one; dropped afterwards."""
    own = settings.model_copy(
        update={"index_name": scratch_name(settings.index_name), "redis_timeout": offline_timeout(settings)}
    )
    cache = await bootstrap.open_cache(own)
    _DROPPED.add(cache)
    try:
        yield cache
    finally:
        await cache.close()  # writes its pending counters first, so the deletion below is the last word
        await drop_scratch(own)


_DROPPED: weakref.WeakSet[SemanticCache] = weakref.WeakSet()
_GLOB = re.compile(r"([*?\[\]\\])")
_BATCH = 1_000


def dropped_after(cache: SemanticCache) -> bool:
    """Whether ``cache`` is a :func:`scratch_cache`'s, whose index goes with every key of its own when it ends: a run
    stopped midway leaves its entries to that, rather than clearing its 20,000 tenants one by one first (23 s)."""
    return cache in _DROPPED


async def drop_scratch(settings: Settings) -> None:
    """``settings``' index dropped with its entries (one ``FT.DROPINDEX ... DD``), then every other key of its own:
    its counters, and what a run stopped midway left (kept rewrites and verdicts, clear counts)."""
    redis = await bootstrap.connect_redis(settings)
    own = KeySpace(settings.index_name).root + ":" + _GLOB.sub(r"\\\1", settings.index_name)  # as a SCAN pattern
    try:
        await drop_index(redis, settings.index_name, delete_entries=True)
        for pattern in (f"{own}:*", f"{own}{{*}}:*"):  # a tenant's keys in a sharded layout too
            batch: list[bytes | str] = []
            async for key in redis.scan_iter(match=pattern, count=_BATCH):
                batch.append(key)
                if len(batch) == _BATCH:
                    await unlink_each(redis, batch)
                    batch = []
            await unlink_each(redis, batch)
    finally:
        await redis.aclose()
