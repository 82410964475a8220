"""``/calculator``: the cost & sizing model over HTTP, for the UI.

Field constraints come from :data:`nearhit.economics.BOUNDS`, so a value the CLI rejects is a 422 here
too; what only the model can judge (an unknown chat model, a region without prices) is a 400.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from nearhit.api.deps import RuntimeDep
from nearhit.economics import (
    BOUNDS,
    Scenario,
    as_dict,
    estimate,
    listed_models,
    load_price_table,
    resolve_prices,
    table_dict,
)
from nearhit.economics.observed import from_summary
from nearhit.economics.prices import LOCAL_EMBEDDER, PRICE_SOURCE
from nearhit.errors import InvalidInput

router = APIRouter(prefix="/calculator", tags=["calculator"])


def _bounded(name: str, default: Any = ...) -> Any:
    bound = BOUNDS[name]
    if bound.lo_open:
        return Field(default, gt=bound.lo, le=bound.hi)
    return Field(default, ge=bound.lo, le=bound.hi)


class EstimateRequest(BaseModel):
    """One scenario; omitted optional fields are derived as ``nearhit calc`` derives them."""

    model_config = ConfigDict(extra="forbid")

    requests_per_day: float = _bounded("requests_per_day")
    input_tokens: int = _bounded("input_tokens")
    output_tokens: int = _bounded("output_tokens")
    hit_rate: float = _bounded("hit_rate")
    model: Annotated[str, Field(min_length=1, max_length=200)] = "gpt-4o"
    embedding_model: Annotated[str, Field(min_length=1, max_length=200)] = LOCAL_EMBEDDER
    embedding_tokens: int | None = _bounded("embedding_tokens", None)
    dim: int | None = _bounded("dim", None)
    algorithm: Literal["hnsw", "flat"] = "hnsw"
    hnsw_m: int = _bounded("hnsw_m", 16)
    ttl_seconds: int = _bounded("ttl_seconds", 86_400)
    distinct_share: float | None = _bounded("distinct_share", None)
    prompt_bytes: int | None = _bounded("prompt_bytes", None)
    response_bytes: int | None = _bounded("response_bytes", None)
    ha: bool = True
    region: Annotated[str, Field(min_length=1, max_length=64)] = "eastus2"
    headroom: float = _bounded("headroom", 0.25)
    yearly_growth: float = _bounded("yearly_growth", 0.0)
    years: int = _bounded("years", 3)
    llm_latency_ms: float | None = _bounded("llm_latency_ms", None)
    hit_latency_ms: float = _bounded("hit_latency_ms", 5.0)
    input_price_per_mtok: float | None = _bounded("input_price_per_mtok", None)
    output_price_per_mtok: float | None = _bounded("output_price_per_mtok", None)
    embedding_price_per_mtok: float | None = _bounded("embedding_price_per_mtok", None)
    redis_price_per_node_hour: float | None = _bounded("redis_price_per_node_hour", None)
    as_of: date | None = None


@router.post("/estimate")
def post_estimate(request: EstimateRequest) -> dict[str, Any]:
    """Annual spend with and without the cache, breakeven, memory, SKU, latency, curve and projection."""
    try:
        scenario = Scenario(**request.model_dump())
        return as_dict(estimate(scenario, resolve_prices(scenario)))
    except InvalidInput as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


@router.get("/skus")
def get_skus(region: str = "eastus2") -> dict[str, Any]:
    """The Azure Managed Redis SKUs that can serve vector search, with dated prices (list or estimate)."""
    try:
        return table_dict(load_price_table(region))
    except InvalidInput as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


@router.get("/models")
def get_models() -> dict[str, Any]:
    """Chat and embedding models with their current per-1M-token prices ('local' embeds for free)."""
    chat, embedding = listed_models()
    return {
        "source": PRICE_SOURCE,
        "chat": [asdict(model) for model in chat],
        "embedding": [asdict(model) for model in embedding],
    }


@router.get("/observed", summary="Calculator inputs measured by this service (hit rate, token means, LLM time)")
async def get_observed(runtime: RuntimeDep) -> dict[str, Any]:
    await runtime.cache()  # a clear 503 when Redis is away
    try:
        observed = from_summary(await runtime.telemetry.summary())
    except InvalidInput as exc:
        raise HTTPException(409, str(exc)) from None
    return asdict(observed)
