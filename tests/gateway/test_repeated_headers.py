"""A header sent on several lines. ``Cache-Control`` is a list (RFC 9110 5.3: its lines are one comma-separated
value), so a ``no-store`` on its second line still holds; a header that takes one value (a credential, a
threshold, a namespace) given twice is refused, naming it, rather than read from its first line alone."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.gateway.conftest import Gateway, ServeGateway


def _chat(question: str) -> dict[str, object]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": question}]}


async def test_no_store_on_a_second_cache_control_line_is_obeyed(serve: ServeGateway) -> None:
    async with serve() as gateway:
        question = f"How many moons does planet {uuid.uuid4().hex[:6]} have?"
        async with httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as http:
            lines = [("cache-control", "no-cache"), ("cache-control", "no-store")]
            first = await http.post("/chat/completions", json=_chat(question), headers=lines)
            assert first.status_code == 200, first.text
            assert first.headers["x-nearhit-cache"] == "bypass"
            await gateway.settled()
            assert await gateway.entries() == 0  # the first line alone would have let it be stored
            again = await http.post("/chat/completions", json=_chat(question))
            assert again.headers["x-nearhit-cache"] == "miss"


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("x-nearhit-namespace", ("team-a", "team-b")),
        ("x-nearhit-threshold", ("0.5", "0.99")),
        ("x-nearhit-ttl", ("60", "3600")),
    ],
)
async def test_a_single_valued_control_header_given_twice_is_a_400(
    shared_gateway: Gateway, name: str, values: tuple[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=shared_gateway.base_url, timeout=30) as http:
        response = await http.post(
            "/chat/completions", json=_chat("What is Redis?"), headers=[(name, value) for value in values]
        )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == name
    assert "given 2 times" in error["message"]


async def test_two_credentials_are_refused_whichever_comes_first(serve: ServeGateway) -> None:
    async with serve(keys="key-a=acme,key-b=globex") as gateway, httpx.AsyncClient(base_url=gateway.base_url) as http:
        for first, second in (("key-a", "key-b"), ("key-b", "key-a")):
            lines = [("authorization", f"Bearer {first}"), ("authorization", f"Bearer {second}")]
            response = await http.post("/chat/completions", json=_chat("What is Redis?"), headers=lines)
            assert response.status_code == 401, response.text
            assert "Authorization is given 2 times" in response.json()["error"]["message"]
        both = [("x-admin-token", "one"), ("x-admin-token", "two")]
        response = await http.get("/models", headers=both)
        assert response.status_code == 401
        assert "X-Admin-Token is given 2 times" in response.json()["error"]["message"]
        assert (await http.get("/models", headers={"authorization": "Bearer key-a"})).status_code == 200
