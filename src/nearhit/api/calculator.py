"""``/calculator``: the cost & sizing model over HTTP, for the UI.

The request model is built from :class:`nearhit.economics.Scenario` (its fields, defaults and bounds), so a
value the CLI rejects is a 422 here too, and ``/calculator/inputs`` gives the web form the same limits; what
only the model can judge (an unknown chat model, a region without prices) is a 400.
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin, get_type_hints

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, BeforeValidator, Field, create_model

from nearhit.api.access import AdminDep
from nearhit.api.deps import RuntimeDep
from nearhit.api.schemas import Integral, StrictModel
from nearhit.economics import (
    BOUNDS,
    EMBEDDING_DIMENSIONS,
    INTEGERS,
    TEXT_MAX_CHARS,
    Scenario,
    as_dict,
    estimate,
    input_fields,
    listed_models,
    load_price_table,
    resolve_prices,
    table_dict,
)
from nearhit.economics.observed import from_summary
from nearhit.economics.prices import PRICE_SOURCE
from nearhit.errors import InvalidInput

router = APIRouter(prefix="/calculator", tags=["calculator"])
# What this service measured sums over every tenant: the admin's (anyone's in open mode), as /telemetry/summary.
observed_router = APIRouter(prefix="/calculator", tags=["calculator"], dependencies=[AdminDep])


def _iso_date(value: object) -> object:
    """A date is an ISO ``YYYY-MM-DD`` string in JSON; anything else is left to fail strict validation (lax mode
    would also take a Unix time)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _field_type(name: str, hint: Any) -> Any:
    """The pydantic type of one scenario field: its bounds, integer-ness or length limit attached."""
    optional = get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint)
    base = next(arg for arg in get_args(hint) if arg is not type(None)) if optional else hint
    if name in BOUNDS:
        bound = BOUNDS[name]
        limits = Field(gt=bound.lo, le=bound.hi) if bound.lo_open else Field(ge=bound.lo, le=bound.hi)
        base = Annotated[int, limits, Integral] if name in INTEGERS else Annotated[float, limits]
    elif name in TEXT_MAX_CHARS:
        base = Annotated[str, Field(min_length=1, max_length=TEXT_MAX_CHARS[name])]
    elif base is date:
        base = Annotated[date, BeforeValidator(_iso_date)]
    return base | None if optional else base


def _request_model() -> type[BaseModel]:
    hints = get_type_hints(Scenario)
    definitions: dict[str, Any] = {
        f.name: (_field_type(f.name, hints[f.name]), ... if f.default is dataclasses.MISSING else f.default)
        for f in dataclasses.fields(Scenario)
    }
    return create_model(
        "EstimateRequest",
        __base__=StrictModel,
        __doc__="One scenario; omitted optional fields are derived as ``nearhit calc`` derives them.",
        **definitions,
    )


if TYPE_CHECKING:
    EstimateRequest = StrictModel
else:
    EstimateRequest = _request_model()


@router.get("/inputs")
def get_inputs() -> dict[str, Any]:
    """The scenario's bounded inputs (min, max, integer, default) and the embedders whose dimension is known:
    the web form's limits, from the same schema as the request's."""
    return {"fields": input_fields(), "known_dimensions": EMBEDDING_DIMENSIONS}


@router.post("/estimate")
def post_estimate(request: EstimateRequest) -> dict[str, Any]:
    """Annual spend with and without the cache, breakeven, memory, SKU, latency, curve and projection."""
    try:
        scenario = Scenario(**request.model_dump())
        return as_dict(estimate(scenario, resolve_prices(scenario)))
    except InvalidInput as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


# Bounded as the estimate's region is: a region of any length was looked up and repeated whole in the 400.
Region = Annotated[str, Query(min_length=1, max_length=TEXT_MAX_CHARS["region"])]


@router.get("/skus")
def get_skus(region: Region = "eastus2") -> dict[str, Any]:
    """The Azure Managed Redis SKUs that can serve vector search, with dated prices (list or estimate)."""
    try:
        return table_dict(load_price_table(region))
    except InvalidInput as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


@router.get("/models")
def get_models() -> dict[str, Any]:
    """Chat and embedding models with their current per-1M-token prices ('local', 'local-multilingual': free)."""
    chat, embedding = listed_models()
    return {
        "source": PRICE_SOURCE,
        "chat": [asdict(model) for model in chat],
        "embedding": [asdict(model) for model in embedding],
    }


@observed_router.get(
    "/observed", summary="Calculator inputs measured by this service (hit rate, token means, LLM time; admin)"
)
async def get_observed(runtime: RuntimeDep) -> dict[str, Any]:
    await runtime.cache()  # a clear 503 when Redis is away
    try:
        observed = from_summary(await runtime.telemetry.summary())
    except InvalidInput as exc:
        raise HTTPException(409, str(exc)) from None
    return asdict(observed)
