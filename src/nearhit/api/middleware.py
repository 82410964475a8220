"""The app's one ASGI middleware, streaming-safe: request ids and the access log, security headers, the body
size limit and strict JSON bodies, in one layer (one ``send`` wrapper, the headers read once per request)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nearhit import jsonbody
from nearhit.gateway.errors import GatewayError, invalid_json

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_BODY_BYTES = 2 * 1024 * 1024
STOPPING = "the service is stopping: send the request again"
BODY_SECONDS = 30.0
"""The whole body must arrive within this: a client trickling a byte now and then (slow loris) would otherwise
hold its connection, and a worker's slot, for as long as it likes."""

CLIENT_CLOSED = 499
"""The status logged for a request whose client left before it could be answered (nginx's "client closed
request"), as ``/ask`` logs one that leaves before its answer."""

log = structlog.get_logger("nearhit.access")
_ACCESS = logging.getLogger("nearhit.access")  # asked before formatting a line: off above INFO, it costs nothing

# The UI is self-hosted (no CDN, no inline script or style): everything from this origin, never framed.
PAGE_POLICY = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
# /docs and /redoc (fastapi-offline) start Swagger UI and ReDoc with an inline script; ReDoc runs a blob: worker.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")


def _security_headers(policy: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
    ]


_PAGE_HEADERS = _security_headers(PAGE_POLICY)
_DOCS_HEADERS = _security_headers(DOCS_POLICY)


