"""Bad conversations on ``/v1/chat/completions``: OpenAI's error shape with the right status, nothing stored
(issue 14)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.gateway.conftest import Gateway

EARLIER = [{"role": "user", "content": "I have a Flixora subscription."}, {"role": "assistant", "content": "Noted."}]


@pytest.mark.parametrize(
    ("messages", "status", "fragment"),
    [
        ([{"role": "wizard", "content": "x"}, {"role": "user", "content": "cancel it"}], 400, "'wizard'"),
        ([*EARLIER, {"role": "user", "content": ""}], 400, "prompt is empty"),
        ([*EARLIER, {"role": "user", "content": "   "}], 400, "prompt is empty"),
        ({"role": "user", "content": "cancel it"}, 400, "expected an array"),
        ([{"role": "user", "content": "hi"}] * 201 + [{"role": "user", "content": "cancel it"}], 413, "200 messages"),
        ([{"role": "user", "content": "x" * 30_000}] * 4 + [{"role": "user", "content": "cancel it"}], 413, "100,000"),
    ],
)
async def test_gateway_refuses_bad_conversations(
    shared_gateway: Gateway, messages: Any, status: int, fragment: str
) -> None:
    before = await shared_gateway.entries()
    async with httpx.AsyncClient(base_url=shared_gateway.base_url) as client:
        for stream in (False, True):
            body = {"model": "gpt-4o", "messages": messages, "stream": stream}
            response = await client.post("/chat/completions", json=body, headers={"authorization": "Bearer sk-x"})
            assert response.status_code == status, response.text
            assert fragment in response.text, response.text
            assert "error" in response.json()
    await shared_gateway.settled()
    assert await shared_gateway.entries() == before
