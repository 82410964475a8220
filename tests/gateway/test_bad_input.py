"""Requests that break OpenAI's schema get a 400 in OpenAI's error format, naming the parameter."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from nearhit.api.middleware import MAX_BODY_BYTES
from nearhit.config import Settings
from nearhit.gateway import GatewayConfig, GatewayError, parse_chat, parse_embeddings
from tests.gateway.conftest import Gateway, ServeGateway

USER = {"role": "user", "content": "What is Redis?"}
CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}


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
        "must be a response to a preceding message with 'tool_calls'",
    ),
    ("five stop sequences", body(stop=["a", "b", "c", "d", "e"]), "stop", "at most 4"),
    ("seed a string", body(seed="7"), "seed", "expected an integer"),
    ("top_p out of range", body(top_p=1.5), "top_p", "from 0 to 1"),
    ("logit_bias key not a token", body(logit_bias={"hello": 5}), "logit_bias", "not a token id"),
    ("top_logprobs without logprobs", body(top_logprobs=3), "top_logprobs", "'logprobs' must be true"),
    ("tool not a function", body(tools=[{"type": "retrieval"}]), "tools[0].type", "'function'"),
    ("no tools", body(tools=[]), "tools", "empty array"),  # answered, and scoped apart from a request without
    (
        "json_schema strict not a bool",
        body(response_format={"type": "json_schema", "json_schema": {"name": "r", "strict": "yes"}}),
        "response_format.json_schema.strict",
        "expected a boolean",
    ),
    (
        "tool name with spaces",
        body(tools=[{"type": "function", "function": {"name": "get weather"}}]),
        "tools[0].function.name",
        "pattern",
    ),
    (
        "tool schema not a schema",
        body(tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "objekt"}}}]),
        "tools[0].function.parameters",
        "Invalid schema for function 'f'",
    ),
    (
        "tool parameters not an object schema",
        body(tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "string"}}}]),
        "tools[0].function.parameters",
        "schema must be a JSON Schema of 'type: \"object\"'",
    ),
    (
        "tool_choice naming an absent tool",
        body(
            tools=[{"type": "function", "function": {"name": "f"}}],
            tool_choice={"type": "function", "function": {"name": "g"}},
        ),
        "tool_choice",
        "the function 'g' is not in 'tools'",
    ),
    ("tool_choice without tools", body(tool_choice="auto"), "tool_choice", "only allowed when 'tools'"),
    ("response_format unknown type", body(response_format={"type": "yaml"}), "response_format.type", "'yaml'"),
    (
        "response_format invalid schema",
        body(response_format={"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": 12}}}),
        "response_format.json_schema.schema",
        "Invalid schema for response_format 'r'",
    ),
    # OpenAI's 400s, with its messages: an empty call list was forwarded, JSON mode untold answered (or stored).
    (
        "an assistant's empty tool_calls",
        body(messages=[USER, {"role": "assistant", "content": "ok", "tool_calls": []}, USER]),
        "messages[1].tool_calls",
        "Invalid 'messages[1].tool_calls': empty array. Expected an array with minimum length 1",
    ),
    (
        "a tool call of another type",
        body(messages=[USER, {"role": "assistant", "content": None, "tool_calls": [CALL | {"type": "retrieval"}]}]),
        "messages[1].tool_calls[0].type",
        "Invalid value for 'messages[1].tool_calls[0].type': \"retrieval\". Supported values are: 'function'.",
    ),
    (
        "a tool call without its type",
        body(
            messages=[
                USER,
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "function": CALL["function"]}]},
            ]
        ),
        "messages[1].tool_calls[0].type",
        "Missing required parameter: 'messages[1].tool_calls[0].type'.",
    ),
    (
        "json_object with no 'json' in the messages",
        body(response_format={"type": "json_object"}),
        "messages",
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
    ),
    ("body not an object", [USER], None, "expected an object"),
    (
        "an assistant's audio reference",
        body(messages=[USER, {"role": "assistant", "content": "ok", "audio": {"id": "audio_1"}}, USER]),
        "messages[1].audio",
        "audio references",
    ),
    ("audio on a user message", body(messages=[USER | {"audio": None}]), "messages[0].audio", "Unrecognized"),
    # The model's rule, named as the model's: a control character was "the last user message is not a usable prompt"
    ("model with a control character", body(model="gpt-4o\u0007"), "model", "'model' contains control characters"),
    ("model of only invisible characters", body(model="\u200b\u2060"), "model", "'model' is empty"),
    # Ignored, but only when OpenAI would take them: a wrong type was answered (and served from the cache).
    ("store not a bool", body(store="yes"), "store", "expected a boolean"),
    ("metadata a string", body(metadata="x"), "metadata", "expected an object"),
    ("metadata value a number", body(metadata={"k": 1}), "metadata.k", "expected a string"),
    ("metadata of 17 keys", body(metadata={f"k{i}": "v" for i in range(17)}), "metadata", "at most 16"),
    ("metadata key of 65 characters", body(metadata={"k" * 65: "v"}), "metadata", "at most 64 characters"),
    ("metadata value of 513 characters", body(metadata={"k": "v" * 513}), "metadata.k", "at most 512 characters"),
    ("service_tier unknown", body(service_tier="gold"), "service_tier", "'gold'"),
    ("service_tier a number", body(service_tier=1), "service_tier", "expected a string"),
    ("prompt_cache_key a number", body(prompt_cache_key=5), "prompt_cache_key", "expected a string"),
    ("safety_identifier a list", body(safety_identifier=["u"]), "safety_identifier", "expected a string"),
]


@pytest.mark.parametrize(("name", "payload", "param", "message"), CASES, ids=[c[0] for c in CASES])
async def test_schema_violations_are_400_in_openai_format(
    shared_gateway: Gateway, name: str, payload: Any, param: str | None, message: str
) -> None:
    async with httpx.AsyncClient(base_url=shared_gateway.base_url) as http:
        response = await http.post("/chat/completions", json=payload)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert error["type"] == "invalid_request_error"
        assert error["param"] == param
        assert message in error["message"]
        assert shared_gateway.runtime.flights.started == 0


async def test_default_values_of_unsupported_parameters_are_accepted(serve: ServeGateway) -> None:
    defaults = body(top_p=1, presence_penalty=0, frequency_penalty=0, logprobs=False, stop=None, user="u-1", seed=None)
    defaults |= {"store": False, "metadata": {"k": "v"}, "service_tier": "auto", "prompt_cache_key": "p"}
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url) as http:
        response = await http.post("/chat/completions", json=defaults)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("given", [{"stop": []}, {"logit_bias": {}}, {"response_format": {"type": "text"}}])
def test_an_option_given_as_the_providers_default_scopes_as_absent(given: dict[str, Any]) -> None:
    # Scoped by its canonical hash, an empty stop list was a miss of its own: the same answer stored twice.
    assert parse_chat(body(**given), 1).params == parse_chat(body(), 1).params == {}


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "system", "content": "Reply in Json."}, USER],
        [{"role": "user", "content": "What is Redis? As JSON please."}],
        [{"role": "user", "content": "Answer as JSON."}, {"role": "assistant", "content": "{}"}, USER],
    ],
)
def test_json_mode_is_taken_when_any_message_says_json(messages: list[dict[str, Any]]) -> None:
    call = parse_chat(body(messages=messages, response_format={"type": "json_object"}), 1)
    assert call.params == {"response_format": {"type": "json_object"}}


def test_an_assistant_message_as_the_sdk_sends_it_back_is_taken() -> None:
    """``audio: null`` is in OpenAI's assistant message (the SDK sends back what the response set): it was refused
    as an unrecognized argument, so a history from OpenAI's own replies could not go through the gateway."""
    reply = {"role": "assistant", "content": "Paris.", "refusal": None, "audio": None, "function_call": None}
    call = parse_chat(body(messages=[USER, reply, {"role": "user", "content": "And of Italy?"}]), 1)
    assert [turn.content for turn in call.history] == ["What is Redis?", "Paris."]


