"""A stored entry the request refuses (older than ``Cache-Control: max-age``, or a tool call longer than
``max_tokens``) is a miss everywhere it is counted: the cache's hit/miss counters (``cache stats``) and the
telemetry summary, not a hit in one and a miss in the other."""

from __future__ import annotations

from typing import Any

import httpx

from tests.gateway.conftest import Gateway, ServeGateway
from tests.gateway.test_chat import ask, create
from tests.gateway.test_dropin import WEATHER

# The engine takes the request's conditions (``SemanticCache.lookup(accept=...)``); service/answering.py still
# refuses the hit after the lookup has counted it. Strict: once answering passes ``accept=``, these pass and the
# marker must go.


async def _counts(gateway: Gateway) -> tuple[dict[str, int], dict[str, Any]]:
    """The engine's counters and the telemetry's all-time figures."""
    counters = (await (await gateway.runtime.cache()).stats()).counters
    await gateway.runtime.telemetry.flush()
    async with httpx.AsyncClient(base_url=gateway.base_url.removesuffix("/v1")) as http:
        summary = (await http.get("/telemetry/summary")).json()["all_time"]
    return counters, summary


async def test_an_entry_older_than_max_age_counts_as_a_miss(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        await create(client, ask("What is Redis?"))
        await gateway.wait_entries(1)
        headers, _ = await create(client, ask("What is Redis?"), extra_headers={"Cache-Control": "max-age=0"})
        assert headers["x-nearhit-cache"] == "miss" and headers["x-nearhit-rejected-by"] == "max-age"
        await gateway.settled()

        counters, summary = await _counts(gateway)
        assert counters.get("exact_hits", 0) == 0 and counters.get("semantic_hits", 0) == 0, counters
        assert counters.get("misses", 0) == 2, counters
        assert summary["exact_hits"] == 0 and summary["misses"] == 2, summary


async def test_a_tool_call_longer_than_max_tokens_counts_as_a_miss(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        messages = ask("What's the weather in Paris?")
        await create(client, messages, tools=[WEATHER])
        await gateway.wait_entries(1)
        headers, _ = await create(client, messages, tools=[WEATHER], max_tokens=1)
        assert headers["x-nearhit-cache"] == "miss" and headers["x-nearhit-rejected-by"] == "max_tokens"
        await gateway.settled()

        counters, summary = await _counts(gateway)
        assert counters.get("exact_hits", 0) == 0 and counters.get("semantic_hits", 0) == 0, counters
        assert counters.get("misses", 0) == 2, counters
        assert summary["exact_hits"] == 0 and summary["misses"] == 2, summary
