"""The optional check of a conversation's hit through ``/v1/chat/completions``: a request whose earlier messages
match a stored conversation's by meaning is served on the check's "yes" and refused on its "no" (the upstream
answers), as on ``/ask/stream`` (``tests/api/test_verify.py``). The check's model is the fake OpenAI server."""

from __future__ import annotations

import httpx

from tests.api.test_verify import HISTORY, QUESTION, REWORDED
from tests.gateway.conftest import ServeGateway
from tests.support.fake_upstream import FakeUpstream


async def test_gateway_checks_a_conversation_hit(serve: ServeGateway, upstream_server: FakeUpstream) -> None:
    upstream_server.reset(upstream_server.answer("No", usage=(250, 1)))
    verifying = {"llm": "openai", "openai_base_url": upstream_server.base_url, "verify_model": "gpt-4o-mini"}
    async with serve(**verifying) as gateway, httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as client:

        async def call(history: list[dict[str, str]]) -> tuple[str, str]:
            body = {"model": "gpt-4o", "messages": [*history, {"role": "user", "content": QUESTION}]}
            response = await client.post("/chat/completions", json=body, headers={"authorization": "Bearer sk-x"})
            assert response.status_code == 200, response.text
            await gateway.settled()
            return response.headers["x-nearhit-cache"], response.json()["choices"][0]["message"]["content"]

        cached, stored = await call(HISTORY)  # the chat model is the simulated one: the fake serves the check only
        assert cached == "miss" and upstream_server.chat_requests == []  # a miss is not checked
        await gateway.wait_entries(1)
        assert (await call(REWORDED))[0] == "miss"  # "no": refused, the LLM answered
        (checked,) = upstream_server.chat_requests
        assert checked.body is not None and checked.body["model"] == "gpt-4o-mini"
        assert "the race is in 8 weeks" in checked.body["messages"][-1]["content"]
        upstream_server.reset(upstream_server.answer("Yes", usage=(250, 1)))
        reworded = [{"role": "user", "content": "Training for my first 10k; the race is 8 weeks away."}, HISTORY[1]]
        assert await call(reworded) == ("hit-semantic", stored)
        assert len(upstream_server.chat_requests) == 1