def test_an_assistant_refusal_sent_back_is_its_words_in_the_history() -> None:
    """A refusal the gateway answered (``content: null, refusal: ...``), sent back with the next question as the
    SDK's message object: it was a 400 'Missing required parameter content', and with ``content: ""`` the
    refusal was dropped (the upstream saw an empty turn, and any refusal shared one scope)."""
    question = {"role": "user", "content": "And of Italy?"}
    for content in (None, ""):
        refused = {"role": "assistant", "content": content, "refusal": "I can't help with that."}
        call = parse_chat(body(messages=[USER, refused, question]), 1)
        assert [turn.content for turn in call.history] == ["What is Redis?", "I can't help with that."]
    with pytest.raises(GatewayError, match=r"messages\[1\]\.refusal"):
        parse_chat(body(messages=[USER, {"role": "assistant", "content": None, "refusal": 5}, question]), 1)
    with pytest.raises(GatewayError, match=r"messages\[0\]\.refusal"):  # a user's: dropped before, unseen
        parse_chat(body(messages=[{**USER, "refusal": "no"}, question]), 1)


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
        assert response.status_code == 413  # the app-wide limit (nearhit.api.middleware.Edge)
        assert response.json()["error"]["code"] == "request_too_large"


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


def _openai_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    return error


GATEWAY_HOSTILE: list[tuple[str, str, bytes, str | None, str]] = [
    ("nested 1,000 deep", "/chat/completions", b"[" * 1000 + b"]" * 1000, None, "nested more than 64"),
    (
        "5,000-digit n",
        "/chat/completions",
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "n": 1' + b"0" * 5000 + b"}",
        None,
        "over 4,300 digits",
    ),
    (
        "NaN temperature",
        "/chat/completions",
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": NaN}',
        None,
        "NaN is not JSON",
    ),
    (
        "lone surrogate in a message",
        "/chat/completions",
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "a\\udfff"}]}',
        "messages[0].content",
        "lone surrogate (U+DFFF)",
    ),
    ("lone surrogate to embed", "/embeddings", b'{"model": "x", "input": "\\ud800"}', "input", "lone surrogate"),
    (
        "1e999 in a list",
        "/embeddings",
        b'{"model": "x", "input": ["a", 1e999]}',
        "input[1]",
        "'input[1]' is out of range",
    ),
    ("invalid UTF-8", "/embeddings", b'{"model": "x", "input": "\xc3\x28"}', None, "invalid UTF-8"),
    (
        "a message's role given twice",
        "/chat/completions",
        b'{"model": "gpt-4o", "messages": [{"role": "system", "role": "user", "content": "hi"}]}',
        None,
        "the key 'role' is given twice",
    ),
]


