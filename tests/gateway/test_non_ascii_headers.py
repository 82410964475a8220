"""A control header's bytes beyond ASCII are a 400 saying so, naming the header. HTTP does not say how header
bytes are encoded (RFC 9110 5.5: historically Latin-1, in practice opaque): the same ``é`` is one byte from one
client and two from another, so no reading of them would be the namespace the caller meant. Before, a UTF-8
namespace was refused as "contains control characters" (the C1 bytes of ``ｎｓ`` or an RTL mark) or taken as
its Latin-1 reading (``é`` as ``Ã©``, a namespace of its own), and a ``²`` (byte 0xB2) in a ttl or a
``max-age`` passed ``str.isdigit`` and failed ``int``."""

from __future__ import annotations

import httpx
import pytest

from tests.gateway.conftest import ServeGateway

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "What is Redis?"}]}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("x-nearhit-namespace", "café".encode()),
        ("x-nearhit-namespace", "ｎｓ".encode()),
        ("x-nearhit-namespace", "\u202eabc".encode()),
        ("x-nearhit-namespace", b"ab\xff"),
        ("x-nearhit-threshold", b"0.\xb2"),
        ("x-nearhit-ttl", b"6\xb2"),
        ("cache-control", b"max-age=\xb2"),
    ],
)
async def test_a_control_header_beyond_ascii_is_a_400_naming_it(serve: ServeGateway, name: str, value: bytes) -> None:
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as http:
        response = await http.post("/chat/completions", json=CHAT, headers={name: value})
        assert response.status_code == 400, (value, response.text)
        error = response.json()["error"]
        assert error["param"] == name and error["code"] == "invalid_header"
        assert f"{name} must be ASCII" in error["message"], error["message"]
        assert await gateway.entries() == 0


async def test_an_ascii_namespace_still_scopes_its_answers(serve: ServeGateway) -> None:
    async with serve() as gateway, httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as http:
        response = await http.post("/chat/completions", json=CHAT, headers={"x-nearhit-namespace": b"team-a"})
        assert response.status_code == 200, response.text
