"""Parseable but hostile bodies (NaN, ``1e999``, lone surrogates, deep nesting, huge integers, bad UTF-8, a key
given twice) and bodies of another type get a precise 4xx on every FastAPI route: 422 in FastAPI's shape, 415 for
the type."""

from __future__ import annotations

import asyncio
import gzip
import json
from urllib.parse import urlsplit

import pytest

from nearhit import jsonbody
from tests.support.live import LiveServer

ROUTES = [
    "/ask",
    "/ask/stream",
    "/cache/search",
    "/cache/store",
    "/vector/search",
    "/vector/add",
    "/calculator/estimate",
]

HOSTILE: list[tuple[str, bytes, str]] = [
    ("NaN", b'{"prompt": "hi", "threshold": NaN}', "NaN is not JSON"),
    ("Infinity", b'{"prompt": "hi", "threshold": Infinity}', "Infinity is not JSON"),
    ("-Infinity", b'{"prompt": "hi", "threshold": -Infinity}', "-Infinity is not JSON"),
    ("1e999", b'{"prompt": "hi", "threshold": 1e999}', "'threshold' is out of range"),
    ("lone surrogate", b'{"prompt": "caf\\ud800"}', "'prompt' contains a lone surrogate (U+D800) at character 3"),
    ("surrogate in a key", b'{"\\udc00": 1}', "a key of the body contains a lone surrogate"),
    ("nested 1,000 deep", b'{"prompt": "hi", "history": ' + b"[" * 1000 + b"]" * 1000 + b"}", "nested more than 64"),
    ("5,000-digit integer", b'{"prompt": "hi", "max_tokens": 1' + b"0" * 5000 + b"}", "over 4,300 digits"),
    (
        "40-digit integer",
        b'{"prompt": "hi", "max_tokens": 1' + b"0" * 39 + b"}",
        "'max_tokens' is an integer of 40 digits",
    ),
    ("invalid UTF-8", b'{"prompt": "\xff\xfe"}', "invalid UTF-8 (byte 0xff)"),
    ("a key given twice", b'{"prompt": "hi", "prompt": "ho"}', "the key 'prompt' is given twice in one object"),
]


@pytest.mark.parametrize(("name", "raw", "fragment"), HOSTILE, ids=[case[0] for case in HOSTILE])
async def test_hostile_json_is_a_422_in_fastapi_shape(
    shared_live: LiveServer, name: str, raw: bytes, fragment: str
) -> None:
    for path in ROUTES:
        response = await shared_live.client.post(path, content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 422, (path, response.status_code, response.text[:300])
        [error] = response.json()["detail"]
        assert error["type"] == "json_invalid" and error["loc"][0] == "body", (path, error)
        assert fragment in error["ctx"]["error"], (path, error)
    assert shared_live.runtime.flights.started == 0


async def test_a_surrogate_error_points_at_the_value(live: LiveServer) -> None:
    raw = b'{"prompt": "hi", "history": [{"role": "user", "content": "ok"}, {"role": "user", "content": "\\ud83d"}]}'
    response = await live.client.post("/ask", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "history", 1, "content"]


async def test_a_paired_surrogate_is_just_an_emoji(live: LiveServer) -> None:
    raw = b'{"prompt": "smile \\ud83d\\ude00", "include_raw": false}'
    response = await live.client.post("/ask", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]
)
async def test_a_body_that_is_not_declared_json_is_a_415(shared_live: LiveServer, content_type: str | None) -> None:
    """The types a browser sends cross-site without a preflight never reach a route."""
    headers = {"content-type": content_type} if content_type else {}
    for path in ROUTES:
        response = await shared_live.client.post(path, content=b'{"prompt": "hi"}', headers=headers)
        assert response.status_code == 415, (path, response.text)
        assert "Content-Type: application/json" in response.json()["detail"]
    assert shared_live.runtime.flights.started == 0


@pytest.mark.parametrize(
    ("encoding", "compress"), [("gzip", True), ("br", False), ("gzip, deflate", True), ("GZIP", True)]
)
async def test_a_body_in_a_content_coding_is_a_415_naming_it(
    shared_live: LiveServer, encoding: str, compress: bool
) -> None:
    """A gzip body was read as JSON ("invalid UTF-8 (byte 0x8b)"); a plain one labelled ``br`` was answered as if
    unlabelled. Neither is decoded: the coding is named (RFC 9110 15.5.16), the gateway in OpenAI's shape."""
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    for path, body in [*((path, {"prompt": "hi", "text": "hi"}) for path in ROUTES), ("/v1/chat/completions", chat)]:
        raw = json.dumps(body).encode()
        headers = {"content-type": "application/json", "content-encoding": encoding}
        response = await shared_live.client.post(path, content=gzip.compress(raw) if compress else raw, headers=headers)
        assert response.status_code == 415, (path, response.text)
        assert response.headers["accept-encoding"] == "identity"
        error = response.json()["error"]["message"] if path.startswith("/v1/") else response.json()["detail"]
        assert f"Content-Encoding {encoding!r}" in error, (path, error)
    identity = {"content-type": "application/json", "content-encoding": "identity"}
    answered = await shared_live.client.post("/cache/search", content=b'{"text": "hi"}', headers=identity)
    assert answered.status_code == 200, answered.text
    assert shared_live.runtime.flights.started == 0


