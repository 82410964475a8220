"""Every response carries the security headers: pages, JSON, event streams and errors, whoever answered."""

from __future__ import annotations

import httpx
import pytest

from nearhit.api.middleware import DOCS_POLICY, PAGE_POLICY
from tests.support.live import LiveServer

EXPECTED = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}


def assert_secured(response: httpx.Response, policy: str = PAGE_POLICY) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.url, name, response.headers)
    assert response.headers.get("content-security-policy") == policy, response.url
    assert len(response.headers.get_list("content-security-policy")) == 1


async def test_pages_and_static_files(shared_live: LiveServer) -> None:
    for path in ("/", "/calculator", "/static/style.css", "/static/js/chat.js"):
        response = await shared_live.client.get(path)
        assert response.status_code == 200, path
        assert_secured(response)
    page = await shared_live.client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_docs_get_their_own_policy(shared_live: LiveServer, path: str) -> None:
    """Swagger UI and ReDoc start with an inline script: allowed there, and only there."""
    response = await shared_live.client.get(path)
    assert response.status_code == 200
    assert_secured(response, DOCS_POLICY)
    assert "'unsafe-inline'" not in PAGE_POLICY


async def test_json_sse_and_errors(live: LiveServer) -> None:
    assert_secured(await live.client.get("/health"))
    assert_secured(await live.client.get("/openapi.json"))
    async with live.client.stream("POST", "/ask/stream", json={"prompt": "hello", "include_raw": False}) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert_secured(stream)
        await stream.aread()
    for response in (
        await live.client.post("/ask", json={}),  # 422 from FastAPI
        await live.client.post("/ask", content=b"hi", headers={"content-type": "text/plain"}),  # 415 middleware
        await live.client.post("/ask", content=b"x" * (3 * 1024 * 1024)),  # 413 middleware
        await live.client.get("/nowhere"),  # 404
        await live.client.post("/v1/chat/completions", json={"model": "x"}),  # 400 gateway
    ):
        assert response.status_code >= 400
        assert_secured(response)
