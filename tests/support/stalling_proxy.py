"""A TCP proxy in front of Redis that can go silent: it stops passing bytes either way and closes nothing, as a
NAT or a load balancer does when it drops an idle flow (no FIN, no RST reaches either end). Or it holds every byte
while ``held`` (a Redis that stalls, then answers): what was sent meanwhile arrives when it is let go, in order."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class StallingProxy:
    def __init__(self) -> None:
        self.silent = False
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.port = 0
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def held(self) -> bool:
        return not self._flowing.is_set()

    @held.setter
    def held(self, value: bool) -> None:
        if value:
            self._flowing.clear()
        else:
            self._flowing.set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                await self._flowing.wait()
                if not self.silent:  # once silent, what arrives is swallowed: the flow is gone
                    writer.write(data)
                    await writer.drain()

    async def _serve(self, host: str, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
        for pipe in (self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)):
            task = asyncio.create_task(pipe)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @contextlib.asynccontextmanager
    async def running(self, host: str, port: int) -> AsyncIterator[StallingProxy]:
        server = await asyncio.start_server(lambda r, w: self._serve(host, port, r, w), "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
