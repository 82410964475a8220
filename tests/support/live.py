"""A real nearhit server in the test's event loop: uvicorn on a free loopback port, over a real socket."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import uvicorn

from nearhit.api.app import create_app
from nearhit.config import Settings
from nearhit.llm import SimulatedLLM
from nearhit.service.runtime import Runtime
from tests.support.ports import free_port
from tests.support.tls import tls


@dataclass
class LiveServer:
    url: str
    runtime: Runtime
    client: httpx.AsyncClient


def fast_llm(ttft_ms: float = 10, tokens_per_second: float = 2000) -> SimulatedLLM:
    return SimulatedLLM("gpt-4o", ttft_ms=ttft_ms, tokens_per_second=tokens_per_second)


class _PromptServer(uvicorn.Server):
    """uvicorn, stopped without its idle waits: it polls ``should_exit`` every 0.1 s and sleeps 0.1 s before
    closing connections, right for a service but 0.1-0.25 s of nothing for each of the suite's hundreds of
    servers. Here :meth:`stop` wakes the main loop and the shutdown waits only as long as work remains."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit = asyncio.Event()

    def stop(self) -> None:
        self.should_exit = True
        self._exit.set()

    async def main_loop(self) -> None:
        await self.on_tick(0)  # the default headers (date, server)
        while not self.should_exit:  # a signal sets should_exit without the event: look again now and then
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit.wait(), 0.5)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        deadline = asyncio.get_running_loop().time() + 10
        while self.server_state.connections or self.server_state.tasks:
            if asyncio.get_running_loop().time() > deadline:
                for task in self.server_state.tasks:
                    task.cancel()
                break
            await asyncio.sleep(0.005)
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


@contextlib.asynccontextmanager
async def serve(settings: Settings, runtime: Runtime) -> AsyncIterator[LiveServer]:
    """Run the app on a free port in this event loop until the block ends."""
    port = free_port()
    app = create_app(settings, runtime)
    server = _PromptServer(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30, verify=tls()) as client:
            yield LiveServer(url, runtime, client)
    finally:
        server.stop()  # after the client is gone: the shutdown waits for open connections
        await task
