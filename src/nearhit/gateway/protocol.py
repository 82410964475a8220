"""OpenAI's wire format: chat and embedding requests read and checked, responses and stream chunks built.

Requests are read by hand rather than by a pydantic model so that every mistake gets the message OpenAI
would give, naming the parameter (``messages[2].content``), in OpenAI's error schema. Sampling parameters,
tools and response formats are checked by :mod:`nearhit.gateway.options` and forwarded; parameters the
gateway cannot forward (``audio``, ``prediction``, legacy ``functions``, ...) are refused with a 400 unless
they hold their default value: dropping them silently would return, and cache, an answer to a different
question.
"""

from __future__ import annotations

import base64
import json
import math
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np

from nearhit import jsonbody
from nearhit.gateway.errors import GatewayError, invalid, invalid_json, unsupported
from nearhit.gateway.options import FORWARDED, forwarded
from nearhit.llm import ChatMessage, ToolCall

MAX_N = 128
MAX_EMBEDDING_INPUTS = 2048
MAX_MODEL_CHARS = 256

# Read and used.
_CHAT_FIELDS = {
    "model",
    "messages",
    "stream",
    "stream_options",
    "temperature",
    "max_tokens",
    "max_completion_tokens",
    "n",
}
# Accepted and ignored: they do not change the answer.
_IGNORED_FIELDS = {"metadata", "store", "service_tier", "prompt_cache_key", "safety_identifier"}
# Accepted only with their default value (or null): any other value changes the answer and cannot be forwarded.
_DEFAULT_ONLY: dict[str, tuple[object, ...]] = {
    "modalities": (["text"],),
    "function_call": ("none",),
    "reasoning_effort": (),
    "verbosity": (),
    "audio": (),
    "prediction": (),
    "web_search_options": (),
}
_TOOL_FIELDS = ("functions",)
_MESSAGE_FIELDS = {"role", "content", "name", "tool_calls", "function_call", "tool_call_id", "refusal"}
_ROLES = ("system", "developer", "user", "assistant", "tool")
_SYSTEM_ROLES = ("system", "developer")


@dataclass(frozen=True)
class ChatCall:
    """A chat completion request, reduced to what scopes and produces its answer."""

    model: str
    prompt: str
    system_prompt: str | None = None
    history: tuple[ChatMessage, ...] = ()
    stream: bool = False
    include_usage: bool = False
    n: int = 1
    temperature: float | None = None
    max_tokens: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    """The fields forwarded to the provider as they are (:mod:`nearhit.gateway.options`)."""
    prompt_role: Literal["user", "tool"] = "user"
    tool_call_id: str | None = None

    @property
    def logprobs(self) -> bool:
        return bool(self.params.get("logprobs"))


@dataclass(frozen=True)
class EmbeddingCall:
    model: str
    inputs: tuple[str, ...]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = None


def parse_json(raw: bytes) -> Any:
    """The request body as strict JSON (:mod:`nearhit.jsonbody`), or a 400 saying why it is not."""
    try:
        return jsonbody.loads(raw)
    except jsonbody.InvalidJSON as exc:
        raise invalid_json(exc) from None


def parse_chat(body: Any, max_n: int = MAX_N) -> ChatCall:
    """Check a ``POST /v1/chat/completions`` body; earlier turns become the history, the last one the prompt.

    ``max_n`` (``NEARHIT_GATEWAY_MAX_N``) caps ``n``: each choice is one more upstream generation.
    """
    body = _object(body, None, "the request body")
    _check_fields(body)
    model = _model(body)
    system, history, last = _conversation(body.get("messages"))
    params = forwarded(body)
    stream = _bool(body, "stream")
    options = body.get("stream_options")
    if options is not None and not stream:
        raise invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options")
    include_usage = False
    if options is not None:
        options = _object(options, "stream_options", "'stream_options'")
        unknown = set(options) - {"include_usage", "include_obfuscation"}
        if unknown:
            raise _unrecognised(f"stream_options.{sorted(unknown)[0]}")
        include_usage = _bool(options, "include_usage", "stream_options.include_usage")
    return ChatCall(
        model=model,
        prompt=last.content,
        system_prompt=system,
        history=history,
        stream=stream,
        include_usage=include_usage,
        n=_n(body, max_n),
        temperature=_temperature(body),
        max_tokens=_max_tokens(body),
        params=params,
        prompt_role="tool" if last.role == "tool" else "user",
        tool_call_id=last.tool_call_id,
    )


