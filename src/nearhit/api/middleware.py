"""Request ids, access logs, a body size limit, strict JSON bodies, as plain ASGI middleware (streaming-safe)."""

from __future__ import annotations

import json
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

log = structlog.get_logger("nearhit.access")


class RequestContext:
    """Takes ``X-Request-ID`` from the caller (or makes one), logs the request with it, returns it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")


class BodyLimit:
    """Refuses bodies over ``MAX_BODY_BYTES`` with a 413 before the app reads them; under ``openai_prefix`` (the
    gateway) in OpenAI's error shape."""

    def __init__(self, app: ASGIApp, *, openai_prefix: str, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.openai_prefix = openai_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(scope, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _BodyTooLarge:
            await self._too_large(scope, send)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        message = f"request body too large: the limit is {self.max_bytes} bytes"
        if _is_openai(scope, self.openai_prefix):
            body = GatewayError(message, status=413, code="request_too_large").body()
        else:
            body = {"detail": message}
        await _answer(send, 413, body)


class _BodyTooLarge(Exception):
    pass


class JSONBodies:
    """Every request body is strict JSON, read by :func:`nearhit.jsonbody.loads` before any route sees it.

    A body sent as another type (``text/plain``, a form) is a 415: those are the types a browser sends
    cross-site without a CORS preflight, so refusing them keeps other sites' pages from reaching the API.
    A body that :mod:`nearhit.jsonbody` refuses (NaN, ``1e999``, a lone surrogate, 1,000 levels deep)
    is a 422 in FastAPI's ``json_invalid`` shape, or on the gateway a 400 in OpenAI's shape. The body is
    then replayed to the app unchanged.
    """

    def __init__(self, app: ASGIApp, *, openai_prefix: str) -> None:
        self.app = app
        self.openai_prefix = openai_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client left before the body ended
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body:
            content_type = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
            if not jsonbody.is_json(content_type):
                await self._unsupported_type(scope, send, content_type)
                return
            try:
                jsonbody.loads(body)
            except jsonbody.InvalidJSON as exc:
                await self._invalid(scope, send, exc)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the disconnect, for streaming responses
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _unsupported_type(self, scope: Scope, send: Send, content_type: str) -> None:
        given = f"'{content_type[:100]}'" if content_type else "no Content-Type"
        message = f"unsupported media type: {given}; send the body as JSON with Content-Type: application/json"
        if _is_openai(scope, self.openai_prefix):
            body = GatewayError(message, status=415, code="unsupported_media_type").body()
        else:
            body = {"detail": message}
        await _answer(send, 415, body)

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


async def _answer(send: Send, status: int, content: dict[str, Any]) -> None:
    body = json.dumps(content).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


# The UI is self-hosted (no CDN, no inline script or style): everything from this origin, never framed.
PAGE_POLICY = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
# /docs and /redoc (fastapi-offline) start Swagger UI and ReDoc with an inline script; ReDoc runs a blob: worker.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeaders:
    """``Content-Security-Policy``, ``X-Content-Type-Options``, ``X-Frame-Options`` and ``Referrer-Policy`` on
    every response (pages, JSON, event streams, errors), unless the app set one itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        policy = DOCS_POLICY if path.startswith(DOCS_PATHS) else PAGE_POLICY
        extra = [
            (b"content-security-policy", policy.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                message["headers"] = headers + [(name, value) for name, value in extra if name not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)