@pytest.mark.parametrize(
    ("name", "path", "raw", "param", "fragment"), GATEWAY_HOSTILE, ids=[c[0] for c in GATEWAY_HOSTILE]
)
async def test_hostile_json_is_a_400_invalid_json(
    shared_gateway: Gateway, name: str, path: str, raw: bytes, param: str | None, fragment: str
) -> None:
    async with httpx.AsyncClient(base_url=shared_gateway.base_url) as http:
        response = await http.post(path, content=raw, headers={"content-type": "application/json"})
        error = _openai_error(response, 400)
        assert error["code"] == "invalid_json" and error["param"] == param
        assert fragment in error["message"]
        assert shared_gateway.runtime.flights.started == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_only_json_reaches_the_gateway(shared_gateway: Gateway, content_type: str | None) -> None:
    """A cross-site ``text/plain`` POST needs no CORS preflight: it must be refused, not answered."""
    payload = json.dumps(body()).encode()
    headers = {"content-type": content_type} if content_type else {}
    async with httpx.AsyncClient(base_url=shared_gateway.base_url) as http:
        for path in ("/chat/completions", "/embeddings"):
            error = _openai_error(await http.post(path, content=payload, headers=headers), 415)
            assert error["code"] == "unsupported_media_type"
            assert "Content-Type: application/json" in error["message"]
        assert shared_gateway.runtime.flights.started == 0


