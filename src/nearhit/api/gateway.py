"""``/v1``: the OpenAI-compatible caching gateway. Point any OpenAI client's base URL here.

Every answer and every error is in OpenAI's schema (errors as ``{"error": {message, type, param, code}}``,
never FastAPI's ``detail``), so the client's own error handling keeps working. The bodies are read by
:mod:`nearhit.gateway.requests`, not by FastAPI, for the same reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException

from nearhit.api import limits
from nearhit.api.access import CALLER_SECURITY, CallerDep, caller, caller_of, reads_caller
from nearhit.api.deps import RuntimeDep
from nearhit.api.middleware import MAX_BODY_BYTES
from nearhit.api.streams import KnownStream
from nearhit.embeddings.base import Embedder, Vectors
from nearhit.errors import NearhitError
from nearhit.gateway import (
    ChatCall,
    Controls,
    GatewayConfig,
    GatewayError,
    parse_chat,
    parse_embeddings,
    parse_json,
    requests,
    responses,
    start_chat,
)
from nearhit.gateway.errors import invalid, unsupported
from nearhit.gateway.options import unknown_model
from nearhit.gateway.requests import MAX_MODEL_CHARS
from nearhit.llm import count_tokens
from nearhit.service.answering import Answerer

# Every route needs a caller: a key of the key table (or the admin token) when one is set, anyone otherwise. Each
# route declares it once (a ``CallerDep`` parameter, or ``_CALLER``): a router-wide one on top would be solved again.
router = APIRouter(prefix="/v1", tags=["openai-gateway"])
_CALLER = [Depends(caller)]


class _ErrorFields(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIError(BaseModel):
    """OpenAI's error body, the only one the gateway answers with."""

    error: _ErrorFields


_WHY: dict[int | str, str] = {
    400: "The request breaks OpenAI's schema, is not strict JSON, or asks for what the gateway does not do",
    401: "The API key is not in the key table (NEARHIT_GATEWAY_KEYS)",
    403: "The credential may not do this",
    413: f"The body is over {MAX_BODY_BYTES:,} bytes",
    415: "The body is not sent as application/json",
    429: "A rate limit, nearhit's own (NEARHIT_RATE_LIMIT_*) or the provider's, with its retry-after",
    "5XX": "The provider failed (its status passed on; 502 when it was not reached)",
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": OpenAIError, "description": why} for status, why in _WHY.items()
}
_GET_ERRORS: dict[int | str, dict[str, Any]] = {401: _ERRORS[401], 403: _ERRORS[403]}


def _json_body(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI request body: a JSON object with these properties (the gateway reads it by hand)."""
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_CONTROL_HEADERS = ("cache-control", "x-nearhit-threshold", "x-nearhit-ttl", "x-nearhit-namespace")
_CONTROL_PARAMETERS = [
    {"name": name, "in": "header", "required": False, "schema": {"type": "string"}, "description": why}
    for name, why in zip(
        _CONTROL_HEADERS,
        (
            "no-cache (skip the lookup), no-store (don't store), max-age=N / s-maxage=N (only entries younger)",
            "the similarity a semantic hit needs, 0 to 1",
            "seconds the answer is kept",
            "a namespace of the tenant's cache (a label)",
        ),
        strict=True,
    )
]
_MODEL = {"type": "string", "minLength": 1, "maxLength": requests.MAX_MODEL_CHARS}
_CHAT_BODY = _json_body(
    ["model", "messages"],
    {
        "model": _MODEL,
        "messages": {"type": "array", "minItems": 1, "items": {"type": "object"}},
        "stream": {"type": "boolean"},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "n": {"type": "integer", "minimum": 1, "description": "At most NEARHIT_GATEWAY_MAX_N (default 4)."},
    },
)
_TEXTS = {
    "type": "array",
    "minItems": 1,
    "maxItems": requests.MAX_EMBEDDING_INPUTS,
    "items": {"type": "string", "minLength": 1},
}
_EMBEDDINGS_BODY = _json_body(
    ["model", "input"], {"model": _MODEL, "input": {"oneOf": [{"type": "string", "minLength": 1}, _TEXTS]}}
)


def _control_values(request: Request) -> list[str | None]:
    """The control headers' values, read here rather than as FastAPI header parameters (four fewer dependencies
    to solve). ``Cache-Control`` is a list, its lines one comma-separated value (RFC 9110 5.3: a ``no-store`` on
    a second line counts); the others take one value, and one given twice is a 400 rather than its first line."""
    values: list[str | None] = []
    for name in _CONTROL_HEADERS:
        lines = request.headers.getlist(name)
        if len(lines) > 1 and name != "cache-control":
            raise invalid(f"{name} is given {len(lines)} times; send it once.", name, "invalid_header")
        values.append(", ".join(lines) if lines else None)
    return values


def _config(request: Request) -> GatewayConfig:
    """The gateway's configuration, read at start-up by the app factory."""
    config: GatewayConfig = request.app.state.gateway_config
    return config