@pytest.mark.parametrize("name", ["content-type", "content-encoding"])
async def test_a_body_header_given_twice_is_a_400_naming_it(shared_live: LiveServer, name: str) -> None:
    """Two Content-Type lines (``text/plain``, then ``application/json``) passed the JSON check on the last and
    were read by FastAPI on the first: a 422 "Input should be a valid dictionary" for a valid body; two
    Content-Encoding lines (``gzip``, ``identity``) were taken as plain. Which line counts is each reader's
    guess, as for the gateway's control headers: a 400 naming the header."""
    first = {"content-type": "text/plain", "content-encoding": "gzip"}[name]
    second = {"content-type": "application/json", "content-encoding": "identity"}[name]
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    for path, body in [("/cache/search", {"text": "hi"}), ("/ask", {"prompt": "hi"}), ("/v1/chat/completions", chat)]:
        headers = [("content-type", "application/json"), (name, first), (name, second)]
        if name == "content-type":
            headers = headers[1:]
        response = await shared_live.client.post(path, content=json.dumps(body).encode(), headers=headers)
        assert response.status_code == 400, (path, response.text)
        error = response.json()["error"]["message"] if path.startswith("/v1/") else response.json()["detail"]
        assert error.startswith(f"{name.title()} is given 2 times"), (path, error)
    assert shared_live.runtime.flights.started == 0


async def test_a_transfer_coding_other_than_chunked_is_a_501(shared_live: LiveServer) -> None:
    """``Transfer-Encoding: gzip, chunked``: the server undid the chunks and left the gzip, so the body was read as
    if plain (RFC 9112 6.1: a coding the server does not understand is a 501). Sent by hand: httpx refuses to."""
    where = urlsplit(shared_live.url)
    for path in ("/cache/search", "/v1/chat/completions"):
        raw = gzip.compress(b'{"text": "hi"}')
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        head += "Transfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n"
        reader, writer = await asyncio.open_connection(where.hostname, where.port)
        try:
            writer.write(head.encode() + f"{len(raw):x}\r\n".encode() + raw + b"\r\n0\r\n\r\n")
            answer = await asyncio.wait_for(reader.read(), timeout=10)
        finally:
            writer.close()
        assert answer.startswith(b"HTTP/1.1 501"), (path, answer[:300])
        assert b"Transfer-Encoding 'gzip, chunked'" in answer, (path, answer[:300])


async def test_json_media_types_with_parameters_are_json(live: LiveServer) -> None:
    for content_type in ("application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"):
        response = await live.client.post(
            "/cache/search", content=b'{"text": "hi"}', headers={"content-type": content_type}
        )
        assert response.status_code == 200, (content_type, response.text)


async def test_an_empty_body_is_a_missing_field_not_a_type_error(live: LiveServer) -> None:
    response = await live.client.post("/ask", content=b"")
    assert response.status_code == 422 and response.json()["detail"][0]["type"] == "missing"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": "\\ud83d\\ude00"}',  # a surrogate pair is an emoji
        b"[" + b"9" * 32 + b"]",  # the longest integer allowed
        b"[1e-400, 1.7976931348623157e308, -0.0]",  # underflow to 0, the largest double
        b"[" * 64 + b"]" * 64,  # the deepest nesting allowed
        b'{"a": [true, false, null, "caf\\u00e9"]}',
    ],
)
def test_what_strict_json_still_accepts(raw: bytes) -> None:
    assert jsonbody.loads(raw) == json.loads(raw)


def test_json_media_types() -> None:
    assert jsonbody.is_json("application/json; charset=utf-8")
    assert jsonbody.is_json("application/vnd.api+json")
    assert not jsonbody.is_json("text/plain")
    assert not jsonbody.is_json("text/json")
    assert not jsonbody.is_json(None)


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        ("application/json; charset=utf-16", "utf-16"),  # with its byte order mark
        ("application/json; charset=UTF-16LE", "utf-16-le"),
        ('application/json;charset="latin1"', "latin-1"),
        ("application/json; charset=utf-16", "utf-8"),  # mislabelled: the bytes are UTF-8
        ("application/json; charset=no-such-charset", "utf-8"),
    ],
)
async def test_a_body_in_another_charset_is_a_415_naming_it(
    shared_live: LiveServer, content_type: str, encoding: str
) -> None:
    """JSON must be UTF-8 (RFC 8259): a UTF-16 body was read as UTF-8 (a 422 "invalid UTF-8 (byte 0xff)", or
    for UTF-16LE without its mark "Expecting property name": NUL bytes are UTF-8), and a mislabelled one taken as
    UTF-8. Neither is guessed: a 415 naming the charset, on the API and (in OpenAI's shape) on the gateway."""
    charset = content_type.partition("charset=")[2].strip('"')
    body = '{"text": "café"}'.encode(encoding)
    response = await shared_live.client.post("/cache/search", content=body, headers={"content-type": content_type})
    assert response.status_code == 415, response.text
    assert f"unsupported charset '{charset}': JSON must be UTF-8" in response.json()["detail"]
    chat = '{"model": "gpt-4o", "messages": [{"role": "user", "content": "café"}]}'.encode(encoding)
    gateway = await shared_live.client.post(
        "/v1/chat/completions", content=chat, headers={"content-type": content_type, "authorization": "Bearer k"}
    )
    assert gateway.status_code == 415 and f"unsupported charset '{charset}'" in gateway.json()["error"]["message"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"', "utf8", "us-ascii"])
async def test_a_utf8_or_ascii_charset_is_read_as_utf8(shared_live: LiveServer, charset: str) -> None:
    response = await shared_live.client.post(
        "/cache/search",
        content='{"text": "café"}'.encode(),
        headers={"content-type": f"application/json; charset={charset}"},
    )
    assert response.status_code == 200, (charset, response.text)
