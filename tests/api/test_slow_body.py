"""A body trickled a byte at a time (slow loris) is a 408 once its time is up, and the connection is closed:
before, the server waited for it as long as the client kept sending."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from nearhit.api import middleware
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service.runtime import Runtime
from tests.support.live import fast_llm, serve


@pytest.mark.parametrize("path", ["/ask", "/v1/chat/completions"])
async def test_a_body_that_never_ends_is_a_408_and_the_connection_closed(
    settings: Settings, local_embedder: LocalEmbedder, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    monkeypatch.setattr(middleware, "BODY_SECONDS", 1.0, raising=False)
    runtime = Runtime(settings, local_embedder, fast_llm())
    try:
        async with serve(settings, runtime) as live:
            where = urlsplit(live.url)
            reader, writer = await asyncio.open_connection(where.hostname, where.port)
            head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            writer.write(head.encode() + b'{"prompt"')

            async def trickle() -> None:
                while True:  # a byte every 0.2 s: never idle, never done
                    await asyncio.sleep(0.2)
                    writer.write(b" ")
                    await writer.drain()

            trickling = asyncio.create_task(trickle())
            try:
                answer = await asyncio.wait_for(reader.read(), timeout=5)  # to the end: the connection closes
            finally:
                trickling.cancel()
                writer.close()
            assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
            assert b"request body not received within 1 s" in answer
    finally:
        await runtime.close()
