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


ASKED = {"role": "user", "content": "How do I cancel it?"}
CALL = [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]


@pytest.mark.parametrize(
    ("history", "fragment"),
    [
        ([{"role": "tool", "content": "42", "tool_call_id": "c1"}], "'tool'"),
        ([{"role": "user\u200b", "content": "x"}], "'user\\\\u200b'"),
        ([{"role": "usеr", "content": "x"}], "'usеr'"),  # a Cyrillic е
        ([{"role": None, "content": "x"}], "history role None"),
        ([{"role": "user", "content": None}], "valid string"),
        ([{"role": "user", "content": [{"type": "text", "text": "I have Flixora."}]}], "valid string"),
        ([{"role": "assistant", "content": None, "tool_calls": CALL}], "tool_calls"),
        (["I have Flixora."], "valid dictionary"),
        ([HISTORY[0], ASKED] * 500, "the limit is 200 messages"),
    ],
)
async def test_ask_names_what_is_wrong_in_a_hostile_history(
    shared_live: LiveServer, history: list[Any], fragment: str
) -> None:
    before = (await shared_live.client.get("/cache/stats")).json()
    for path in ("/ask", "/ask/stream"):
        response = await shared_live.client.post(path, json={"prompt": "cancel it", "history": history})
        assert response.status_code in (413, 422), (path, response.text)
        assert fragment in response.text, response.text
    assert (await shared_live.client.get("/cache/stats")).json()["entries"] == before["entries"]


@pytest.mark.parametrize(
    ("messages", "status", "fragment"),
    [
        ([{"role": "system", "content": "Be terse."}], 400, "must be a user message or a tool result"),
        ([*HISTORY, {"role": "user", "content": "\u200b "}], 400, "prompt is empty"),
        ([*HISTORY, {"role": "user", "content": None}], 400, "messages[2].content"),
        ([{"role": "tool", "content": "42", "tool_call_id": "c1"}], 400, "answers no call"),
        ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x"}}]}], 400, "image_url"),
        ([{"role": "user\u200b", "content": "x"}], 400, "messages[0].role"),
        ([[{"role": "user", "content": "x"}]], 400, "expected an object, got an array"),
        ([*HISTORY, ASKED] * 100, 413, "the limit is 200 messages"),
        ([{"role": "system", "content": "Be terse. " * 15_000}, ASKED], 413, "system messages are too large"),
        ([{"role": "system", "content": "s" * 1_000}] * 150 + [ASKED], 413, "the limit is 100,000 characters"),
    ],
)
async def test_the_gateway_names_what_is_wrong_in_hostile_messages(
    shared_live: LiveServer, messages: list[Any], status: int, fragment: str
) -> None:
    before = (await shared_live.client.get("/cache/stats")).json()
    for stream in (False, True):
        body = {"model": "gpt-4o", "messages": messages, "stream": stream}
        response = await shared_live.client.post("/v1/chat/completions", json=body)
        assert response.status_code == status, (stream, response.text)
        assert fragment in response.json()["error"]["message"], response.text
    assert (await shared_live.client.get("/cache/stats")).json()["entries"] == before["entries"]


@pytest.mark.parametrize(
    "history",
    [
        [{"role": "system", "content": "Be terse."}, {"role": "system", "content": "Answer in English."}],
        [
            {"role": "user", "content": "I have a Flixora \u202e\x00 subscription."},
            {"role": "assistant", "content": ""},
        ],
    ],
)
async def test_ask_answers_odd_but_valid_histories(live: LiveServer, history: list[Any]) -> None:
    """Only system messages (instructions, no turn), a NUL, a right-to-left mark, an empty answer: answered."""
    for path in ("/ask", "/ask/stream"):
        response = await live.client.post(path, json={"prompt": "How do I cancel it?", "history": history})
        assert response.status_code == 200, (path, response.text)
