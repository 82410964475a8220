"""A real nearhit server in the test's event loop: uvicorn on a free loopback port, over a real socket."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import uvicorn

from nearhit.api.app import create_app
from nearhit.config import Settings
from nearhit.llm import SimulatedLLM
from nearhit.service.runtime import Runtime
from tests.support.ports import free_port


@dataclass
class LiveServer:
    url: str
    runtime: Runtime
    client: httpx.AsyncClient


def fast_llm(ttft_ms: float = 10, tokens_per_second: float = 2000) -> SimulatedLLM:
    return SimulatedLLM("gpt-4o", ttft_ms=ttft_ms, tokens_per_second=tokens_per_second)


@contextlib.asynccontextmanager
async def serve(settings: Settings, runtime: Runtime) -> AsyncIterator[LiveServer]:
    """Run the app on a free port in this event loop until the block ends."""
    port = free_port()
    app = create_app(settings, runtime)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            yield LiveServer(url, runtime, client)
    finally:
        server.should_exit = True  # after the client is gone: uvicorn's shutdown waits for open connections
        await task
