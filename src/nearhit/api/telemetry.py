"""``/telemetry``: what the cache saved, from the event stream."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from nearhit.api.access import AdminDep, CallerDep
from nearhit.api.deps import RuntimeDep
from nearhit.service.telemetry import TENANT_EVENTS

router = APIRouter(prefix="/telemetry", tags=["telemetry"])


@router.get(
    "/summary",
    summary="Hit rate, tokens and cost saved, latency percentiles: all time and recent (every tenant: admin)",
    dependencies=[AdminDep],  # sums over every tenant: a tenant would see when the others are active
)
async def summary(
    runtime: RuntimeDep,
    window: Annotated[int, Query(ge=10, le=7 * 24 * 3600, description="Recent window in seconds.")] = 300,
) -> dict[str, Any]:
    cache = await runtime.cache()  # a clear 503 when Redis is away
    data = await runtime.telemetry.summary(window)
    data["feedback"] = await cache.feedback.counters()  # verdicts, refusals by negatives, explorations
    provider = runtime.provider
    return data | {
        "model": provider.model,
        "priced_as": provider.imitates or provider.model,
        "simulated": provider.simulated,
    }


@router.get("/events", summary="The newest telemetry events (a tenant's own only, unless admin)")
async def events(
    runtime: RuntimeDep, caller: CallerDep, count: Annotated[int, Query(ge=1, le=TENANT_EVENTS)] = 50
) -> dict[str, Any]:
    """The newest ``count`` events the caller may see: its tenant's own (every tenant's for an admin)."""
    await runtime.cache()
    return {"events": await runtime.telemetry.events(count, caller.visible(None))}


@router.get(
    "/stream-info",
    summary="The telemetry stream: length, cap, oldest and newest event (every tenant: admin)",
    dependencies=[AdminDep],
)
async def stream_info(runtime: RuntimeDep) -> dict[str, Any]:
    await runtime.cache()
    return await runtime.telemetry.stream_info()


@router.delete("/clear", summary="Delete all telemetry (admin)", dependencies=[AdminDep])
async def clear(runtime: RuntimeDep) -> dict[str, Any]:
    await runtime.cache()
    return {"deleted_events": await runtime.telemetry.clear()}
