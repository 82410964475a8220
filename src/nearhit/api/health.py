"""``/health``, ``/readiness``, ``/metrics``, ``/llm/test``: is it up, is everything it needs up, how is it doing.

``router`` is public (no cached content, no spend, nothing a tenant did); ``admin_router`` holds the operator's
routes, for the admin token (anyone in open mode): ``/metrics``, whose counts sum over every tenant (a tenant
polling them would see when the others are active), and ``/llm/test``, which spends the provider's money."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from redis.exceptions import RedisError

from nearhit.api.access import AdminDep
from nearhit.api.deps import RuntimeDep
from nearhit.errors import NearhitError
from nearhit.health_server import health_report
from nearhit.llm import ChatMessage, LLMError, LLMProvider, complete
from nearhit.metrics import prometheus, redis_error
from nearhit.service.runtime import HEALTH_STALE_S

router = APIRouter(tags=["health"])
admin_router = APIRouter(tags=["health"], dependencies=[AdminDep])


async def _redis_and_index(runtime: RuntimeDep) -> dict[str, Any]:
    """A fresh check of Redis and the index (what readiness needs)."""
    status = await runtime.check_health()
    return {"redis": status.redis, "index": status.index}


@router.get("/health", summary="Redis and the index (503 when either is down)")
async def health(runtime: RuntimeDep) -> JSONResponse:
    """Answered from the status the runtime checks in the background every second, so a probe gets its answer
    at once even while Redis is slow; a status too old to trust counts as down. Under a load that keeps the
    event loop behind, the health port (``NEARHIT_HEALTH_PORT``) answers the same without waiting for it."""
    status = runtime.health or await runtime.check_health()
    body, status_code = health_report(status.redis, status.index, status.age_s, HEALTH_STALE_S)
    return JSONResponse(body, status_code=status_code)


@router.get(
    "/readiness",
    summary="Every dependency: Redis, index, embedder, LLM (503 if one is not ready); 'degraded' when answers "
    "stop being stored",
)
async def readiness(runtime: RuntimeDep) -> JSONResponse:
    checks = await _redis_and_index(runtime)
    embedder = runtime.embedder
    checks["embedder"] = {"ok": True, "model": embedder.model_name, "dimension": embedder.dimension}
    # The configured provider is "llm"; each further one the model table routes to is "llm:<name>". All are
    # checked at once, so a slow one does not add to the others' time.
    routed = [provider for provider in runtime.providers.values() if provider is not runtime.provider]
    results = await asyncio.gather(*(_provider_check(p) for p in (runtime.provider, *routed)))
    checks["llm"] = results[0]
    checks.update({f"llm:{provider.name}": result for provider, result in zip(routed, results[1:], strict=True)})
    ready = all(check["ok"] for check in checks.values())
    # Failing stores degrade, they do not unready: every answer still comes (hits included), and the replicas
    # share the Redis that refuses the writes, so a 503 would take them all out of rotation at once.
    degraded = runtime.stores.degraded
    counts = {} if runtime.settings.secured else runtime.stores.to_dict()  # every tenant's stores: /metrics
    checks["store"] = {"ok": degraded is None, "error": degraded, **counts}
    status = "not_ready" if not ready else "degraded" if degraded else "ready"
    judge = await runtime.check_judge()
    if judge is not None:  # a judge away does not stop serving: the static decision serves meanwhile
        checks["judge"] = judge
    return JSONResponse({"ready": ready, "status": status, **checks}, status_code=200 if ready else 503)


async def _provider_check(provider: LLMProvider) -> dict[str, Any]:
    """Whether the provider is reachable with our credentials (a models list: nothing is spent)."""
    try:
        await provider.check()
    except LLMError as exc:
        return {"ok": False, "model": provider.model, "error": str(exc)}
    return {"ok": True, "model": provider.model, "simulated": provider.simulated}


_PROMETHEUS_TYPES: dict[str, dict[str, Any]] = {"text/plain": {}, "application/openmetrics-text": {}}


@admin_router.get(
    "/metrics",
    summary="Aggregated cache and telemetry figures: JSON, or the Prometheus text format for a scraper",
    description="JSON by default and for `Accept: application/json`; the Prometheus exposition (as "
    "`/metrics/prometheus`) for `Accept: text/plain` or `application/openmetrics-text`, what Prometheus sends.",
    responses={200: {"content": {"application/json": {}, **_PROMETHEUS_TYPES}}},
)
async def metrics(request: Request, runtime: RuntimeDep) -> Any:
    if prometheus.wants_prometheus(request.headers.get("accept")):
        return await prometheus_metrics(request, runtime)
    result: dict[str, Any] = {
        "llm_generations": runtime.flights.started,
        "telemetry_dropped": runtime.telemetry.dropped,
        **runtime.stores.to_dict(),
    }
    try:
        cache = await runtime.cache()
        result["cache"] = (await cache.stats()).to_dict()
        result["telemetry"] = (await runtime.telemetry.summary())["all_time"]
    except (NearhitError, RedisError) as exc:  # Redis away, or a key another client wrote over
        result["cache"] = {"error": str(exc)}
    return result


@admin_router.get(
    "/metrics/prometheus",
    summary="Prometheus metrics (text format; OpenMetrics when asked for)",
    response_class=Response,
    responses={200: {"content": _PROMETHEUS_TYPES}},
)
async def prometheus_metrics(request: Request, runtime: RuntimeDep) -> Response:
    entries: int | None = None
    try:  # one FT.INFO: the only Redis call of a scrape (never the telemetry stream)
        cache = await runtime.cache()
        entries = await cache.index_entries()
    except (NearhitError, RedisError, OSError):
        redis_error("scrape")
    body, content_type = prometheus.render(request.headers.get("accept"), index_entries=entries)
    return Response(body, media_type=content_type)


@admin_router.get("/llm/test", summary="Ask the configured LLM a one-line question (admin: it spends provider money)")
async def llm_test(runtime: RuntimeDep) -> dict[str, Any]:
    provider = runtime.provider
    started = time.perf_counter()
    answer = await complete(
        provider, [ChatMessage("user", "Reply with one short sentence: are you there?")], max_tokens=32
    )
    return {
        "ok": True,
        "provider": provider.name,
        "model": provider.model,
        "simulated": provider.simulated,
        "answer": answer.text,
        "usage": {
            "prompt_tokens": answer.end.usage.prompt_tokens,
            "completion_tokens": answer.end.usage.completion_tokens,
        },
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }
