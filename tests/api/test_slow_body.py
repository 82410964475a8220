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

            async def trickle_until_answered() -> bytes:
                # A byte every 0.2 s (never idle, never done), and none once the answer starts: a byte sent after
                # the server closed would be answered by a reset, which can drop the answer unread.
                while not (first := await _read_within(reader, 0.2)):
                    writer.write(b" ")
                    await writer.drain()
                return first + await reader.read()  # to the end: the connection closes

            try:
                answer = await asyncio.wait_for(trickle_until_answered(), timeout=5)
            finally:
                writer.close()
            assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
            assert b"request body not received within 1 s" in answer
    finally:
        await runtime.close()


async def _read_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """What arrives within ``seconds`` (b"" if nothing did)."""
    try:
        return await asyncio.wait_for(reader.read(1), timeout=seconds)
    except TimeoutError:
        return b""
