"""A conversation's second chance served through ``/v1/chat/completions`` drops the LLM call started beside it
(``NEARHIT_SECOND_CHANCES_BESIDE_LLM``; ``/ask/stream``'s: tests/api/test_second_chances_beside.py)."""

from __future__ import annotations

import httpx

from tests.api.test_conversations import GREETING_THEN_RETOLD, STARTER, Turns
from tests.api.test_second_chances_beside import FED, FEEDING, CountingLLM
from tests.gateway.conftest import ServeGateway


async def test_the_gateway_serves_a_second_chance_and_drops_the_call(serve: ServeGateway) -> None:
    llm = CountingLLM()
    async with (
        serve(provider=llm, guards=True) as gateway,
        httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as client,
    ):

        async def chat(history: Turns, question: str) -> str:
            body = {"model": "gpt-4o", "messages": [*history, {"role": "user", "content": question}]}
            response = await client.post("/chat/completions", json=body, headers={"authorization": "Bearer sk-x"})
            assert response.status_code == 200, response.text
            await gateway.settled()
            return response.headers["x-nearhit-cache"]

        assert await chat(STARTER, FED) == "miss"
        await gateway.wait_entries(1)
        llm.ttft(5.0)
        assert await chat(GREETING_THEN_RETOLD, FEEDING) == "hit-semantic"
        assert (gateway.runtime.flights.started, llm.started, llm.cancelled, llm.finished) == (2, 2, 1, 1)
        assert await gateway.entries() == 1
