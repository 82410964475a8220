"""The ``live`` fixture leaves nothing of its server in the test Redis: a key written back after the fixture
deleted it (the counters flushed when the cache closed) piles up in every test run's Redis; nor does the
``cache`` fixture."""

from __future__ import annotations

from redis.asyncio import Redis

from nearhit.cache import Scope
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap
from tests.api.conftest import serve_on_own_index
from tests.support.cleanup import close_and_forget


async def test_a_served_index_leaves_no_counters_or_telemetry_behind(
    settings: Settings, local_embedder: LocalEmbedder, redis_client: Redis
) -> None:
    async with serve_on_own_index(settings, local_embedder) as live:
        for _ in range(2):  # a miss, then a hit: counters and telemetry, pending when the server stops
            assert (await live.client.post("/ask", json={"prompt": "What is the capital of France?"})).is_success
    left = [key async for key in redis_client.scan_iter(match=f"nearhit:{settings.index_name}:*")]
    assert not left, left


async def test_a_finished_cache_leaves_no_counters_behind(
    settings: Settings, local_embedder: LocalEmbedder, redis_client: Redis
) -> None:
    """The ``cache`` fixture's teardown: the counts of its lookups, still pending, are written before its keys go."""
    cache = await bootstrap.open_cache(settings, local_embedder)
    scope = Scope.build(model="gpt-4o", tenant="cleanup")
    await cache.store("What is the capital of France?", "Paris.", scope)
    assert (await cache.lookup("What is the capital of France?", scope)).match == "exact"
    await close_and_forget(cache)
    left = [key async for key in redis_client.scan_iter(match=f"nearhit:{settings.index_name}:*")]
    assert not left, left
