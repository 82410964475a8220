"""The optional standalone rewrite through ``/v1/chat/completions``: the earlier messages of a request that
found no entry of their own are rewritten by ``NEARHIT_REWRITE_MODEL`` (the fake OpenAI server, a real socket)
and the rewrite is served a single question's answer, as on ``/ask/stream`` (``tests/api/test_rewrite.py``)."""

from __future__ import annotations

import httpx

from tests.api.test_rewrite import FOLLOW_UP, HISTORY, REWRITTEN, SINGLE
from tests.gateway.conftest import ServeGateway
from tests.support.fake_upstream import FakeUpstream


async def test_gateway_serves_a_conversation_through_its_rewrite(
    serve: ServeGateway, upstream_server: FakeUpstream
) -> None:
    upstream_server.reset(upstream_server.answer(REWRITTEN, usage=(130, 10)))
    rewriting = {"llm": "openai", "openai_base_url": upstream_server.base_url, "rewrite_model": "gpt-4o-mini"}
    async with serve(**rewriting) as gateway, httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as client:

        async def call(messages: list[dict[str, str]]) -> str:
            body = {"model": "gpt-4o", "messages": messages}
            response = await client.post("/chat/completions", json=body, headers={"authorization": "Bearer sk-x"})
            assert response.status_code == 200, response.text
            await gateway.settled()
            return response.headers["x-nearhit-cache"]

        assert await call([{"role": "user", "content": SINGLE}]) == "miss"
        await gateway.wait_entries(1)
        assert upstream_server.chat_requests == []  # a single question: no rewrite
        assert await call([*HISTORY, {"role": "user", "content": FOLLOW_UP}]) == "hit-semantic"
        assert len(upstream_server.chat_requests) == 1
