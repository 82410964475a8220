"""The gateway served for real: the app under uvicorn on a free port, the embedded Redis, and either the
simulated model (fast) or the fake OpenAI upstream of ``tests/support`` behind ``OPENAI_BASE_URL``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest

from nearhit.cache.index import drop_index
from nearhit.config import Settings, load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.llm import LLMProvider, SimulatedLLM, build_provider
from nearhit.service.runtime import Runtime
from tests.support.fake_upstream import FakeUpstream
from tests.support.live import serve as live_server
from tests.support.tls import tls
from tests.support.waiting import eventually, settled


@dataclass
class Gateway:
    """A running gateway: ``base_url`` is what an OpenAI client is given."""

    base_url: str
    runtime: Runtime

    def client(self, api_key: str = "sk-anything", **options: Any) -> openai.AsyncOpenAI:
        options.setdefault("http_client", openai.DefaultAsyncHttpxClient(verify=tls()))
        return openai.AsyncOpenAI(base_url=self.base_url, api_key=api_key, max_retries=0, **options)

    async def entries(self) -> int:
        return (await (await self.runtime.cache()).stats()).entries

    async def wait_entries(self, count: int) -> None:
        """Wait (up to 5 s) for the background store: an answer is stored after the response ends."""

        async def enough() -> bool:
            assert await self.entries() >= count, f"expected {count} cache entries, found {await self.entries()}"
            return True

        await eventually(enough)

    async def settled(self) -> None:
        """Wait until no generation runs, so an answer that was not stored will not be stored later."""
        await settled(self.runtime)


ServeGateway = Callable[..., AbstractAsyncContextManager[Gateway]]


@pytest.fixture
def upstream(upstream_server: FakeUpstream) -> FakeUpstream:
    upstream_server.reset(upstream_server.answer("Paris is", " the capital", " of France.", usage=(21, 7)))
    return upstream_server


def _serving(settings: Settings, local_embedder: LocalEmbedder) -> ServeGateway:
    @asynccontextmanager
    async def run(
        *,
        provider: LLMProvider | None = None,
        keys: str | None = None,
        max_temperature: float = 1.0,
        models: str | None = None,
        **settings_update: Any,
    ) -> AsyncIterator[Gateway]:
        llm = provider or SimulatedLLM("gpt-4o", ttft_ms=10, tokens_per_second=20_000)
        update = {"gateway_keys": keys, "gateway_max_temperature": max_temperature, "gateway_models": models}
        update |= settings_update
        if provider is not None:
            update["llm"] = provider.name  # the model table's entries are checked against the provider
        own = settings.model_copy(update=update)
        runtime = Runtime(own, local_embedder, llm)
        try:
            async with live_server(own, runtime) as live:
                yield Gateway(f"{live.url}/v1", runtime)
        finally:
            await runtime.telemetry.flush()
            cache = await runtime.cache()
            await drop_index(cache.redis, cache.spec.name, delete_entries=True)
            await runtime.close()

    return run


@pytest.fixture
def serve(settings: Settings, local_embedder: LocalEmbedder) -> ServeGateway:
    """``async with serve(keys=..., provider=..., max_temperature=..., models=..., **settings) as gateway``: the app
    on a free port, on this test's own index, dropped afterwards."""
    return _serving(settings, local_embedder)


@pytest.fixture(scope="module")
async def shared_gateway(redis_url: str, redis_data_dir: Path, local_embedder: LocalEmbedder) -> AsyncIterator[Gateway]:
    """One default gateway for the module's refusal tests (a refused request stores nothing another test sees)."""
    settings = load_settings(redis_url=redis_url, data_dir=redis_data_dir, index_name=f"t_{uuid.uuid4().hex[:12]}")
    async with _serving(settings, local_embedder)() as gateway:
        yield gateway


@pytest.fixture
def upstream_provider(
    upstream: FakeUpstream, redis_url: str, redis_data_dir: Path, index_name: str
) -> Callable[[], LLMProvider]:
    """The OpenAI-compatible provider as ``nearhit serve`` builds it from ``OPENAI_BASE_URL`` (no retries)."""

    def build() -> LLMProvider:
        upstream_settings = load_settings(
            redis_url=redis_url,
            data_dir=redis_data_dir,
            index_name=index_name,
            llm="openai",
            openai_base_url=upstream.base_url,
            openai_api_key="sk-upstream",
            chat_model="gpt-4o",
            llm_max_retries=0,
            llm_timeout=5,
        )
        return build_provider(upstream_settings)

    return build