def parse_embeddings(body: Any) -> EmbeddingCall:
    """Check a ``POST /v1/embeddings`` body: ``input`` is a string or a list of strings."""
    body = _object(body, None, "the request body")
    unknown = set(body) - {"model", "input", "encoding_format", "dimensions", "user"}
    if unknown:
        raise _unrecognised(sorted(unknown)[0])
    model = _model(body)
    given = body.get("input")
    texts: list[object] = given if isinstance(given, list) else [given]
    if given is None or (isinstance(given, list) and not given):
        raise invalid("'input' is required: a string or a non-empty list of strings.", "input")
    if len(texts) > MAX_EMBEDDING_INPUTS:
        raise invalid(f"'input' has {len(texts)} items; the limit is {MAX_EMBEDDING_INPUTS}.", "input")
    for i, text in enumerate(texts):
        where = "input" if not isinstance(given, list) else f"input[{i}]"
        if isinstance(text, int | list) and not isinstance(text, bool):
            raise unsupported(where, "token arrays as input are")
        if not isinstance(text, str):
            raise invalid(f"Invalid type for '{where}': expected a string, got {_json_type(text)}.", where)
        if not text:
            raise invalid(f"'{where}' is empty: there is nothing to embed.", where)
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise invalid(
            f"Invalid value for 'encoding_format': {encoding!r}. Supported values are 'float' and 'base64'.",
            "encoding_format",
        )
    return EmbeddingCall(
        model=model,
        inputs=tuple(str(t) for t in texts),
        encoding_format=cast("Literal['float', 'base64']", encoding),
        dimensions=_int(body, "dimensions", 1, 100_000),
    )


# --- responses ---------------------------------------------------------------------------------------


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
    finish_reason: str
    tool_calls: Sequence[ToolCall] = ()
    logprobs: Sequence[Mapping[str, Any]] | None = None


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
                "message": {"role": "assistant", "content": c.text if c.text or not c.tool_calls else None}
                | {"refusal": None}
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


def sse(data: Mapping[str, Any] | str) -> bytes:
    """One Server-Sent Event as OpenAI sends it: a ``data:`` line only (no ``event:`` field) and a blank line."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


DONE = sse("[DONE]")


def finish_reason(upstream: str | None) -> str:
    """The upstream's finish reason; a stream that ended without one ended normally."""
    return "stop" if upstream in (None, "", "unknown") else str(upstream)


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


# --- reading requests --------------------------------------------------------------------------------


def _check_fields(body: Mapping[str, Any]) -> None:
    for name, value in body.items():
        if name in _CHAT_FIELDS or name in _IGNORED_FIELDS or name in FORWARDED:
            continue
        if name in _TOOL_FIELDS:
            if value:
                raise unsupported(name, "tools and function calling are")
            continue
        if name in _DEFAULT_ONLY:
            if value is not None and not any(_same(value, d) for d in _DEFAULT_ONLY[name]):
                raise unsupported(name, f"'{name}' set to {json.dumps(value)[:80]} is")
            continue
        raise _unrecognised(name)


def _same(value: object, default: object) -> bool:
    if isinstance(value, bool) != isinstance(default, bool):
        return False
    return value == default


def _unrecognised(name: str) -> GatewayError:
    return invalid(f"Unrecognized request argument supplied: {name}", name, "unknown_parameter")


