"""``/health``, ``/readiness``, ``/metrics``, ``/llm/test``: is it up, is everything it needs up, how is it doing."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from redis.exceptions import RedisError

from nearhit.api.deps import RuntimeDep
from nearhit.cache.index import index_info
from nearhit.errors import NearhitError
from nearhit.llm import ChatMessage, LLMError, complete
from nearhit.metrics import prometheus, redis_error

router = APIRouter(tags=["health"])


async def _redis_and_index(runtime: RuntimeDep) -> dict[str, Any]:
    try:
        cache = await runtime.cache()
        await cache.redis.ping()
        info = await index_info(cache.redis, cache.spec.name)
    except Exception as exc:  # any failure here means "not healthy", reported with its reason
        return {"redis": {"ok": False, "error": str(exc)}, "index": {"ok": False, "error": "no Redis"}}
    index = {"ok": info is not None, "name": cache.spec.name, "dimension": cache.spec.dimension}
    if info is None:
        index["error"] = "index missing (it is re-created on the next request)"
        await runtime.repair_index()
    else:
        index["entries"] = int(info.get("num_docs", 0))
    return {"redis": {"ok": True, "embedded": runtime.settings.embedded_redis}, "index": index}


@router.get("/health", summary="Redis and the index (503 when either is down)")
async def health(runtime: RuntimeDep) -> JSONResponse:
    checks = await _redis_and_index(runtime)
    ok = checks["redis"]["ok"] and checks["index"]["ok"]
    return JSONResponse({"status": "ok" if ok else "degraded", **checks}, status_code=200 if ok else 503)


@router.get("/readiness", summary="Every dependency: Redis, index, embedder, LLM (503 if one is not ready)")
async def readiness(runtime: RuntimeDep) -> JSONResponse:
    checks = await _redis_and_index(runtime)
    embedder = runtime.embedder
    checks["embedder"] = {"ok": True, "model": embedder.model_name, "dimension": embedder.dimension}
    try:
        await runtime.provider.check()
        checks["llm"] = {"ok": True, "model": runtime.provider.model, "simulated": runtime.provider.simulated}
    except LLMError as exc:
        checks["llm"] = {"ok": False, "model": runtime.provider.model, "error": str(exc)}
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)


_PROMETHEUS_TYPES: dict[str, dict[str, Any]] = {"text/plain": {}, "application/openmetrics-text": {}}


@router.get(
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
    }
    try:
        cache = await runtime.cache()
        result["cache"] = (await cache.stats()).to_dict()
        result["telemetry"] = (await runtime.telemetry.summary())["all_time"]
    except NearhitError as exc:
        result["cache"] = {"error": str(exc)}
    return result


@router.get(
    "/metrics/prometheus",
    summary="Prometheus metrics (text format; OpenMetrics when asked for)",
    response_class=Response,
    responses={200: {"content": _PROMETHEUS_TYPES}},
)
async def prometheus_metrics(request: Request, runtime: RuntimeDep) -> Response:
    entries: int | None = None
    try:  # one FT.INFO: the only Redis call of a scrape (never the telemetry stream)
        cache = await runtime.cache()
        info = await index_info(cache.redis, cache.spec.name)
        entries = int(info.get("num_docs", 0)) if info is not None else None
    except (NearhitError, RedisError, OSError):
        redis_error("scrape")
    body, content_type = prometheus.render(request.headers.get("accept"), index_entries=entries)
    return Response(body, media_type=content_type)


@router.get("/llm/test", summary="Ask the configured LLM a one-line question")
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
