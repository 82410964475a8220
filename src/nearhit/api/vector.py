"""``/vector``: the index as a plain vector store: search by embedding, add content with its embedding."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from nearhit.api.access import AdminDep, CallerDep
from nearhit.api.cache import EmbeddingVector, scope_of
from nearhit.api.deps import CacheDep, RuntimeDep
from nearhit.api.schemas import Label, PromptText, ResponseText, ScopeFields, StrictModel, Threshold, TopK, Ttl

router = APIRouter(prefix="/vector", tags=["vector"])


class VectorSearchBody(StrictModel):
    embedding: EmbeddingVector
    top_k: TopK = 5
    threshold: Threshold | None = None
    tenant: Label | None = None


class VectorAddBody(ScopeFields):
    prompt: PromptText
    response: ResponseText
    embedding: EmbeddingVector | None = Field(
        None, description="Omit to embed the prompt with the configured embedder."
    )
    ttl: Ttl | None = None
    model: Label | None = None


@router.post("/search", summary="Nearest entries to an embedding (top_k, threshold; the caller's tenant)")
async def vector_search(body: VectorSearchBody, cache: CacheDep, caller: CallerDep) -> dict[str, Any]:
    tenant = caller.visible(body.tenant)
    hits = await cache.search(vector=body.embedding, top_k=body.top_k, threshold=body.threshold, tenant=tenant)
    return {"results": [hit.__dict__ for hit in hits], "dimension": cache.spec.dimension}


@router.post(
    "/add", summary="Add content with (or without) its embedding (admin)", dependencies=[AdminDep], status_code=201
)
async def vector_add(body: VectorAddBody, cache: CacheDep, runtime: RuntimeDep) -> dict[str, Any]:
    scope = scope_of(body, body.model or runtime.provider.model)
    doc_id = await cache.store(body.prompt, body.response, scope, ttl=body.ttl, vector=body.embedding)
    return {"stored": True, "doc_id": doc_id}
