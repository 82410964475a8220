"""The FastAPI application: routers, middleware, error handlers, and the runtime's life cycle."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from nearhit import __version__, health_server, logs, metrics, tracing
from nearhit.api import (
    access,
    ask,
    cache,
    calculator,
    errors,
    feedback,
    gateway,
    health,
    limits,
    telemetry,
    ui,
    vector,
)
from nearhit.api.deps import DECLARED_QUERY
from nearhit.api.middleware import Edge
from nearhit.config import Settings, get_settings
from nearhit.gateway import GatewayConfig
from nearhit.service.runtime import Runtime

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """The app; pass ``runtime`` to share one (tests), else it is built from ``settings`` at start-up."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = runtime is None
        policy: access.AccessPolicy = app.state.access
        if policy.open:
            log.warning(policy.describe())
        else:
            log.info(policy.describe())
        if note := settings.threshold_note():
            log.info(note)
        app.state.runtime = runtime or Runtime.from_settings(settings)
        models = app.state.gateway_config.models
        if models is not None:
            app.state.runtime.route_to(models.providers())  # a provider that cannot be built stops start-up
        await app.state.runtime.start()
        health_port = None
        try:
            health_port = health_server.start_for(settings, lambda: app.state.runtime.health)
            yield
        finally:
            if health_port is not None:
                health_port.stop()
            if own:
                await app.state.runtime.close()

    app = FastAPIOffline(  # /docs and /redoc served from the package: the machine may be offline
        title="nearhit",
        version=__version__,
        summary="A semantic cache for LLM applications on Redis.",
        lifespan=lifespan,
    )
    if runtime is not None:
        app.state.runtime = runtime
    app.state.gateway_config = GatewayConfig.from_settings(settings)  # a bad key table stops start-up
    errors.install(app)
    access.install(app, access.AccessPolicy.from_config(app.state.gateway_config, settings.admin_token))
    limits.install(app, settings)
    body = (413, 415)  # any route that takes a body (nearhit.api.middleware)
    caller = (401, 403)  # a credential is missing, unknown, or may not do this (nearhit.api.access)
    # /ask/stream declares the query's check itself; /ask calls it, with no dependency to solve per request.
    app.include_router(ask.router, responses=errors.responses(*caller, *body, 429, 502, 503))
    for router, statuses in (  # each of these routes declares its own access rule
        (cache.router, (400, *caller, 409, *body, 503)),
        (feedback.router, (*caller, 404, *body, 503)),
        (vector.router, (*caller, 409, *body, 503)),
        (telemetry.router, (*caller, 503)),
    ):
        app.include_router(router, responses=errors.responses(*statuses), dependencies=[DECLARED_QUERY])
    # Public: no cached content, nothing a tenant did.
    app.include_router(
        calculator.router,
        responses=errors.responses(400, *body, 503),
        dependencies=[access.PUBLIC, DECLARED_QUERY],
    )
    app.include_router(
        health.router,
        responses={503: {"description": "A dependency is down: the body says which"}},
        dependencies=[access.PUBLIC],
    )
    app.include_router(
        calculator.observed_router,
        responses=errors.responses(*caller, 409, 503),
        dependencies=[DECLARED_QUERY],
    )
    app.include_router(health.admin_router, responses=errors.responses(*caller, 502, 503))
    app.include_router(gateway.router)  # its errors are in OpenAI's shape, declared by the router
    gateway.install(app)  # unknown paths and methods under /v1: OpenAI's 404 and 405
    app.include_router(ui.router, dependencies=[access.PUBLIC])  # the pages: / and /calculator (exactly)
    access.check_routes(app)
    _hot_first(app, gateway.router, ask.router)
    app.mount("/static", StaticFiles(directory=ui.STATIC_DIR), name="static")
    app.add_middleware(Edge, openai_prefix=gateway.router.prefix)  # the one layer every request crosses
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:  # outside it: CORS headers on every answer, the edge's 413 and 415 included
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["*"], allow_headers=["*"])
    if tracing.enabled():
        app.add_middleware(tracing.RequestSpans)  # outermost: the span covers the whole response
    return app


def _hot_first(app: FastAPI, *routers: APIRouter) -> None:
    """Move ``routers`` to the front of the app's routes, in this order. FastAPI tries the routes one by one,
    and each included router it passes costs ~20 µs (its own routes matched, scope keys set and restored): the
    gateway's, 15th, paid ~0.3 ms per request. Their paths overlap no other route's, so no request is routed
    elsewhere; the OpenAPI document lists their paths first."""
    hot = [r for router in routers for r in app.router.routes if getattr(r, "original_router", None) is router]
    assert len(hot) == len(routers), "a hot router is not included"
    app.router.routes[:] = hot + [r for r in app.router.routes if r not in hot]


def app_factory() -> FastAPI:
    """Entry point for uvicorn workers (``--factory``): logs configured, settings from the environment."""
    logs.configure()
    tracing.configure()  # on only when OTEL_EXPORTER_OTLP_ENDPOINT / APPLICATIONINSIGHTS_CONNECTION_STRING is set
    metrics.otel.configure()  # OTLP metrics: on only when an OTLP endpoint is set
    return create_app()