def _model(body: Mapping[str, Any]) -> str:
    model = body.get("model")
    if model is None:
        raise invalid("you must provide a model parameter", "model", "missing_required_parameter")
    if not isinstance(model, str) or not model.strip() or len(model) > MAX_MODEL_CHARS:
        raise invalid(f"'model' must be a non-empty string of at most {MAX_MODEL_CHARS} characters.", "model")
    return model


def _conversation(messages: Any) -> tuple[str | None, tuple[ChatMessage, ...], ChatMessage]:
    """(system prompt, earlier turns, last turn). Leading system/developer messages are the system prompt;
    the last turn, a user message or a tool result, is what the cache looks up."""
    if messages is None:
        raise invalid("Missing required parameter: 'messages'.", "messages", "missing_required_parameter")
    if not isinstance(messages, list):
        raise invalid(f"Invalid type for 'messages': expected an array, got {_json_type(messages)}.", "messages")
    if not messages:
        raise invalid("'messages' must contain at least one message.", "messages", "empty_array")
    turns = [_message(m, i) for i, m in enumerate(messages)]
    _check_tool_results(turns)
    lead = 0
    while lead < len(turns) and turns[lead].role == "system":
        lead += 1
    system = "\n\n".join(t.content for t in turns[:lead]) or None
    rest = turns[lead:]
    if not rest or rest[-1].role not in ("user", "tool"):
        where = f"messages[{len(turns) - 1}]"
        raise invalid(
            f"The last message ('{where}') must be a user message or a tool result: it is the prompt the cache "
            "looks up.",
            where,
        )
    return system, tuple(rest[:-1]), rest[-1]


def _message(message: Any, i: int) -> ChatMessage:
    where = f"messages[{i}]"
    message = _object(message, where, f"'{where}'")
    unknown = set(message) - _MESSAGE_FIELDS
    if unknown:
        raise _unrecognised(f"{where}.{sorted(unknown)[0]}")
    role = message.get("role")
    if role == "function" or message.get("function_call"):
        raise unsupported(
            f"{where}.role" if role == "function" else f"{where}.function_call", "legacy function messages are"
        )
    if not isinstance(role, str) or role not in _ROLES:
        raise invalid(
            f"Invalid value for '{where}.role': {role!r}. "
            "Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.",
            f"{where}.role",
            "invalid_value",
        )
    if message.get("name") is not None:
        raise unsupported(f"{where}.name", "participant names on messages are")
    calls = _tool_calls(message.get("tool_calls"), f"{where}.tool_calls") if role == "assistant" else ()
    if message.get("tool_calls") is not None and role != "assistant":
        raise invalid(f"'{where}.tool_calls' is only allowed on assistant messages.", f"{where}.tool_calls")
    call_id = None
    if role == "tool":
        call_id = message.get("tool_call_id")
        if not isinstance(call_id, str) or not call_id:
            raise invalid(
                f"Missing required parameter: '{where}.tool_call_id'.",
                f"{where}.tool_call_id",
                "missing_required_parameter",
            )
    raw = message.get("content")
    content = "" if calls and raw is None else _content(raw, f"{where}.content")
    return ChatMessage("system" if role in _SYSTEM_ROLES else role, content, calls, call_id)  # type: ignore[arg-type]


def _check_tool_results(turns: Sequence[ChatMessage]) -> None:
    """Every tool result answers a call of the assistant turn before it, as OpenAI requires."""
    open_calls: set[str] = set()
    for i, turn in enumerate(turns):
        if turn.role == "tool":
            if turn.tool_call_id not in open_calls:
                raise invalid(
                    f"Invalid parameter: messages with role 'tool' must be a response to a preceding message with "
                    f"'tool_calls' (messages[{i}].tool_call_id {str(turn.tool_call_id)[:64]!r} answers no call).",
                    f"messages[{i}].role",
                )
            continue
        open_calls = {call.id for call in turn.tool_calls}


