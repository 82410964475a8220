"""A seeded fuzz of every POST route, the gateway's and the API's, with malformed and hostile bodies: truncated
JSON, wrong types anywhere, huge numbers, deep nesting, invalid UTF-8, lone surrogates, other content types,
empty bodies. Whatever comes in: never a 5xx, and every error in its route's shape (OpenAI's on ``/v1``,
FastAPI's elsewhere). Bounded by count and time, over loopback only."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.live import LiveServer

SEED = 20261201
REQUESTS = 420
TIME_BUDGET_S = 60.0

USER = {"role": "user", "content": "What is Redis?"}
VALID: dict[str, dict[str, Any]] = {
    "/v1/chat/completions": {"model": "gpt-4o", "messages": [USER], "temperature": 0, "stream": False},
    "/v1/embeddings": {"model": "all-MiniLM-L6-v2", "input": ["a", "b"]},
    "/ask": {"prompt": "What is Redis?", "include_raw": False, "threshold": 0.8, "history": [USER]},
    "/ask/stream": {"prompt": "What is Redis?", "include_raw": False, "ttl": 60},
    "/cache/search": {"text": "redis", "top_k": 3},
    "/cache/store": {"prompt": "p", "response": "r", "tenant": "t"},
    "/vector/search": {"embedding": [0.1] * 384, "top_k": 2},
    "/vector/add": {"prompt": "p", "response": "r", "embedding": [0.1] * 384},
    "/calculator/estimate": {"requests_per_day": 1000, "input_tokens": 500, "output_tokens": 200, "hit_rate": 0.3},
}
WRONG_VALUES: list[Any] = [None, True, 0, -1, 2**70, 1.5, "", "x" * 300, [], [1, "a"], {}, {"a": {"b": []}}]
RAW_NUMBERS = [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999", b"1" + b"0" * 5000, b"1e-999", b"-0"]


def _swap_value(rng: random.Random, body: Any) -> Any:
    """The body with one value, anywhere in it, replaced by a value of another type."""
    body = json.loads(json.dumps(body))
    containers: list[Any] = [body]
    slots: list[tuple[Any, Any]] = []
    while containers:
        node = containers.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node))
        for key in keys:
            slots.append((node, key))
            if isinstance(node[key], dict | list):
                containers.append(node[key])
    if not slots:
        return rng.choice(WRONG_VALUES)
    node, key = rng.choice(slots)
    node[key] = rng.choice(WRONG_VALUES)
    return body


def _raw_value(rng: random.Random, text: str, raw: bytes) -> bytes:
    """The serialised body with one number or string literal replaced by ``raw`` bytes."""
    spots = [i for i, ch in enumerate(text) if ch == ":" or (ch == "," and text[i - 1] != "}")]
    if not spots:
        return raw
    at = rng.choice(spots) + 1
    end = at
    while end < len(text) and text[end] not in ",}]":
        end += 1
    return text[:at].encode() + b" " + raw + text[end:].encode()


def _cases(rng: random.Random, route: str) -> list[tuple[str, bytes, str]]:
    """(what, body, content type or "" for none) for one route: the mutations of its valid body."""
    body = VALID[route]
    text = json.dumps(body)
    deep = rng.choice([65, 200, 1000, 5000])
    mutations: list[Callable[[], tuple[str, bytes, str]]] = [
        lambda: ("truncated", text[: rng.randrange(len(text))].encode(), "application/json"),
        lambda: ("wrong type", json.dumps(_swap_value(rng, body)).encode(), "application/json"),
        lambda: ("raw number", _raw_value(rng, text, rng.choice(RAW_NUMBERS)), "application/json"),
        lambda: (
            "surrogate",
            _raw_value(rng, text, rng.choice([b'"\\ud800"', b'"a\\udfffb"', b'"\\udbff"'])),
            "application/json",
        ),
        lambda: ("deep", _raw_value(rng, text, b"[" * deep + b"]" * deep), "application/json"),
        lambda: ("deep object", _raw_value(rng, text, b'{"a":' * deep + b"1" + b"}" * deep), "application/json"),
        lambda: ("invalid UTF-8", _raw_value(rng, text, b'"\xff\xc3\x28\xed\xa0\x80"'), "application/json"),
        lambda: ("random bytes", rng.randbytes(rng.randrange(1, 200)), "application/json"),
        lambda: ("not an object", rng.choice([b"0", b"[]", b'"text"', b"null", b"true", b"[{}]"]), "application/json"),
        lambda: ("trailing junk", text.encode() + rng.choice([b"}", b",", b" x", b"\x00"]), "application/json"),
        lambda: ("BOM", b"\xef\xbb\xbf" + text.encode(), "application/json"),
        lambda: ("empty", b"", rng.choice(["application/json", ""])),
        lambda: (
            "content type",
            text.encode(),
            rng.choice(
                ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/xml", ""]
            ),
        ),
    ]
    return [mutation() for mutation in mutations]


def _assert_shape(route: str, response: httpx.Response, what: str) -> None:
    context = (route, what, response.status_code, response.text[:300])
    assert response.status_code < 500, context
    if response.status_code < 400:
        return
    assert response.headers["content-type"].startswith("application/json"), context
    payload = response.json()
    if route.startswith("/v1/"):
        assert set(payload) == {"error"}, context
        assert set(payload["error"]) == {"message", "type", "param", "code"}, context
        assert isinstance(payload["error"]["message"], str) and payload["error"]["message"], context
        assert response.status_code in (400, 413, 415), context
    else:
        assert set(payload) == {"detail"}, context
        detail = payload["detail"]
        if response.status_code == 422:
            assert isinstance(detail, list) and detail, context
            assert all({"loc", "msg", "type"} <= set(item) for item in detail), context
        else:
            assert isinstance(detail, str) and detail, context
            assert response.status_code in (400, 413, 415), context


@pytest.mark.slow
async def test_malformed_bodies_never_get_a_5xx_and_errors_keep_their_shape(live: LiveServer) -> None:
    rng = random.Random(SEED)
    deadline = time.monotonic() + TIME_BUDGET_S
    sent = 0
    statuses: dict[int, int] = {}
    while sent < REQUESTS and time.monotonic() < deadline:
        route = rng.choice(list(VALID))
        for what, raw, content_type in _cases(rng, route):
            headers = {"content-type": content_type} if content_type else {}
            response = await live.client.post(route, content=raw, headers=headers)
            _assert_shape(route, response, what)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            sent += 1
    assert sent >= 100, f"only {sent} requests in {TIME_BUDGET_S} s"
    assert {400, 415, 422} <= set(statuses), statuses  # each kind of refusal was reached
