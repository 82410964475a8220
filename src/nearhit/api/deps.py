"""Dependencies shared by the routers: the runtime, the answerer, the cache (access rules: ``access``).

All async: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop per request for a lookup."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from nearhit.cache import SemanticCache
from nearhit.service.answering import Answerer
from nearhit.service.runtime import Runtime

Body = TypeVar("Body", bound=BaseModel)


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_answerer(runtime: RuntimeDep) -> Answerer:
    return Answerer(runtime)


AnswererDep = Annotated[Answerer, Depends(get_answerer)]


async def get_cache(runtime: RuntimeDep) -> SemanticCache:
    """The cache, or a 503 that says why there is none (raised as RedisUnavailable, mapped by the app)."""
    return await runtime.cache()


CacheDep = Annotated[SemanticCache, Depends(get_cache)]


async def one_value_per_query_parameter(request: Request) -> None:
    """Refuse a query parameter given twice (``?pattern=a&pattern=b``): each of this API's takes one value, and
    reading only the last (Starlette's way) would act on a selection the caller did not write."""
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name in seen:
            raise RequestValidationError(
                [
                    {
                        "type": "value_error",
                        "loc": ("query", name),
                        "msg": "given more than once: this parameter takes one value",
                        "input": request.query_params.getlist(name),
                    }
                ]
            )
        seen.add(name)


SINGLE_VALUED_QUERY = Depends(one_value_per_query_parameter)


def validated_body(request: Request, model: type[Body]) -> Body:
    """``model`` read from the body, as FastAPI reads a body parameter and with its 422s, for a route that solves
    no dependency per request: the JSON is the one the app's edge parsed (``scope["state"]["json"]``, set for
    every non-empty body), so it is not parsed twice."""
    state: dict[str, Any] = request.scope.get("state", {})
    if "json" not in state:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}])
    try:
        return model.model_validate(state["json"], from_attributes=True)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**error, "loc": ("body", *error["loc"])} for error in errors]) from None
