"""OpenAI's responses: ``chat.completion`` objects, stream chunks as Server-Sent Events, embeddings, model cards."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from nearhit.llm import ToolCall


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def now() -> int:
    return int(time.time())


def usage(prompt_tokens: int, completion_tokens: int, cached_tokens: int | None = None) -> dict[str, Any]:
    """OpenAI's usage; ``cached_tokens`` (a hit's prompt) goes where OpenAI reports its cached prompt tokens."""
    used: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if cached_tokens is not None:
        used["prompt_tokens_details"] = {"cached_tokens": cached_tokens}
    return used


def tool_calls(calls: Sequence[ToolCall]) -> list[dict[str, Any]]:
    """Tool calls as a ``chat.completion`` message holds them."""
    return [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls]


def tool_call_delta(index: int, call_id: str | None, name: str | None, arguments: str) -> dict[str, Any]:
    """One streamed piece of tool call ``index``: the first has id, type and name, the next arguments only."""
    piece: dict[str, Any] = {"index": index}
    if call_id is not None:
        piece |= {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    else:
        piece["function"] = {"arguments": arguments}
    return {"tool_calls": [piece]}


@dataclass(frozen=True)
class Choice:
    """One choice of a ``chat.completion``: its text, finish reason, tool calls and token logprobs."""

    text: str
    finish_reason: str | None
    tool_calls: Sequence[ToolCall] = ()
    logprobs: Sequence[Mapping[str, Any]] | None = None
    refusal: str | None = None


def logprobs(tokens: Sequence[Mapping[str, Any]] | None) -> dict[str, Any] | None:
    """A choice's ``logprobs`` object, or null when none were asked for."""
    return None if tokens is None else {"content": list(tokens), "refusal": None}


def completion(id: str, created: int, model: str, choices: Sequence[Choice], used: dict[str, Any]) -> dict[str, Any]:
    """A ``chat.completion`` object; ``choices`` in index order."""
    return {
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": index,
                "message": {
                    "role": "assistant",
                    "content": c.text if c.text or not (c.tool_calls or c.refusal) else None,
                }
                | {"refusal": c.refusal}
                | ({"tool_calls": tool_calls(c.tool_calls)} if c.tool_calls else {}),
                "logprobs": logprobs(c.logprobs),
                "finish_reason": c.finish_reason,
            }
            for index, c in enumerate(choices)
        ],
        "usage": used,
    }


def chunk(
    id: str,
    created: int,
    model: str,
    *,
    index: int | None = None,
    delta: dict[str, Any] | None = None,
    finish_reason: str | None = None,
    include_usage: bool = False,
    used: dict[str, Any] | None = None,
    tokens: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ``chat.completion.chunk``: a choice's delta, or (``index`` None) the final usage-only chunk.

    With ``stream_options.include_usage`` OpenAI sends ``usage: null`` on every chunk but the last.
    """
    body: dict[str, Any] = {"id": id, "object": "chat.completion.chunk", "created": created, "model": model}
    if index is None:
        body["choices"] = []
    else:
        body["choices"] = [
            {"index": index, "delta": delta or {}, "logprobs": logprobs(tokens), "finish_reason": finish_reason}
        ]
    if include_usage or used is not None:
        body["usage"] = used
    return body


def encode(body: Mapping[str, Any]) -> bytes:
    """A response body as compact JSON bytes, encoded once."""
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def sse(data: Mapping[str, Any] | str) -> bytes:
    """One Server-Sent Event as OpenAI sends it: a ``data:`` line only (no ``event:`` field) and a blank line."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


DONE = sse("[DONE]")


def cut_off(finish_reason: str | None) -> bool:
    """Whether an upstream's answer ended without a finish reason (``unknown`` from the provider): OpenAI ends
    every choice with one (``stop``, ``length``, ...), so a stream without it was cut off, not finished."""
    return finish_reason in (None, "", "unknown")


def embeddings(
    vectors: np.ndarray, model: str, encoding: Literal["float", "base64"], prompt_tokens: int
) -> dict[str, Any]:
    """The embeddings list; ``base64`` is little-endian float32, which the ``openai`` SDK asks for by default."""
    rows = np.asarray(vectors, dtype="<f4")
    data = [
        {
            "object": "embedding",
            "index": i,
            "embedding": base64.b64encode(row.tobytes()).decode() if encoding == "base64" else row.tolist(),
        }
        for i, row in enumerate(rows)
    ]
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }


def model_card(id: str, owned_by: str, created: int = 0) -> dict[str, Any]:
    return {"id": id, "object": "model", "created": created, "owned_by": owned_by}
