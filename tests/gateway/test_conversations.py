"""Conversations through ``/v1/chat/completions`` (issue 14): the earlier messages of the request are matched
by meaning, as on ``/ask/stream`` (the same histories: ``tests/api/test_conversations.py``)."""

from __future__ import annotations

import httpx
import pytest

from tests.api.test_conversations import (
    CACHED,
    CANCEL_COST,
    FACTS_THEN_QUESTION,
    GREETING_THEN_RETOLD,
    OVER_TURNS,
    QUESTION,
    REDO,
    REPLACE,
    REWORDED,
    ROAMING,
    SAYS_IT_ALL,
    SHOWER_TURNS,
    STARTER,
    TOLD_AT_ONCE,
    TRAPS,
    Turns,
    story,
)
from tests.gateway.conftest import Gateway, ServeGateway


@pytest.mark.parametrize("stream", [False, True])
async def test_gateway_matches_the_earlier_messages_by_meaning(serve: ServeGateway, stream: bool) -> None:
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as client:

        async def call(history: Turns, question: str = QUESTION) -> str:
            messages = [*history, {"role": "user", "content": question}]
            body = {"model": "gpt-4o", "messages": messages, "stream": stream}
            response = await client.post("/chat/completions", json=body, headers={"authorization": "Bearer sk-x"})
            assert response.status_code == 200, response.text
            await gateway.settled()
            return response.headers["x-nearhit-cache"]

        assert await call(CACHED) == "miss"
        await gateway.wait_entries(1)
        assert await call(CACHED) == "hit-exact"
        assert await call(REWORDED) == "hit-semantic"
        for name, history in TRAPS.items():
            assert await call(history) == "miss", name
        # A single question that says it all serves the same story told over turns, not another one.
        assert await call([], SAYS_IT_ALL) == "miss"
        await gateway.wait_entries(2)
        assert await call(story("Portugal", "Vireo Plus"), ROAMING) == "hit-semantic"
        assert await call(story("Spain", "Vireo Plus"), ROAMING) == "miss"
        # Facts stated before the last question are matched with the earlier turns.
        assert await call(TOLD_AT_ONCE, CANCEL_COST) == "miss"
        await gateway.wait_entries(3)
        assert await call(OVER_TURNS, FACTS_THEN_QUESTION) == "hit-semantic"


async def chat(gateway: Gateway, client: httpx.AsyncClient, history: Turns, question: str) -> str:
    """The cache's outcome header of one chat completion of ``history`` then ``question``, once it is stored."""
    body = {"model": "gpt-4o", "messages": [*history, {"role": "user", "content": question}]}
    response = await client.post("/chat/completions", json=body, headers={"authorization": "Bearer sk-x"})
    assert response.status_code == 200, response.text
    await gateway.settled()
    return response.headers["x-nearhit-cache"]


async def test_gateway_leaves_out_a_greeting_only_the_asker_says(serve: ServeGateway) -> None:
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as client:
        assert await chat(gateway, client, STARTER, "How often should I feed it?") == "miss"
        await gateway.wait_entries(1)
        assert await chat(gateway, client, GREETING_THEN_RETOLD, "How often does it need feeding?") == "hit-semantic"


async def test_gateway_serves_a_reworded_follow_up_with_the_answer_it_follows(serve: ServeGateway) -> None:
    """After the very same messages, judged with the assistant's last one (the guards on, as by default)."""
    async with serve(guards=True) as gateway, httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as client:
        assert await chat(gateway, client, SHOWER_TURNS, REDO) == "miss"
        await gateway.wait_entries(1)
        assert await chat(gateway, client, SHOWER_TURNS, REPLACE) == "hit-semantic"
        assert await chat(gateway, client, SHOWER_TURNS, "Is that something I can fix on my own?") == "miss"
