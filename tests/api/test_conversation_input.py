"""Bad conversation input on ``/ask``, ``/ask/stream`` and the gateway: a precise status and message, nothing
stored (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.live import LiveServer

HISTORY = [{"role": "user", "content": "I have a Flixora subscription."}, {"role": "assistant", "content": "Noted."}]
TOO_MANY = [{"role": "user", "content": "hi"}] * 201


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"prompt": "cancel it", "history": [{"role": "wizard", "content": "x"}]}, 422, "'wizard'"),
        ({"prompt": "cancel it", "history": [{"role": "developer", "content": "x"}]}, 422, "'developer'"),
        ({"prompt": "cancel it", "history": {"role": "user", "content": "x"}}, 422, "history must be a list"),
        ({"prompt": "cancel it", "history": "earlier turns"}, 422, "history must be a list"),
        ({"prompt": "", "history": HISTORY}, 422, "at least 1 character"),
        ({"prompt": "   ", "history": HISTORY}, 422, "prompt is empty"),
        ({"prompt": "cancel it", "history": TOO_MANY}, 413, "200 messages"),
        ({"prompt": "cancel it", "history": [{"role": "user", "content": "x" * 30_000}] * 4}, 413, "characters"),
    ],
)
async def test_ask_rejects_bad_conversations(
    shared_live: LiveServer, body: dict[str, Any], status: int, fragment: str
) -> None:
    before = (await shared_live.client.get("/cache/stats")).json()
    for path in ("/ask", "/ask/stream"):
        response = await shared_live.client.post(path, json=body)
        assert response.status_code == status, (path, response.text)
        assert fragment in response.text, response.text
    assert (await shared_live.client.get("/cache/stats")).json()["entries"] == before["entries"]
