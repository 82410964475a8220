"""Conversations through ``/v1/chat/completions`` (issue 14): the earlier messages of the request are matched
by meaning, as on ``/ask/stream`` (the same histories: ``tests/api/test_conversations.py``)."""

from __future__ import annotations

import httpx
import pytest

from tests.api.test_conversations import (
    BOX,
    BOX_FOR_NEPHEW,
    CACHED,
    CANCEL_COST,
    CHATTER,
    FACTS_THEN_QUESTION,
    FINISH,
    FOLLOW_UP,
    FRIEND,
    GREETING_THEN_RETOLD,
    JELLYFIN,
    OVER_TURNS,
    QUESTION,
    REDO,
    REPLACE,
    REWORDED,
    ROAMING,
    SAYS_IT_ALL,
    SHARE_QUESTION,
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


async def test_gateway_under_strict_with_the_bundled_judge(serve: ServeGateway) -> None:
    """Strict mode with the bundled judge, as on ``/ask/stream``
    (tests/api/test_conversations.py): the judge serves a follow-up the rules miss, strict mode refuses a condition
    the default serves, a reworded history hits and each trap family misses."""
    chosen = serve(guards=True, conversation_strict=True, conversation_judge="bundled")
    async with chosen as gateway, httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as client:

        async def call(history: Turns, question: str) -> str:
            return await chat(gateway, client, history, question)

        stored = 0
        for history, question, outcome in [
            ([], SHARE_QUESTION, "miss"),  # first: the judge reads a miss's nearest rows, no others stored yet
            (FRIEND, FOLLOW_UP, "hit-semantic"),
            ([{**FRIEND[0], "content": JELLYFIN}, FRIEND[1]], FOLLOW_UP, "miss"),
            (BOX, FINISH, "miss"),
            (BOX_FOR_NEPHEW, FINISH, "miss"),
            (CACHED, QUESTION, "miss"),
            (CACHED, QUESTION, "hit-exact"),
            (REWORDED, QUESTION, "hit-semantic"),
            (CHATTER, QUESTION, "hit-semantic"),
            *((history, QUESTION, "miss") for history in TRAPS.values()),
        ]:
            assert await call(history, question) == outcome, (history, question)
            if outcome == "miss":
                stored += 1
                await gateway.wait_entries(stored)


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
