"""Dependencies shared by the routers: the runtime, the answerer, the cache (access rules: ``access``).

All async: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop per request for a lookup."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn, TypeVar

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
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


async def declared_query(request: Request) -> None:
    """Refuse a query parameter the route does not take (``?tenat=acme`` beside ``all=true`` would clear every
    tenant: FastAPI ignores it) or one given twice (``?pattern=a&pattern=b``: Starlette reads the last), each a
    422 naming it: reading either as FastAPI does would act on a selection the caller did not write."""
    if not request.scope.get("query_string"):  # nearly every request: nothing to read
        return
    taken = _query_names(request.scope.get("route"))
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name not in taken:
            takes = f"it takes {', '.join(sorted(taken))}" if taken else "it takes none"
            _refuse(name, f"not a query parameter of this endpoint: {takes}", name)
        if name in seen:
            _refuse(name, "given more than once: this parameter takes one value", request.query_params.getlist(name))
        seen.add(name)


def _query_names(route: object) -> frozenset[str]:
    """The query parameters a route declares, its dependencies' included (none for a route FastAPI did not make):
    found once per route and kept on it (a route is unhashable, so no dict or weak map can key it; its id could be
    another route's once it is gone), not by a walk of its dependencies per request that carries a query."""
    if not isinstance(route, APIRoute):
        return frozenset()
    kept: frozenset[str] | None = vars(route).get(_QUERY_NAMES)
    if kept is None:
        kept = frozenset(_declared(route.dependant))
        setattr(route, _QUERY_NAMES, kept)
    return kept


_QUERY_NAMES = "_nearhit_query_names"
"""The attribute of an ``APIRoute`` its declared query parameters are kept in (:func:`_query_names`)."""


def _declared(dependant: Dependant) -> list[str]:
    return [field.alias for field in dependant.query_params] + [
        name for sub in dependant.dependencies for name in _declared(sub)
    ]


def _refuse(name: str, message: str, given: object) -> NoReturn:
    shown = name if len(name) <= 64 else f"{name[:64]}... ({len(name):,} characters)"
    raise RequestValidationError([{"type": "value_error", "loc": ("query", shown), "msg": message, "input": given}])


DECLARED_QUERY = Depends(declared_query)


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
