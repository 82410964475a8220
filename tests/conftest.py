"""Shared fixtures: one real embedded Redis (Query Engine + JSON) for the whole run, one local embedder.

Under pytest-xdist (``make test`` runs 3 workers) "the whole run" is a worker's: each worker's session fixtures
start their own Redis in their own temporary folder, so no test sees another worker's Redis, restarts or flushes.

Each test that needs a cache gets its own index name (and so its own key prefix), dropped afterwards, so
tests do not see each other's entries.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from nearhit import redis_server
from nearhit.cache import SemanticCache
from nearhit.config import Settings, load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.errors import EmbeddedRedisUnavailable
from nearhit.guards import GuardSet
from nearhit.service import bootstrap
from tests.support.cleanup import close_and_forget
from tests.support.fake_upstream import FakeUpstream

NO_TEST_REDIS = (
    "no embedded Redis on this platform (its wheels are Linux x86_64 only): the tests that need Redis start, "
    "flush, stop and restart one of their own and never use REDIS_URL, so they run on Linux x86_64 only (CI, or "
    "a container: docs/deploy.md)"
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Where the embedded Redis cannot run (macOS, Windows, ARM), a test that starts one (a fixture or the test
    itself) is skipped with :data:`NO_TEST_REDIS`, rather than failing with the CLI's advice to set ``REDIS_URL``,
    which the tests never read."""
    report = yield
    if report.failed and call.excinfo is not None and call.excinfo.errisinstance(EmbeddedRedisUnavailable):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {NO_TEST_REDIS}")
    return report


@pytest.fixture(scope="session")
def redis_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("redis-data")


@pytest.fixture(scope="session")
def embedded_redis(redis_data_dir: Path) -> Iterator[redis_server.EmbeddedRedis]:
    server, _ = redis_server.ensure_running(redis_data_dir)
    yield server
    redis_server.stop(redis_data_dir)


@pytest.fixture(scope="session")
def redis_url(embedded_redis: redis_server.EmbeddedRedis) -> str:
    """``redis://127.0.0.1:PORT/0`` of a real Redis 8 with the Query Engine and JSON."""
    return embedded_redis.url


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[FakeUpstream]:
    """A fake OpenAI-compatible server on loopback (real HTTP), shared by the LLM and gateway tests."""
    server = FakeUpstream()
    yield server
    server.close()


@pytest.fixture(scope="session")
def local_embedder() -> LocalEmbedder:
    return LocalEmbedder()


@pytest.fixture
def index_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def settings(redis_url: str, redis_data_dir: Path, index_name: str) -> Settings:
    """The rules alone decide a conversation's hit here (strict mode and the bundled judge, on by default since the
    fifty-second session, are turned on by the tests of them): most tests say what a rule does."""
    return load_settings(
        redis_url=redis_url,
        data_dir=redis_data_dir,
        index_name=index_name,
        guards=False,
        conversation_strict=False,
        conversation_judge=None,
    )


@pytest.fixture
async def redis_client(settings: Settings) -> AsyncIterator[Redis]:
    client = await bootstrap.connect_redis(settings)
    yield client
    await client.aclose()


@pytest.fixture
async def cache(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[SemanticCache]:
    """A ready cache on its own fresh index, without guards (guard tests turn them on themselves)."""
    cache = await bootstrap.open_cache(settings, local_embedder)
    yield cache
    await close_and_forget(cache)


@pytest.fixture
def guarded_cache(cache: SemanticCache) -> SemanticCache:
    """:func:`cache` with the default guards on, as the service runs it: what most conversation tests look up in."""
    cache.guards = GuardSet.default()
    return cache