class Edge:
    """What every HTTP request goes through before a route sees it, and every response on its way out.

    - A request the server cancels (stopping, past its grace) is a 503 saying so, if its answer has not begun.
    - ``HEAD`` is routed as ``GET`` and answered without the body (the routes declare only ``GET``).
    - ``X-Request-ID`` is taken from the caller (or made), bound to the logs, returned; the request is logged.
    - ``Content-Security-Policy``, ``X-Content-Type-Options``, ``X-Frame-Options`` and ``Referrer-Policy`` go
      on every response (pages, JSON, event streams, errors) unless the app set one itself.
    - A body over ``max_bytes`` is a 413 before the app reads it; one not whole after :data:`BODY_SECONDS` a 408
      (the connection closed).
    - A body is strict JSON, read by :func:`nearhit.jsonbody.loads`. A body sent as another type
      (``text/plain``, a form) is a 415: those are the types a browser sends cross-site without a CORS
      preflight, so refusing them keeps other sites' pages from reaching the API. A body in a content coding
      (``gzip``, ...) is a 415 too, naming it: it is not decoded, nor read as if it were plain; so is a
      ``charset`` other than UTF-8 (:func:`nearhit.jsonbody.foreign_charset`), named. Either header
      given twice is a 400: this check and FastAPI would each read another line. A transfer coding but chunked
      (which the server undoes) is a 501 (RFC 9112 6.1): the server left it on the body. A body that
      :mod:`nearhit.jsonbody` refuses (NaN, ``1e999``, a lone surrogate, 1,000 levels deep) is a 422 in
      FastAPI's ``json_invalid`` shape. Under ``openai_prefix`` (the gateway) these errors are in OpenAI's
      shape (400, 413, 415). The body is then replayed to the app unchanged, its parsed value left in
      ``scope["state"]["json"]`` so the gateway does not parse it again.
    """

    def __init__(self, app: ASGIApp, *, openai_prefix: str, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.openai_prefix = openai_prefix
        self.max_bytes = max_bytes
        self.body_seconds = BODY_SECONDS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "HEAD":  # answered as its GET, without the body (RFC 9110 9.3.2): FastAPI routes only GET
            scope = {**scope, "method": "GET"}  # a copy: the server still knows the request's method is HEAD
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        extra = [*(_DOCS_HEADERS if scope["path"].startswith(DOCS_PATHS) else _PAGE_HEADERS)]
        extra.append((b"x-request-id", request_id.encode()))
        started = time.perf_counter()
        status = 500

        started_response = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status = message["status"]
                started_response = True
                sent = list(message.get("headers", []))
                present = {name.lower() for name, _ in sent}
                message["headers"] = sent + [(name, value) for name, value in extra if name not in present]
            elif method == "HEAD" and message.get("body"):
                message = {**message, "body": b""}
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            replay = await self._checked_body(scope, headers, receive, send_with_headers)
            if replay is not None:
                await self.app(scope, replay, send_with_headers)
            elif not started_response:  # the client left before its body ended: nobody to answer, no server error
                status = CLIENT_CLOSED
        except asyncio.CancelledError:
            # Only the server cancels a request (uvicorn, stopping, once its grace is over): the client is told
            # so, not a bare 500; a response already begun just ends. Not re-raised: the request is over either
            # way, and re-raised it is logged as a crash ("Exception in ASGI application").
            if not started_response:
                await self._refuse(scope, send_with_headers, 503, "service_stopping", STOPPING, close=True)
        finally:
            if _ACCESS.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    method=method,
                    path=scope["path"],
                    status=status,
                    ms=round((time.perf_counter() - started) * 1000, 2),
                )
            structlog.contextvars.unbind_contextvars("request_id")

    async def _checked_body(
        self, scope: Scope, headers: dict[bytes, bytes], receive: Receive, send: Send
    ) -> Receive | None:
        """The ``receive`` the app gets (the body replayed), or None when the request was answered here."""
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(scope, send)
            return None
        if scope["method"] not in _BODY_METHODS:
            return receive
        try:
            async with asyncio.timeout(self.body_seconds):
                body = await self._read_body(receive)
        except TimeoutError:
            message = f"request body not received within {self.body_seconds:g} s"
            await self._refuse(scope, send, 408, "request_timeout", message, close=True)
            return None
        except _TooLarge:
            await self._too_large(scope, send)
            return None
        if body is None:  # the client left before the body ended
            return None
        if body:
            for name in (b"content-type", b"content-encoding"):  # which line counts would be each reader's guess
                given = sum(1 for key, _ in scope["headers"] if key.lower() == name)
                if given > 1:
                    message = f"{name.decode().title()} is given {given} times: send it once"
                    await self._refuse(scope, send, 400, "invalid_header", message)
                    return None
            framing = headers.get(b"transfer-encoding", b"").decode("latin-1")
            if any(part.strip().lower() not in ("", "chunked") for part in framing.split(",")):
                message = f"unsupported Transfer-Encoding {framing[:100]!r}: only chunked is taken"
                await self._refuse(scope, send, 501, "not_implemented", message, close=True)
                return None
            coding = headers.get(b"content-encoding", b"").decode("latin-1").strip()
            if coding and coding.lower() != "identity":
                await self._unsupported_coding(scope, send, coding)
                return None
            content_type = headers.get(b"content-type", b"").decode("latin-1")
            if not jsonbody.is_json(content_type):
                await self._unsupported_type(scope, send, content_type)
                return None
            if (charset := jsonbody.foreign_charset(content_type)) is not None:
                message = f"unsupported charset {charset[:40]!r}: JSON must be UTF-8 (RFC 8259); send the body as UTF-8"
                await self._refuse(scope, send, 415, "unsupported_media_type", message)
                return None
            try:
                scope.setdefault("state", {})["json"] = jsonbody.loads(body)
            except jsonbody.InvalidJSON as exc:
                await self._invalid(scope, send, exc)
                return None
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the disconnect, for streaming responses
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body (None when the client left first); :class:`_TooLarge` past ``max_bytes``."""
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        message = f"request body too large: the limit is {self.max_bytes} bytes"
        await self._refuse(scope, send, 413, "request_too_large", message)

    async def _unsupported_type(self, scope: Scope, send: Send, content_type: str) -> None:
        given = f"'{content_type[:100]}'" if content_type else "no Content-Type"
        message = f"unsupported media type: {given}; send the body as JSON with Content-Type: application/json"
        await self._refuse(scope, send, 415, "unsupported_media_type", message)

    async def _unsupported_coding(self, scope: Scope, send: Send, coding: str) -> None:
        """A compressed body is not decoded (its size once inflated is unbounded): the coding named, as
        RFC 9110 15.5.16 asks, with ``Accept-Encoding`` saying what is taken."""
        message = f"unsupported Content-Encoding {coding[:100]!r}: send the body uncompressed"
        accepted = [(b"accept-encoding", b"identity")]
        await self._refuse(scope, send, 415, "unsupported_media_type", message, headers=accepted)

    async def _refuse(
        self,
        scope: Scope,
        send: Send,
        status: int,
        code: str,
        message: str,
        *,
        close: bool = False,
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """A refusal in OpenAI's error shape under the gateway's prefix, FastAPI's ``detail`` elsewhere;
        ``close``: the connection too (what is left of its body will not be read)."""
        if _is_openai(scope, self.openai_prefix):
            body = GatewayError(message, status=status, code=code).body()
        else:
            body = {"detail": message}
        await _answer(send, status, body, close=close, headers=headers)

    async def _invalid(self, scope: Scope, send: Send, exc: jsonbody.InvalidJSON) -> None:
        if _is_openai(scope, self.openai_prefix):
            error = invalid_json(exc)
            await _answer(send, error.status, error.body())
            return
        loc = ["body", *exc.path] if exc.path else ["body", exc.pos]
        detail = {
            "type": "json_invalid",
            "loc": loc,
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": str(exc)},
        }
        await _answer(send, 422, {"detail": [detail]})


def _is_openai(scope: Scope, prefix: str) -> bool:
    path: str = scope["path"]
    return path == prefix or path.startswith(prefix + "/")


class _TooLarge(Exception):
    """The body went past the size limit while it was read."""


async def _answer(
    send: Send,
    status: int,
    content: dict[str, Any],
    *,
    close: bool = False,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps(content).encode()
    sent = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or [])]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*sent, (b"connection", b"close")] if close else sent,
        }
    )
    await send({"type": "http.response.body", "body": body})
