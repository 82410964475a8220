"""A small Server-Sent Events reader for the tests (the client side of ``/ask/stream``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx


async def events(response: httpx.Response) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """(event type, data) pairs as they arrive; comment lines (pings) are skipped."""
    kind, data = "message", []
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield kind, json.loads("\n".join(data))
            kind, data = "message", []
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


async def ask_stream(client: httpx.AsyncClient, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every event of one ``/ask/stream`` call."""
    async with client.stream("POST", "/ask/stream", json=body) as response:
        assert response.status_code == 200, await response.aread()
        return [event async for event in events(response)]
