"""Bad conversation input on ``/ask``, ``/ask/stream`` and the gateway: a precise status and message, nothing
stored (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.live import LiveServer
from tests.support.waiting import settled

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
PART = {"type": "text", "text": "I have Flixora."}
IMAGE = {"type": "image_url", "image_url": {"url": "http://x"}}
CALL = [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]


@pytest.mark.parametrize(
    ("history", "fragment"),
    [
        ([{"role": "tool", "content": "42", "tool_call_id": "c1"}], "'tool'"),
        ([{"role": "user\u200b", "content": "x"}], "'user\\\\u200b'"),
        ([{"role": "usеr", "content": "x"}], "'usеr'"),  # a Cyrillic е
        ([{"role": None, "content": "x"}], "history role None"),
        ([{"role": "user", "content": None}], "history[0].content must be a string or a list of text parts"),
        ([{"role": "user", "content": 7}], "history[0].content must be a string or a list of text parts"),
        # OpenAI's parts other than text: named, with what is taken (pydantic's "valid string" named neither).
        (
            [HISTORY[0], {"role": "user", "content": [PART, IMAGE]}],
            "history[1].content[1] is a part of type 'image_url'",
        ),
        ([{"role": "user", "content": [{"type": "text"}]}], "history[0].content[0] must be a text part"),
        # Extra fields do not make an image a text part.
        ([{"role": "user", "content": [IMAGE | {"text": "x"}]}], "history[0].content[0] is a part of type 'image_url'"),
        (
            [{"role": "user", "content": [{"type": "text", "text": None}]}],
            "history[0].content[0].text must be a string",
        ),
        ([{"role": "user", "content": ["I have Flixora."]}], "history[0].content[0] must be a text part"),
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


async def test_ask_reads_a_history_s_text_parts_as_the_gateway_does(live: LiveServer) -> None:
    """OpenAI's text parts in a history (a 422 "Input should be a valid string" before): joined, the same
    conversation as its text given whole, on ``/ask`` and through the gateway."""
    parts = [
        {"role": "user", "content": [{"type": "text", "text": "I have a Flixora "}, {"type": "text", "text": "plan."}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Noted."}]},
    ]
    whole = [{"role": "user", "content": "I have a Flixora plan."}, {"role": "assistant", "content": "Noted."}]
    first = await live.client.post("/ask", json={"prompt": "How do I cancel it?", "history": parts})
    assert first.status_code == 200, first.text
    await settled(live.runtime)
    again = await live.client.post("/ask", json={"prompt": "How do I cancel it?", "history": whole})
    assert again.json()["cache"]["cache_document"]["match"] == "exact", again.text
    body = {
        "model": "gpt-4o",
        "messages": [*parts, {"role": "user", "content": [{"type": "text", "text": "How do I cancel it?"}]}],
    }
    chat = await live.client.post("/v1/chat/completions", json=body)
    assert chat.status_code == 200 and chat.headers["x-nearhit-cache"] == "hit-exact", chat.headers


async def test_ask_ignores_extra_fields_in_a_text_part_as_the_gateway_does(live: LiveServer) -> None:
    """A text part with another field (Anthropic's ``cache_control`` passed through an OpenAI client) was a 422
    on ``/ask`` while the gateway, as OpenAI, ignores it: both read its text, the same conversation as the text
    given whole, and an image part with a ``text`` field is still refused by both."""
    extra = {"cache_control": {"type": "ephemeral"}, "annotations": []}
    parts = [
        {"role": "user", "content": [{"type": "text", "text": "I have a Flixora plan."} | extra]},
        {"role": "assistant", "content": [{"type": "text", "text": "Noted."} | extra]},
    ]
    whole = [{"role": "user", "content": "I have a Flixora plan."}, {"role": "assistant", "content": "Noted."}]
    for path in ("/ask/stream", "/ask"):
        response = await live.client.post(path, json={"prompt": "How do I cancel it?", "history": parts})
        assert response.status_code == 200, (path, response.text)
    await settled(live.runtime)
    again = await live.client.post("/ask", json={"prompt": "How do I cancel it?", "history": whole})
    assert again.json()["cache"]["cache_document"]["match"] == "exact", again.text
    asked = {"role": "user", "content": [{"type": "text", "text": "How do I cancel it?"} | extra]}
    chat = await live.client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [*parts, asked]})
    assert chat.status_code == 200 and chat.headers["x-nearhit-cache"] == "hit-exact", chat.headers
    image = [{"role": "user", "content": [IMAGE | {"text": "I have a Flixora plan."}]}]
    refused = await live.client.post("/ask", json={"prompt": "How do I cancel it?", "history": image})
    assert refused.status_code == 422 and "part of type 'image_url'" in refused.text, refused.text
    chat = await live.client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [*image, asked]})
    assert chat.status_code == 400 and "image_url" in chat.json()["error"]["message"], chat.text
