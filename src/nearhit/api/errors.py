"""Exception handlers: nearhit's errors become precise JSON answers with the right status code."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.exceptions import RedisError

from nearhit.api.middleware import MAX_BODY_BYTES
from nearhit.errors import ClearIncomplete, ConfigError, IndexMismatch, InvalidInput, RedisUnavailable, TooLarge
from nearhit.llm import LLMError
from nearhit.redis_full import said

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    """Every error but a 422: ``{"detail": "what went wrong and what to do"}``."""

    detail: str


_WHY = {
    400: "A well-formed request that cannot be served as asked (an unknown region or model, no selection)",
    401: "A credential is missing or unknown (a key of NEARHIT_GATEWAY_KEYS, or NEARHIT_ADMIN_TOKEN)",
    403: "The credential may not do this (another tenant, or an admin action)",
    404: "No such request or entry for this caller (another tenant's is not revealed)",
    409: "The index does not fit the configured embedder, or there is nothing to derive from yet",
    413: f"The body is over {MAX_BODY_BYTES:,} bytes, or a history over its limit (messages or characters)",
    415: "The body is not sent as application/json",
    429: "A rate limit (NEARHIT_RATE_LIMIT_*): retry after the retry-after header's seconds",
    502: "The LLM failed (its own 4xx/5xx status is passed on when it gave one)",
    503: "Redis (the cache) is unavailable",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` for these error statuses, so the schema lists what a route really answers."""
    return {status: {"model": ErrorDetail, "description": _WHY[status]} for status in statuses}


ECHOED_INPUT_CHARS = 200
"""How much of a refused value a 422 repeats: enough to see which value it was, never the whole 2 MiB body."""


def clipped(error: dict[str, Any]) -> dict[str, Any]:
    """A validation error whose ``input`` is cut to ``ECHOED_INPUT_CHARS`` (a long text) or named by its size
    (a long list or object), so a refused oversized value is not sent back whole; so is a long name in its
    ``loc`` (an unknown field named by 1 MB was)."""
    error = error | {"loc": [_cut(part) if isinstance(part, str) else part for part in error.get("loc", ())]}
    value = error.get("input")
    if isinstance(value, str) and len(value) > ECHOED_INPUT_CHARS:
        return error | {"input": _cut(value)}
    if isinstance(value, list | dict) and len(repr(value)) > ECHOED_INPUT_CHARS:
        return error | {"input": f"<{type(value).__name__} of {len(value):,} items>"}
    return error


def _cut(text: str) -> str:
    return text if len(text) <= ECHOED_INPUT_CHARS else f"{text[:ECHOED_INPUT_CHARS]}… ({len(text):,} characters)"


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own shape, with the refused values clipped (its default repeats them whole).
        return JSONResponse({"detail": jsonable_encoder([clipped(error) for error in exc.errors()])}, status_code=422)

    @app.exception_handler(InvalidInput)
    async def invalid_input(_: Request, exc: InvalidInput) -> JSONResponse:
        # A check that needs the configuration (the prompt limit, the index's dimension) failed after the
        # schema passed: still a validation error, so the same 422 in the same shape as the schema's own.
        detail = {"type": "value_error", "loc": ["body"], "msg": str(exc), "input": None}
        return JSONResponse({"detail": [detail]}, status_code=422)

    @app.exception_handler(TooLarge)
    async def too_large(_: Request, exc: TooLarge) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=413)

    @app.exception_handler(RedisUnavailable)
    async def redis_unavailable(_: Request, exc: RedisUnavailable) -> JSONResponse:
        return JSONResponse({"detail": f"cache unavailable: {exc}"}, status_code=503)

    @app.exception_handler(ClearIncomplete)
    async def clear_incomplete(_: Request, exc: ClearIncomplete) -> JSONResponse:
        # Not done yet, and safe to send again: what is left is deleted by the next clear.
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "10"})

    @app.exception_handler(RedisError)
    async def redis_error(_: Request, exc: RedisError) -> JSONResponse:
        log.warning("redis error: %s", exc)
        return JSONResponse({"detail": f"cache unavailable: {said(exc)}"}, status_code=503)

    @app.exception_handler(IndexMismatch)
    async def index_mismatch(_: Request, exc: IndexMismatch) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(ConfigError)
    async def config_error(_: Request, exc: ConfigError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=500)

    @app.exception_handler(LLMError)
    async def llm_error(_: Request, exc: LLMError) -> JSONResponse:
        status = exc.status_code if exc.status_code and 400 <= exc.status_code < 600 else 502
        return JSONResponse({"detail": f"LLM error: {exc}"}, status_code=status)
