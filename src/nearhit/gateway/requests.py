"""OpenAI's chat and embedding requests, read and checked.

Requests are read by hand rather than by a pydantic model so that every mistake gets the message OpenAI
would give, naming the parameter (``messages[2].content``), in OpenAI's error schema. Sampling parameters,
tools and response formats are checked by :mod:`nearhit.gateway.options` and forwarded; parameters the
gateway cannot forward (``audio``, ``prediction``, legacy ``functions``, ...) are refused with a 400 unless
they hold their default value: dropping them silently would return, and cache, an answer to a different
question.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from nearhit import jsonbody, validate
from nearhit.errors import InvalidInput
from nearhit.gateway.errors import invalid, invalid_json, json_type, unrecognised, unsupported
from nearhit.gateway.messages import conversation, json_object
from nearhit.gateway.options import FORWARDED, forwarded
from nearhit.llm import ChatMessage

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
# Accepted and ignored: they do not change the answer. Checked as OpenAI checks them all the same (a wrong type
# was answered, and served from the cache, where OpenAI says 400).
_IGNORED_FIELDS = {"metadata", "store", "service_tier", "prompt_cache_key", "safety_identifier"}
_SERVICE_TIERS = ("auto", "default", "flex", "scale", "priority")
_METADATA_KEYS, _METADATA_KEY_CHARS, _METADATA_VALUE_CHARS = 16, 64, 512
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
    body = json_object(body, None, "the request body")
    _check_fields(body)
    _check_ignored(body)
    model = _model(body)
    system, history, last = conversation(body.get("messages"))
    params = forwarded(body)
    if params.get("response_format", {}).get("type") == "json_object":
        _check_json_asked(system, (*history, last))
    stream = _bool(body, "stream")
    options = body.get("stream_options")
    if options is not None and not stream:
        raise invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options")
    include_usage = False
    if options is not None:
        options = json_object(options, "stream_options", "'stream_options'")
        unknown = set(options) - {"include_usage", "include_obfuscation"}
        if unknown:
            raise unrecognised(f"stream_options.{sorted(unknown)[0]}")
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
    body = json_object(body, None, "the request body")
    unknown = set(body) - {"model", "input", "encoding_format", "dimensions", "user"}
    if unknown:
        raise unrecognised(sorted(unknown)[0])
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
            raise invalid(f"Invalid type for '{where}': expected a string, got {json_type(text)}.", where)
        if not text:
            raise invalid(f"'{where}' is empty: there is nothing to embed.", where)
    # Absent or null: "float". Otherwise one of the two names: "" or [] was taken as the default.
    encoding = "float" if body.get("encoding_format") is None else body["encoding_format"]
    if not isinstance(encoding, str) or encoding not in ("float", "base64"):
        shown = repr(encoding) if isinstance(encoding, str) else json_type(encoding)
        raise invalid(
            f"Invalid value for 'encoding_format': {shown[:80]}. Supported values are 'float' and 'base64'.",
            "encoding_format",
        )
    if body.get("user") is not None and not isinstance(body["user"], str):
        raise invalid(f"Invalid type for 'user': expected a string, got {json_type(body['user'])}.", "user")
    return EmbeddingCall(
        model=model,
        inputs=tuple(str(t) for t in texts),
        encoding_format=cast("Literal['float', 'base64']", encoding),
        dimensions=_int(body, "dimensions", 1, 100_000),
    )


def _check_json_asked(system: str | None, turns: Sequence[ChatMessage]) -> None:
    """OpenAI's rule for JSON mode: a model never told to write JSON may write whitespace up to the token limit,
    so a ``json_object`` request whose messages never say "json" is a 400 there, and here before any lookup."""
    if not any("json" in text.lower() for text in (system or "", *(turn.content for turn in turns))):
        raise invalid(
            "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
            "messages",
        )


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
        raise unrecognised(name)


def _check_ignored(body: Mapping[str, Any]) -> None:
    """The ignored fields' types and bounds, as OpenAI's API reference gives them (null: absent)."""
    _bool(body, "store")
    for name in ("service_tier", "prompt_cache_key", "safety_identifier"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise invalid(f"Invalid type for '{name}': expected a string, got {json_type(value)}.", name)
    tier = body.get("service_tier")
    if tier is not None and tier not in _SERVICE_TIERS:
        raise invalid(
            f"Invalid value for 'service_tier': {tier[:80]!r}. Supported values are: "
            + ", ".join(f"'{t}'" for t in _SERVICE_TIERS)
            + ".",
            "service_tier",
            "invalid_value",
        )
    metadata = body.get("metadata")
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise invalid(f"Invalid type for 'metadata': expected an object, got {json_type(metadata)}.", "metadata")
    if len(metadata) > _METADATA_KEYS:
        message = f"Invalid 'metadata': {len(metadata)} keys; at most {_METADATA_KEYS} are allowed."
        raise invalid(message, "metadata", "invalid_value")
    for key, value in metadata.items():
        if len(key) > _METADATA_KEY_CHARS:
            raise invalid(
                f"Invalid 'metadata': a key of {len(key):,} characters; keys are at most {_METADATA_KEY_CHARS} "
                "characters.",
                "metadata",
                "invalid_value",
            )
        where = f"metadata.{key}"
        if not isinstance(value, str):
            raise invalid(f"Invalid type for '{where}': expected a string, got {json_type(value)}.", where)
        if len(value) > _METADATA_VALUE_CHARS:
            raise invalid(
                f"Invalid '{where}': {len(value):,} characters; values are at most {_METADATA_VALUE_CHARS} characters.",
                where,
                "invalid_value",
            )


def _same(value: object, default: object) -> bool:
    if isinstance(value, bool) != isinstance(default, bool):
        return False
    return value == default


def _model(body: Mapping[str, Any]) -> str:
    model = body.get("model")
    if model is None:
        raise invalid("you must provide a model parameter", "model", "missing_required_parameter")
    if not isinstance(model, str) or not model.strip() or len(model) > MAX_MODEL_CHARS:
        raise invalid(f"'model' must be a non-empty string of at most {MAX_MODEL_CHARS} characters.", "model")
    try:  # a model names the cache's scope: the rule of a tenant's name, told here rather than as the prompt's
        return validate.label(model, "'model'")
    except InvalidInput as exc:
        raise invalid(f"{exc}.", "model") from None


def _bool(body: Mapping[str, Any], name: str, param: str | None = None) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(f"Invalid type for '{param or name}': expected a boolean, got {json_type(value)}.", param or name)
    return value


def _int(body: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"Invalid type for '{name}': expected an integer, got {json_type(value)}.", name)
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
        raise invalid(f"Invalid type for 'temperature': expected a number, got {json_type(value)}.", "temperature")
    if not 0 <= value <= 2:
        raise invalid(f"Invalid 'temperature': {value}. Expected a value from 0 to 2.", "temperature", "invalid_value")
    return float(value)


def _max_tokens(body: Mapping[str, Any]) -> int | None:
    old = _int(body, "max_tokens", 1, 10_000_000)
    new = _int(body, "max_completion_tokens", 1, 10_000_000)
    if old is not None and new is not None and old != new:
        raise invalid("Set 'max_tokens' or 'max_completion_tokens', not both.", "max_completion_tokens")
    return new if new is not None else old
