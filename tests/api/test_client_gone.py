"""A client that leaves before its request body has all arrived is logged as a 499 (client closed request, as
``/ask`` logs one that leaves before its answer), not as a 500: the access log showed a server error for every
client that gave up mid-upload (found by killing a load generator: four 500s, no error logged)."""

from __future__ import annotations

import logging

import pytest
from starlette.types import Message, Receive, Scope, Send
from structlog.testing import capture_logs

from nearhit.api.middleware import Edge


async def _never_reached(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("the app ran without a body")


@pytest.mark.parametrize("path", ["/ask", "/v1/chat/completions"])
async def test_a_client_gone_before_its_body_ended_is_logged_as_499(
    caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.INFO, logger="nearhit.access")
    arriving: list[Message] = [
        {"type": "http.request", "body": b'{"prompt"', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return arriving.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
    }
    with capture_logs() as logs:
        await Edge(_never_reached, openai_prefix="/v1")(scope, receive, send)
    assert sent == []  # nobody to answer
    assert [line["status"] for line in logs if line["event"] == "request"] == [499]
