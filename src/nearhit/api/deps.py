"""Dependencies shared by the routers: the runtime, the cache, the admin check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from nearhit.answering import Answerer
from nearhit.cache import SemanticCache
from nearhit.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_answerer(runtime: RuntimeDep) -> Answerer:
    return Answerer(runtime)


AnswererDep = Annotated[Answerer, Depends(get_answerer)]


async def get_cache(runtime: RuntimeDep) -> SemanticCache:
    """The cache, or a 503 that says why there is none (raised as RedisUnavailable, mapped by the app)."""
    return await runtime.cache()


CacheDep = Annotated[SemanticCache, Depends(get_cache)]


def require_admin(
    runtime: RuntimeDep,
    authorization: Annotated[str | None, Header()] = None,
    x_admin_token: Annotated[str | None, Header()] = None,
) -> None:
    """Admin endpoints need ``NEARHIT_ADMIN_TOKEN`` (as a Bearer token or ``X-Admin-Token``) when it is set."""
    expected = runtime.settings.admin_token
    if not expected:
        return
    given = x_admin_token or (authorization or "").removeprefix("Bearer ").strip()
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status_code=401,
            detail="this endpoint needs the admin token (Authorization: Bearer <NEARHIT_ADMIN_TOKEN>)",
            headers={"WWW-Authenticate": "Bearer"},
        )


AdminDep = Depends(require_admin)