def _tool_calls(value: Any, where: str) -> tuple[ToolCall, ...]:
    """An assistant turn's tool calls, as the client sends them back with the results."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise invalid(f"Invalid type for '{where}': expected an array.", where, "invalid_type")
    calls = []
    for i, call in enumerate(value):
        call = _object(call, f"{where}[{i}]", f"'{where}[{i}]'")
        function = call.get("function")
        if (
            not isinstance(call.get("id"), str)
            or not isinstance(function, dict)
            or not isinstance(function.get("name"), str)
            or not isinstance(function.get("arguments"), str)
        ):
            raise invalid(
                f'Invalid \'{where}[{i}]\': expected {{"id", "type": "function", "function": '
                '{"name", "arguments"}} with string values.',
                f"{where}[{i}]",
            )
        calls.append(ToolCall(call["id"], function["name"], function["arguments"]))
    return tuple(calls)


def _content(content: Any, where: str) -> str:
    """A string, or a list of ``{"type": "text", "text": ...}`` parts (joined); other parts are refused."""
    if isinstance(content, str):
        return content
    if content is None:
        raise invalid(f"Missing required parameter: '{where}'.", where, "missing_required_parameter")
    if not isinstance(content, list):
        raise invalid(
            f"Invalid type for '{where}': expected a string or an array of text parts, got {_json_type(content)}.",
            where,
            "invalid_type",
        )
    texts: list[str] = []
    for j, part in enumerate(content):
        part_where = f"{where}[{j}]"
        part = _object(part, part_where, f"'{part_where}'")
        kind = part.get("type")
        if kind != "text":
            raise invalid(
                f"Content parts of type {json.dumps(kind)} ('{part_where}') are not supported by this gateway: "
                'only text parts ({"type": "text", "text": ...}) are.',
                f"{part_where}.type",
                "unsupported_content",
            )
        text = part.get("text")
        if not isinstance(text, str):
            raise invalid(f"Invalid type for '{part_where}.text': expected a string.", f"{part_where}.text")
        texts.append(text)
    return "".join(texts)


def _object(value: Any, param: str | None, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"Invalid type for {what}: expected an object, got {_json_type(value)}.", param)
    return value


def _bool(body: Mapping[str, Any], name: str, param: str | None = None) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(
            f"Invalid type for '{param or name}': expected a boolean, got {_json_type(value)}.", param or name
        )
    return value


def _int(body: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"Invalid type for '{name}': expected an integer, got {_json_type(value)}.", name)
    if not low <= value <= high:
        raise invalid(f"Invalid '{name}': {value}. Expected a value from {low} to {high}.", name, "invalid_value")
    return value


def _n(body: Mapping[str, Any], max_n: int) -> int:
    n = _int(body, "n", 1, MAX_N) or 1
    if n > max_n:
        raise invalid(
            f"Invalid 'n': {n}. This gateway allows at most {max_n} choices per request (NEARHIT_GATEWAY_MAX_N): "
            "each one is a separate generation upstream.",
            "n",
            "invalid_value",
        )
    return n


def _temperature(body: Mapping[str, Any]) -> float | None:
    value = body.get("temperature")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid(f"Invalid type for 'temperature': expected a number, got {_json_type(value)}.", "temperature")
    if not 0 <= value <= 2:
        raise invalid(f"Invalid 'temperature': {value}. Expected a value from 0 to 2.", "temperature", "invalid_value")
    return float(value)


def _max_tokens(body: Mapping[str, Any]) -> int | None:
    old = _int(body, "max_tokens", 1, 10_000_000)
    new = _int(body, "max_completion_tokens", 1, 10_000_000)
    if old is not None and new is not None and old != new:
        raise invalid("Set 'max_tokens' or 'max_completion_tokens', not both.", "max_completion_tokens")
    return new if new is not None else old


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
