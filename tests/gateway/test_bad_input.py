"""Requests that break OpenAI's schema get a 400 in OpenAI's error format, naming the parameter."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from nearhit.api.middleware import MAX_BODY_BYTES
from tests.gateway.conftest import ServeGateway

USER = {"role": "user", "content": "What is Redis?"}


def body(**fields: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [USER]} | fields


CASES: list[tuple[str, Any, str | None, str]] = [
    ("no messages", {"model": "gpt-4o"}, "messages", "Missing required parameter: 'messages'"),
    ("empty messages", body(messages=[]), "messages", "at least one message"),
    ("no model", {"messages": [USER]}, "model", "model"),
    ("messages not a list", body(messages="hi"), "messages", "expected an array"),
    ("unknown role", body(messages=[{"role": "robot", "content": "hi"}]), "messages[0].role", "'robot'"),
    ("content a number", body(messages=[{"role": "user", "content": 42}]), "messages[0].content", "a number"),
    (
        "image part",
        body(messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]),
        "messages[0].content[0].type",
        "only text parts",
    ),
    (
        "last message from the assistant",
        body(messages=[USER, {"role": "assistant", "content": "ok"}]),
        "messages[1]",
        "user",
    ),
    ("empty prompt", body(messages=[{"role": "user", "content": "  "}]), "messages", "empty"),
    ("unknown field", body(temprature=0.2), "temprature", "Unrecognized request argument supplied: temprature"),
    ("unknown message field", body(messages=[USER | {"colour": "red"}]), "messages[0].colour", "Unrecognized"),
    ("temperature out of range", body(temperature=3), "temperature", "from 0 to 2"),
    ("temperature a string", body(temperature="hot"), "temperature", "expected a number"),
    ("n zero", body(n=0), "n", "from 1"),
    ("stream not a bool", body(stream="yes"), "stream", "boolean"),
    ("stream_options without stream", body(stream_options={"include_usage": True}), "stream_options", "stream"),
    (
        "tool message",
        body(messages=[USER, {"role": "tool", "content": "x", "tool_call_id": "1"}]),
        "messages[1].role",
        "tool",
    ),
    ("stop sequences", body(stop=["\n"]), "stop", "not supported by this gateway"),
    ("json mode", body(response_format={"type": "json_object"}), "response_format", "not supported"),
    ("body not an object", [USER], None, "expected an object"),
]


@pytest.mark.parametrize(("name", "payload", "param", "message"), CASES, ids=[c[0] for c in CASES])
async def test_schema_violations_are_400_in_openai_format(
    serve: ServeGateway, name: str, payload: Any, param: str | None, message: str
) -> None:
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url) as http:
        response = await http.post("/chat/completions", json=payload)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert error["type"] == "invalid_request_error"
        assert error["param"] == param
        assert message in error["message"]
        assert gateway.runtime.flights.started == 0


async def test_default_values_of_unsupported_parameters_are_accepted(serve: ServeGateway) -> None:
    defaults = body(top_p=1, presence_penalty=0, frequency_penalty=0, logprobs=False, stop=None, user="u-1", seed=None)
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url) as http:
        response = await http.post("/chat/completions", json=defaults)
        assert response.status_code == 200, response.text


async def test_invalid_json_and_bad_control_headers(serve: ServeGateway) -> None:
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url) as http:
        response = await http.post(
            "/chat/completions",
            content=b'{"model": "gpt-4o", "messages": [',
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_json"

        for header, value in [
            ("x-nearhit-threshold", "1.5"),
            ("x-nearhit-threshold", "nan"),
            ("x-nearhit-ttl", "-3"),
            ("x-nearhit-ttl", "1e3"),
        ]:
            response = await http.post("/chat/completions", json=body(), headers={header: value})
            assert response.status_code == 400, (header, value)
            assert response.json()["error"]["param"] == header

        response = await http.post("/embeddings", json={"model": "x", "input": ""})
        assert response.status_code == 400 and response.json()["error"]["param"] == "input"


async def test_an_oversized_body_is_refused_before_it_is_read(serve: ServeGateway) -> None:
    huge = json.dumps(body(messages=[{"role": "user", "content": "x" * (MAX_BODY_BYTES + 1)}]))
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url) as http:
        response = await http.post("/chat/completions", content=huge, headers={"content-type": "application/json"})
        assert response.status_code == 413  # the app-wide limit (nearhit.api.middleware.BodyLimit)


async def test_a_prompt_over_the_configured_limit_is_a_400(serve: ServeGateway) -> None:
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url) as http:
        limit = gateway.runtime.settings.max_prompt_chars
        response = await http.post(
            "/chat/completions", json=body(messages=[{"role": "user", "content": "x" * (limit + 1)}])
        )
        assert response.status_code == 400
        assert "NEARHIT_MAX_PROMPT_CHARS" in response.json()["error"]["message"]


async def test_without_a_key_table_any_key_or_none_is_accepted(serve: ServeGateway) -> None:
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url) as http:
        assert (await http.get("/models")).status_code == 200


async def test_with_a_key_table_a_missing_key_is_401(serve: ServeGateway) -> None:
    async with serve(keys="k1=alpha") as gateway, httpx.AsyncClient(base_url=gateway.base_url) as http:
        response = await http.post("/chat/completions", json=body())
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_api_key"
        ok = await http.post("/chat/completions", json=body(), headers={"authorization": "Bearer k1"})
        assert ok.status_code == 200
