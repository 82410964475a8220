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
import uuid
from collections.abc import AsyncIterator

from nearhit.cache import SemanticCache
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
    try:
        yield cache
    finally:
        await cache.close()  # writes its pending counters first, so the deletion below is the last word
        await drop_scratch(own)


async def drop_scratch(settings: Settings) -> None:
    """``settings``' index dropped with its entries and its counters (a scratch index's end)."""
    redis = await bootstrap.connect_redis(settings)
    try:
        await drop_index(redis, settings.index_name, delete_entries=True)
        await redis.delete(KeySpace(settings.index_name).stats_key)
    finally:
        await redis.aclose()
