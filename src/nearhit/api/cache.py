"""``/cache``: inspect, search, fill and clear the cache."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import Field, model_validator

from nearhit import validate
from nearhit.api.access import AdminDep, CallerDep
from nearhit.api.deps import CacheDep, RuntimeDep
from nearhit.api.schemas import Label, PromptText, ResponseText, ScopeFields, StrictModel, Threshold, TopK, Ttl
from nearhit.cache import Scope
from nearhit.errors import InvalidInput

router = APIRouter(prefix="/cache", tags=["cache"])

EmbeddingVector = Annotated[list[float], Field(min_length=1, max_length=8192)]
# An id of any length is refused by its length (a 422 naming the path), not looked up or echoed back whole.
DocId = Annotated[str, Path(min_length=1, max_length=validate.MAX_DOC_ID_CHARS)]


def scope_of(fields: ScopeFields, model: str) -> Scope:
    conversation = [("conversation", fields.conversation_id)] if fields.conversation_id else []
    return Scope.build(model=model, tenant=fields.tenant, system_prompt=fields.system_prompt, history=conversation)


class SearchBody(StrictModel):
    text: PromptText | None = None
    embedding: EmbeddingVector | None = None
    top_k: TopK = 5
    threshold: Threshold | None = None
    tenant: Label | None = None

    @model_validator(mode="after")
    def _one_query(self) -> SearchBody:
        if (self.text is None) == (self.embedding is None):
            raise ValueError("give exactly one of 'text' or 'embedding'")
        return self


class StoreBody(ScopeFields):
    prompt: PromptText
    response: ResponseText
    ttl: Ttl | None = None
    model: Label | None = Field(None, description="Defaults to the configured model (so /ask finds it).")


@router.get(
    "/stats",
    summary="Entries, index and memory sizes, hit and miss counters, store failures (every tenant: admin)",
    dependencies=[AdminDep],
)
async def stats(cache: CacheDep, runtime: RuntimeDep) -> dict[str, Any]:
    return (await cache.stats()).to_dict() | {"llm_generations": runtime.flights.started, **runtime.stores.to_dict()}


@router.post("/search", summary="Nearest stored entries to a text or an embedding (the caller's tenant)")
async def search(body: SearchBody, cache: CacheDep, caller: CallerDep) -> dict[str, Any]:
    tenant = caller.visible(body.tenant)
    hits = await cache.search(
        text=body.text, vector=body.embedding, top_k=body.top_k, threshold=body.threshold, tenant=tenant
    )
    return {"results": [hit.__dict__ for hit in hits]}


@router.post("/store", summary="Store an answer (admin)", dependencies=[AdminDep], status_code=201)
async def store(body: StoreBody, cache: CacheDep, runtime: RuntimeDep) -> dict[str, Any]:
    scope = scope_of(body, body.model or runtime.provider.model)
    doc_id = await cache.store(body.prompt, body.response, scope, ttl=body.ttl)
    return {"stored": True, "doc_id": doc_id, "scope_id": scope.id}


@router.delete(
    "/entries/{doc_id}",
    summary="Delete one entry by its id (admin)",
    dependencies=[AdminDep],
    responses={404: {"description": "No entry with this id (the body names it)"}},
)
async def delete_entry(doc_id: DocId, cache: CacheDep) -> dict[str, Any]:
    try:
        deleted = await cache.delete(doc_id)
    except InvalidInput as exc:  # not this index's entry id: the path parameter is wrong, not a body
        error = {"type": "value_error", "loc": ("path", "doc_id"), "msg": str(exc), "input": doc_id}
        raise RequestValidationError([error]) from None
    if not deleted:
        raise HTTPException(404, f"no entry {doc_id!r}")
    return {"deleted": True, "doc_id": doc_id}


@router.delete(
    "/clear", summary="Delete entries: by tenant, by prompt pattern, or all (admin)", dependencies=[AdminDep]
)
async def clear(
    cache: CacheDep,
    tenant: Annotated[Label | None, Query(description="Only this tenant's entries.")] = None,
    pattern: Annotated[
        Label | None, Query(description="Glob on the stored prompt (case-insensitive), e.g. 'what is *'.")
    ] = None,
    all: Annotated[bool, Query(description="Must be true to delete every entry.")] = False,
) -> dict[str, Any]:
    if tenant is not None and pattern is not None:
        raise HTTPException(400, "give either 'tenant' or 'pattern', not both")
    if tenant is None and pattern is None and not all:
        raise HTTPException(400, "nothing selected: give 'tenant', 'pattern', or all=true to delete every entry")
    deleted = await cache.clear(tenant=tenant, prompt_pattern=pattern)
    return {"deleted": deleted}
