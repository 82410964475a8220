"""Rate limits for the routes that spend tokens: ``/ask``, ``/ask/stream``, ``/v1/chat/completions``, embeddings.

A 429 carries ``retry-after``: in OpenAI's error shape under ``/v1`` (so SDK clients back off by themselves),
as FastAPI's ``detail`` elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from nearhit.api.access import Caller
from nearhit.cache.keys import KeySpace
from nearhit.config import Settings
from nearhit.gateway import GatewayError
from nearhit.ratelimit import Limits, RateLimited, RateLimiter


def install(app: FastAPI, settings: Settings) -> None:
    """Keep the limiter on the app (it reads the runtime's Redis per call) and answer RateLimited."""
    limits = Limits(settings.rate_limit_requests_per_minute, settings.rate_limit_tokens_per_minute)

    def current_redis() -> Redis | None:  # the runtime is made at start-up and may reconnect: look it up per call
        runtime = getattr(app.state, "runtime", None)
        return runtime.redis if runtime is not None else None

    app.state.limiter = RateLimiter(current_redis, KeySpace(settings.index_name), limits)

    @app.exception_handler(RateLimited)
    async def limited(request: Request, exc: RateLimited) -> JSONResponse:
        headers = {"retry-after": str(exc.retry_after)}
        if request.url.path.startswith("/v1/"):
            error = GatewayError(str(exc), status=429, type=exc.kind, code="rate_limit_exceeded", headers=headers)
            return JSONResponse(error.body(), status_code=429, headers=headers)
        return JSONResponse({"detail": str(exc)}, status_code=429, headers=headers)


def limiter_of(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    return limiter


async def admit(request: Request, caller: Caller, prompt_tokens: Callable[[], int]) -> None:
    """Count one request and its prompt tokens for the caller, or raise RateLimited (a 429). The prompt is only
    tokenised when a token limit is set."""
    limiter = limiter_of(request)
    if limiter.limits.on:
        await limiter.admit(caller.identity, prompt_tokens() if limiter.limits.tokens_per_minute else 0)


async def charge(request: Request, caller: Caller, tokens: int) -> None:
    """Count the completion tokens of an answer once they are known."""
    await limiter_of(request).charge(caller.identity, tokens)
