"""The ``live`` fixture: a real nearhit server with the real embedded Redis and a fast simulated LLM. Tests
reach it over HTTP and can look at its runtime (single-flight counts, telemetry). ``shared_live`` is one such
server for a whole module, for tests whose requests are refused (they store nothing another test could see).
``two_workers`` is one ``nearhit serve --workers 2`` process for the API tests."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from nearhit.config import Settings, load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap
from nearhit.service.runtime import Runtime
from tests.support.cleanup import forget_index
from tests.support.live import LiveServer, fast_llm, serve
from tests.support.ports import free_port
from tests.support.server_process import TwoWorkers, server_process
from tests.support.waiting import eventually_sync


@contextlib.asynccontextmanager
async def serve_on_own_index(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[LiveServer]:
    """A server on its own index, with the guards on as in production; the index is dropped afterwards."""
    settings = settings.model_copy(update={"guards": True})
    runtime = Runtime(settings, local_embedder, fast_llm())
    async with serve(settings, runtime) as server:
        yield server
    name = (await runtime.cache()).spec.name
    await runtime.close()  # first: closing flushes the counters and telemetry still pending
    redis = await bootstrap.connect_redis(settings)
    try:
        await forget_index(redis, name)
    finally:
        await redis.aclose()


@pytest.fixture
async def live(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[LiveServer]:
    async with serve_on_own_index(settings, local_embedder) as server:
        yield server


@pytest.fixture
async def live_without_quiet_band(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[LiveServer]:
    """``live`` with ``NEARHIT_GUARDS_QUIET_MARGIN=0``: for a test of another margin under the threshold, which the
    quiet band (0.06 by default) would otherwise cover."""
    quiet_off = settings.model_copy(update={"guards_quiet_margin_env": 0.0})
    async with serve_on_own_index(quiet_off, local_embedder) as server:
        yield server


@pytest.fixture(scope="module")
async def shared_live(redis_url: str, redis_data_dir: Path, local_embedder: LocalEmbedder) -> AsyncIterator[LiveServer]:
    """One server for the module's refusal tests: starting one per case cost a quarter second each."""
    settings = load_settings(redis_url=redis_url, data_dir=redis_data_dir, index_name=f"t_{uuid.uuid4().hex[:12]}")
    async with serve_on_own_index(settings, local_embedder) as server:
        yield server


@pytest.fixture(scope="package")  # stopped once the API tests are done
def two_workers(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoWorkers]:
    """``serve --workers 2`` with a health port, shared by the tests of what the workers share (the cache, the
    Prometheus counters, the health port): each worker takes seconds to start. Yielded once both are up; its
    multi-process metrics folder must be gone once it stops."""
    workdir = tmp_path_factory.mktemp("two-workers")
    health_port = free_port()
    env = {
        "REDIS_URL": redis_url,
        "VECTOR_INDEX_NAME": f"workers_{uuid.uuid4().hex[:8]}",
        "NEARHIT_HEALTH_PORT": str(health_port),
        "TMPDIR": str(workdir),  # where serve makes its PROMETHEUS_MULTIPROC_DIR
    }
    log = workdir / "server.log"
    with server_process(env, workdir, extra_args=("--workers", "2")) as url:
        eventually_sync(lambda: log.read_text().count("Application startup complete.") == 2, timeout=60)
        yield TwoWorkers(url, log, health_port, workdir)
    assert not list(workdir.glob("nearhit-prometheus-*")), "serve left its PROMETHEUS_MULTIPROC_DIR behind"
