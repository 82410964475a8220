"""Feedback on a served answer: ``POST /cache/feedback`` and the gateway's ``POST /v1/nearhit/feedback``.

Both act for the caller's tenant: feedback on another tenant's request or entry is a 404, worded exactly as for
an unknown one, so it never reveals that the entry exists. A request the caller was served whose entry has gone
since is a 200 whose ``action`` says so: the verdict is counted (the telemetry's, the index's evidence).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field, ValidationError, model_validator
from redis.exceptions import RedisError

from nearhit import validate
from nearhit.api.access import Caller, CallerDep
from nearhit.api.deps import CacheDep, RuntimeDep
from nearhit.api.schemas import PromptText, StrictModel
from nearhit.cache import verdicts
from nearhit.errors import InvalidInput, RedisUnavailable
from nearhit.gateway import GatewayError, parse_json

router = APIRouter(tags=["cache"])
_NOT_FOUND = "Unknown or expired request id; an unknown or gone entry named by doc_id (or another tenant's)"

RequestId = Annotated[
    str, Field(min_length=1, max_length=validate.MAX_REQUEST_ID_CHARS, pattern=validate.REQUEST_ID_PATTERN)
]


class FeedbackBody(StrictModel):
    verdict: Literal["wrong", "right"] = Field(description="Was the served answer right for the question?")
    request_id: RequestId | None = Field(None, description="The x-request-id of the response that served it.")
    doc_id: Annotated[str, Field(min_length=1, max_length=validate.MAX_DOC_ID_CHARS)] | None = Field(
        None, description="The entry served (the lookup result's doc_id)."
    )
    prompt: PromptText | None = Field(
        None, description="With doc_id: the question it was served for. Without it, 'wrong' retires the entry."
    )
    note: Annotated[str, Field(max_length=validate.MAX_NOTE_CHARS)] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> FeedbackBody:
        if (self.request_id is None) == (self.doc_id is None):
            raise ValueError("give exactly one of 'request_id' or 'doc_id'")
        if self.prompt is not None and self.doc_id is None:
            raise ValueError("'prompt' goes with 'doc_id' (a request id already names its question)")
        return self


async def _give(body: FeedbackBody, cache: CacheDep, caller: Caller) -> dict[str, Any]:
    recorded = await verdicts.give(
        cache,
        body.verdict,
        tenant=caller.tenant,
        request_id=body.request_id,
        doc_id=body.doc_id,
        prompt=body.prompt,
        note=body.note,
    )
    return recorded.to_dict()


@router.post(
    "/cache/feedback",
    summary="Say a served answer was wrong (or right): the cache learns from it",
    responses={404: {"description": _NOT_FOUND}},
)
async def feedback(body: FeedbackBody, cache: CacheDep, caller: CallerDep) -> dict[str, Any]:
    try:
        return await _give(body, cache, caller)
    except verdicts.FeedbackTargetNotFound as exc:
        raise HTTPException(404, str(exc)) from None


@router.post(
    "/v1/nearhit/feedback",
    summary="Feedback through the gateway (OpenAI-style errors); the body as for /cache/feedback",
    responses={
        400: {"description": "The body is not strict JSON (OpenAI's error shape)"},
        404: {"description": _NOT_FOUND},
        422: {"description": "The body breaks the feedback schema (a verdict other than wrong/right, no id)"},
        503: {"description": "Redis (the cache) is unavailable (OpenAI's error shape)"},
    },
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
)
async def gateway_feedback(request: Request, runtime: RuntimeDep, caller: CallerDep) -> Response:
    """As ``/cache/feedback``, every error in OpenAI's shape: the cache is fetched here, not by a dependency,
    so a Redis away is this route's 503 too."""
    try:
        try:
            body = FeedbackBody.model_validate(parse_json(await request.body()))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or None
            raise GatewayError(
                f"{where or 'body'}: {error['msg']}", status=422, param=where, code="invalid_value"
            ) from None
        try:
            return JSONResponse(await _give(body, await runtime.cache(), caller))
        except verdicts.FeedbackTargetNotFound as exc:
            raise GatewayError(str(exc), status=404, param=None, code="not_found") from None
        except InvalidInput as exc:  # the configured prompt limit, which the schema cannot know
            param = "prompt" if body.prompt is not None else None
            raise GatewayError(str(exc), status=422, param=param, code="invalid_value") from None
        except (RedisUnavailable, RedisError) as exc:
            raise GatewayError(
                f"cache unavailable: {exc}", status=503, type="server_error", code="cache_unavailable"
            ) from None
    except GatewayError as exc:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)
