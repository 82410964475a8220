"""The ``live`` fixture: a real nearhit server with the real embedded Redis and a fast simulated LLM. Tests
reach it over HTTP and can look at its runtime (single-flight counts, telemetry)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nearhit.cache.index import drop_index
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.runtime import Runtime
from tests.support.live import LiveServer, fast_llm, serve


@pytest.fixture
async def live(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[LiveServer]:
    """A server on its own index, with the guards on as in production."""
    settings = settings.model_copy(update={"guards": True})
    runtime = Runtime(settings, local_embedder, fast_llm())
    async with serve(settings, runtime) as server:
        yield server
    cache = await runtime.cache()
    await drop_index(cache.redis, cache.spec.name, delete_entries=True)
    await cache.redis.delete(cache.keys.telemetry_stream, cache.keys.telemetry_totals, cache.keys.stats_key)
    await runtime.close()
