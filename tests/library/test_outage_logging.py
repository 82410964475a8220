"""The library during a Redis outage: ``answer()`` answers from the LLM, logs the outage once as it begins and
once as it ends (not once a call), and counts the uncached answers meanwhile."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from nearhit import AsyncCache, redis_server
from nearhit.config import Settings

pytestmark = pytest.mark.slow


async def _llm(prompt: str) -> str:
    return f"fresh: {prompt}"


async def test_an_outage_is_logged_once_each_way(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server, _ = redis_server.ensure_running(tmp_path)
    own = settings.model_copy(update={"redis_url": server.url, "redis_timeout": 1.0})
    try:
        async with AsyncCache.open(settings=own) as cache:
            redis_server.stop(tmp_path)
            with caplog.at_level(logging.INFO, logger="nearhit.library.async_cache"):
                for n in range(3):
                    answer = await cache.answer(f"question {n} about outages", _llm)
                    assert answer.text == f"fresh: question {n} about outages" and not answer.cached
                assert cache.uncached_answers == 3
                restarted, _ = redis_server.ensure_running(tmp_path)
                assert restarted.port == server.port  # the client reconnects by itself
                await cache.answer("question 3 about outages", _llm)
            assert cache.uncached_answers == 0
            said = [record.getMessage() for record in caplog.records]
            assert sum("cache unavailable" in line for line in said) == 1, said
            assert sum("cache available again (3 answers given uncached" in line for line in said) == 1, said
    finally:
        redis_server.stop(tmp_path)


async def test_stats_show_the_counters_dropped(acache: AsyncCache) -> None:
    acache.engine.counters_dropped = 2  # what a failed flush adds (tests/cluster/test_cluster_flushes.py)
    stats = await acache.stats()
    assert stats.counters_dropped == 2 and stats.to_dict()["counters_dropped"] == 2