async def _json_of(request: Request) -> Any:
    """The body as JSON: parsed once, by the app's edge (:class:`nearhit.api.middleware.Edge`), when it ran."""
    state = request.scope.get("state") or {}
    return state["json"] if "json" in state else parse_json(await request.body())


def _prompt_tokens(call: ChatCall) -> int:
    """What the rate limit counts for a chat before it runs: its messages' text, times the choices asked for."""
    texts = [call.system_prompt or "", *(m.content for m in call.history), call.prompt]
    return count_tokens("\n".join(texts), call.model) * call.n


def _error(exc: GatewayError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


@router.post(
    "/chat/completions",
    summary="Chat completions, OpenAI's API, through the cache (streaming or not)",
    openapi_extra={"requestBody": _CHAT_BODY, "parameters": _CONTROL_PARAMETERS} | CALLER_SECURITY,
    responses=_ERRORS | {200: {"content": {"application/json": {}, "text/event-stream": {}}}},
)
@reads_caller  # no dependency to solve per request: a hit is the hot path
async def chat_completions(request: Request) -> Response:
    who = caller_of(request)
    try:
        config = _config(request)
        answerer = Answerer(request.app.state.runtime)  # made here: one dependency fewer to solve per request
        tenant = who.tenant or config.shared_tenant  # a key's own tenant; the shared one for an admin
        call = parse_chat(await _json_of(request), config.max_n)
        route = config.route(call.model)
        if route is None:
            raise unknown_model(call.model, sorted(config.models.routes) if config.models else [])
        controls = Controls.from_headers(*_control_values(request))
        await limits.admit(request, who, lambda: _prompt_tokens(call))  # a stream counts its prompt only
        run = await start_chat(
            answerer, call, tenant, controls, config.max_temperature, route, scope_user=config.scope_user
        )
        headers = run.status.headers()
        if call.stream:
            headers |= {"cache-control": "no-cache", "x-accel-buffering": "no"}
            if run.hit:
                writes = run.hit_writes(answerer.runtime.settings.hit_chunk_chars)
                return KnownStream(writes, headers, background=BackgroundTask(run.drain))
            return StreamingResponse(run.sse(), media_type="text/event-stream", headers=headers)
        if run.hit:  # the answer is known whole: sent first, the hit's bookkeeping after the send
            body, after = run.hit_body(), BackgroundTask(run.drain)
        else:
            body, after = await run.body(), None
        await limits.charge(request, who, run.completion_tokens)
        return Response(body, media_type="application/json", headers=headers, background=after)
    except GatewayError as exc:
        return _error(exc)


# Texts per model call. 2,000 inputs of 240 tokens in one call took 23.7 GB and the OOM killer took the whole
# service (docs/hostile-testing.md); 64 is the micro-batcher's batch, and a lookup waits for one chunk, not all.
EMBED_CHUNK = 64
# OpenAI's cap on one embeddings request, summed over its inputs: without it 2,000 long inputs (a 2 MB body)
# cost the local embedder minutes of CPU.
MAX_EMBEDDING_TOKENS = 300_000


async def _embed_in_chunks(embedder: Embedder, texts: tuple[str, ...]) -> Vectors:
    """The texts' vectors, embedded ``EMBED_CHUNK`` at a time so a request's memory does not grow with its list."""
    parts = [await embedder.embed(texts[i : i + EMBED_CHUNK]) for i in range(0, len(texts), EMBED_CHUNK)]
    return np.concatenate(parts)


@router.post(
    "/embeddings",
    summary="Embeddings from the configured embedder, OpenAI's API",
    openapi_extra={"requestBody": _EMBEDDINGS_BODY},
    responses=_ERRORS,
)
async def embeddings(request: Request, runtime: RuntimeDep, who: CallerDep) -> Response:
    try:
        call = parse_embeddings(await _json_of(request))
        embedder = runtime.embedder
        if call.dimensions is not None and call.dimensions != embedder.dimension:
            raise unsupported(
                "dimensions", f"dimensions={call.dimensions} (this embedder gives {embedder.dimension}) is"
            )
        limit = runtime.settings.max_prompt_chars
        for i, text in enumerate(call.inputs):
            if len(text) > limit:
                raise invalid(f"input[{i}] is {len(text):,} characters; the limit is {limit:,}.", "input")
        tokens = sum(count_tokens(text, embedder.model_name) for text in call.inputs)
        if tokens > MAX_EMBEDDING_TOKENS:
            raise invalid(
                f"'input' is {tokens:,} tokens summed over its items; the limit is {MAX_EMBEDDING_TOKENS:,} per "
                "request (as OpenAI's): send it in several requests.",
                "input",
                "max_tokens_per_request",
            )
        await limits.admit(request, who, lambda: tokens)
        try:
            vectors = await _embed_in_chunks(embedder, call.inputs)
        except NearhitError as exc:
            raise GatewayError(f"the embedder failed: {exc}", status=502, type="server_error") from None
        return JSONResponse(responses.embeddings(vectors, embedder.model_name, call.encoding_format, tokens))
    except GatewayError as exc:
        return _error(exc)


def _models(request: Request, runtime: RuntimeDep) -> list[dict[str, Any]]:
    """The model table's names, each owned by its provider (the configured model when there is no table: any
    name passes through)."""
    provider = runtime.provider
    table = _config(request).models
    if table is None:
        chat = [responses.model_card(provider.model, owned_by=provider.name)]
    else:
        chat = [
            responses.model_card(name, owned_by=route.provider or provider.name)
            for name, route in sorted(table.routes.items())
        ]
    return [
        *chat,
        responses.model_card(runtime.embedder.model_name, owned_by="nearhit"),
    ]


@router.get(
    "/models",
    summary="The models this gateway serves (chat and embeddings)",
    responses=_GET_ERRORS,
    dependencies=_CALLER,
)
async def list_models(request: Request, runtime: RuntimeDep) -> Response:
    return JSONResponse({"object": "list", "data": _models(request, runtime)})


@router.get(
    "/models/{model}",
    summary="One model this gateway serves",
    responses=_GET_ERRORS | {404: {"model": OpenAIError, "description": "No such model on this gateway"}},
    dependencies=_CALLER,
)
async def retrieve_model(model: str, request: Request, runtime: RuntimeDep) -> Response:
    try:
        for card in _models(request, runtime):
            if card["id"] == model:
                return JSONResponse(card)
        named = f"'{model}'" if len(model) <= MAX_MODEL_CHARS else f"id of {len(model):,} characters"
        raise GatewayError(
            f"The model {named} does not exist on this gateway.", status=404, param="model", code="model_not_found"
        )
    except GatewayError as exc:
        return _error(exc)


ENDPOINTS = ("POST /v1/chat/completions", "POST /v1/embeddings", "GET /v1/models", "GET /v1/models/{model}")
UNPREFIXED = ("/chat/completions", "/embeddings", "/models", "/responses", "/completions")
"""OpenAI's paths asked of the root: a client whose ``base_url`` lacks ``/v1`` (a bare 404 told it nothing)."""


def install(app: FastAPI) -> None:
    """Under ``/v1``, a path or method that does not exist answers in OpenAI's error shape (a client's own
    error handling then says what happened), naming the endpoints this gateway serves. ``/v1/responses`` and
    ``/v1/completions`` are among them: not served, the chat completions API is."""

    @app.exception_handler(HTTPException)
    async def not_found(request: Request, exc: HTTPException) -> Response:
        path = request.url.path
        if exc.status_code == 404 and (path in UNPREFIXED or path.startswith("/models/")):
            return _error(
                GatewayError(
                    f"Invalid URL ({request.method} {path}): the OpenAI-compatible gateway is under {router.prefix}, "
                    f"so a client's base_url ends in {router.prefix} (http://127.0.0.1:8000{router.prefix} for "
                    "make demo).",
                    status=404,
                    code="unknown_url",
                )
            )
        if not path.startswith(router.prefix + "/") or exc.status_code not in (404, 405):
            return await http_exception_handler(request, exc)
        served = ", ".join(ENDPOINTS)
        if exc.status_code == 405:
            error = GatewayError(
                f"{request.method} is not allowed on {path}. This gateway serves: {served}.",
                status=405,
                code="method_not_allowed",
                headers=dict(exc.headers or {}),
            )
        else:
            error = GatewayError(
                f"Invalid URL ({request.method} {path}): this gateway serves {served} "
                "(OpenAI's Responses and legacy Completions APIs are not served: use chat completions).",
                status=404,
                code="unknown_url",
            )
        return _error(error)
