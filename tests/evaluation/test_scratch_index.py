"""An offline run's cache (``nearhit eval``, ``calibrate``, the benchmarks) waits out a Redis stall that ends a
served lookup: on a loaded machine a stall of seconds killed whole runs at the served path's 2 s timeout."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from nearhit.cache import Scope
from nearhit.config import Settings
from nearhit.errors import RedisUnavailable
from nearhit.evaluation import scratch_cache
from nearhit.evaluation.scratch_index import OFFLINE_REDIS_TIMEOUT_S, offline_timeout
from nearhit.service import bootstrap

SCOPE = Scope.build(model="gpt-4o", tenant="acme")
QUESTION = "What is the capital of France?"
STALL_MS = 1000  # over three times the configured timeout below: what a loaded machine does to a command


@contextlib.asynccontextmanager
async def stalled(settings: Settings) -> AsyncIterator[None]:
    """Redis answers no command of anyone's for :data:`STALL_MS` (CLIENT PAUSE), as under load."""
    async with Redis.from_url(str(settings.redis_url)) as admin:
        await admin.execute_command("CLIENT", "PAUSE", STALL_MS, "ALL")
        try:
            yield
        finally:
            await admin.execute_command("CLIENT", "UNPAUSE")


async def test_an_offline_run_waits_out_a_stall_the_served_path_does_not(settings: Settings) -> None:
    own = settings.model_copy(update={"redis_timeout": 0.3})
    served = await bootstrap.open_cache(own)
    try:
        async with scratch_cache(own) as offline:
            await offline.store(QUESTION, "Paris.", SCOPE)
            async with stalled(own):
                assert (await offline.lookup(QUESTION, SCOPE)).hit
            async with stalled(own):
                with pytest.raises(RedisUnavailable):  # the served path keeps its own timeout
                    await served.lookup(QUESTION, SCOPE)
    finally:
        await served.close()


def test_a_larger_configured_timeout_is_kept(settings: Settings) -> None:
    assert offline_timeout(settings.model_copy(update={"redis_timeout": 0.5})) == OFFLINE_REDIS_TIMEOUT_S
    assert offline_timeout(settings.model_copy(update={"redis_timeout": 45.0})) == 45.0