async def test_n_is_capped_by_the_setting(serve: ServeGateway) -> None:
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url) as http:
        error = _openai_error(await http.post("/chat/completions", json=body(n=128)), 400)
        assert error["param"] == "n" and error["code"] == "invalid_value"
        assert "at most 4" in error["message"] and "NEARHIT_GATEWAY_MAX_N" in error["message"]
        assert (await http.post("/chat/completions", json=body(n=5))).status_code == 400
        assert gateway.runtime.flights.started == 0
        response = await http.post("/chat/completions", json=body(n=4))
        assert response.status_code == 200 and len(response.json()["choices"]) == 4


async def test_an_oversized_body_is_a_413_in_openai_shape(serve: ServeGateway) -> None:
    huge = b'{"model": "x", "input": "' + b"x" * (MAX_BODY_BYTES + 1) + b'"}'
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url) as http:
        response = await http.post("/embeddings", content=huge, headers={"content-type": "application/json"})
        error = _openai_error(response, 413)
        assert error["code"] == "request_too_large" and str(MAX_BODY_BYTES) in error["message"]


def test_the_cap_on_n_is_read_from_the_setting(settings: Settings) -> None:
    config = GatewayConfig.from_settings(settings.model_copy(update={"gateway_max_n": 2}))
    assert config.max_n == 2
    with pytest.raises(GatewayError, match="at most 2 choices"):
        parse_chat(body(n=3), config.max_n)
    assert parse_chat(body(n=2), config.max_n).n == 2
    assert GatewayConfig.from_settings(settings).max_n == 4


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"encoding_format": ""}, "encoding_format"),
        ({"encoding_format": []}, "encoding_format"),
        ({"encoding_format": {}}, "encoding_format"),
        ({"encoding_format": 0}, "encoding_format"),
        ({"encoding_format": "Float"}, "encoding_format"),
        ({"user": 5}, "user"),
        ({"user": ["me"]}, "user"),
    ],
)
def test_embeddings_refuse_a_wrong_type_rather_than_take_the_default(change: dict[str, Any], param: str) -> None:
    """``encoding_format`` of ``""``, ``[]`` or ``{}`` was answered as "float", a number as ``user`` taken."""
    with pytest.raises(GatewayError) as refused:
        parse_embeddings({"model": "any", "input": "What is Redis?"} | change)
    assert refused.value.status == 400 and refused.value.param == param


def test_embeddings_refuse_a_model_with_a_control_character() -> None:
    with pytest.raises(GatewayError) as refused:
        parse_embeddings({"model": "emb\u0000", "input": "What is Redis?"})
    assert refused.value.status == 400 and refused.value.param == "model"


HUGE = "x" * 100_000


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        (body(messages=[{"role": HUGE, "content": "hi"}]), "messages[0].role"),
        (body(tools=[{"type": HUGE}]), "tools[0].type"),
        (body(response_format={"type": HUGE}), "response_format.type"),
        (body(messages=[USER | {HUGE: 1}]), f"messages[0].{HUGE[:52]}... (100,012 characters)"),
        (body(**{HUGE: 1}), f"{HUGE[:64]}... (100,000 characters)"),
    ],
    ids=["role", "tool type", "response_format type", "message field", "request field"],
)
async def test_a_refused_value_or_name_is_not_sent_back_whole(
    shared_gateway: Gateway, payload: Any, param: str
) -> None:
    """Each was repeated whole in the 400 (a 1 MB role: a 1 MB reply; an unknown name: twice)."""
    async with httpx.AsyncClient(base_url=shared_gateway.base_url) as http:
        response = await http.post("/chat/completions", json=payload)
    assert response.status_code == 400 and len(response.content) < 1_000, len(response.content)
    assert response.json()["error"]["param"] == param
    assert "100,0" in response.json()["error"]["message"]


async def test_a_model_id_of_any_length_is_not_sent_back_whole(shared_gateway: Gateway) -> None:
    async with httpx.AsyncClient(base_url=shared_gateway.base_url) as http:
        response = await http.get("/models/" + "x" * 50_000)
    assert response.status_code == 404 and len(response.text) < 1_000, response.text[:300]
    assert "50,000 characters" in response.json()["error"]["message"]


def test_embeddings_take_a_null_encoding_format_as_float() -> None:
    call = parse_embeddings({"model": "any", "input": "hi", "encoding_format": None, "user": "u1"})
    assert call.encoding_format == "float"
