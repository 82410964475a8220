"""The chat request fields the gateway forwards to the provider as they are: sampling, tools, formats.

Each is checked as OpenAI checks it, with OpenAI's message and ``param``, so a bad request gets its 400
here: nothing reaches the provider, nothing is stored. The result holds only fields that were given, in a
canonical form (``stop`` always a list), so equal requests scope the cache equally.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jsonschema import SchemaError
from jsonschema.validators import validator_for

from nearhit.gateway.errors import GatewayError, invalid, shown

FORWARDED = frozenset(
    {
        "stop",
        "seed",
        "top_p",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "user",
        "logprobs",
        "top_logprobs",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
    }
)
_NAME_PATTERN = "^[a-zA-Z0-9_-]{1,64}$"
_FUNCTION_NAME = re.compile(_NAME_PATTERN)
_MAX_STOP = 4
_MAX_TOOLS = 128


def forwarded(body: Mapping[str, Any]) -> dict[str, Any]:
    """The forwarded fields of a chat body, checked; null values are left out (the provider's default)."""
    params: dict[str, Any] = {}
    for name in sorted(FORWARDED & body.keys()):
        if body[name] is not None:
            params[name] = _CHECKS[name](body[name], name)
    for name, meaningless in _AS_ABSENT.items():
        if params.get(name) == meaningless:  # the provider's default: scoped as absent, not as an answer of its own
            del params[name]
    tools = params.get("tools")
    for name in ("tool_choice", "parallel_tool_calls"):
        if name in params and not tools:
            raise invalid(f"Invalid value for '{name}': '{name}' is only allowed when 'tools' are specified.", name)
    if "top_logprobs" in params and not params.get("logprobs"):
        raise invalid("Invalid value for 'top_logprobs': 'logprobs' must be true to use it.", "top_logprobs")
    choice = params.get("tool_choice")
    if isinstance(choice, dict):
        wanted = choice["function"]["name"]
        if wanted not in {tool["function"]["name"] for tool in tools or ()}:
            raise invalid(
                f"Invalid value for 'tool_choice': the function '{wanted}' is not in 'tools'.",
                "tool_choice",
                "invalid_value",
            )
    return params


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid(f"Invalid type for '{name}': expected a number.", name, "invalid_type")
    if not low <= value <= high:
        raise invalid(f"Invalid '{name}': {value}. Expected a value from {low:g} to {high:g}.", name, "invalid_value")
    return value


def _integer(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"Invalid type for '{name}': expected an integer.", name, "invalid_type")
    if not low <= value <= high:
        raise invalid(f"Invalid '{name}': {value}. Expected a value from {low} to {high}.", name, "invalid_value")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(f"Invalid type for '{name}': expected a boolean.", name, "invalid_type")
    return value


def _string(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise invalid(f"Invalid type for '{name}': expected a string.", name, "invalid_type")
    return value


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"Invalid type for '{name}': expected an object.", name, "invalid_type")
    return value


def _required_object(parent: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    """``parent[key]``, which must be present and an object (``name`` is its path in the request)."""
    value = parent.get(key)
    if value is None:
        raise invalid(f"Missing required parameter: '{name}'.", name, "missing_required_parameter")
    return _object(value, name)


def _identifier(value: Any, name: str) -> str:
    """A function or schema name as OpenAI accepts one."""
    if not isinstance(value, str) or not _FUNCTION_NAME.match(value):
        raise invalid(
            f"Invalid '{name}': expected a string that matches the pattern '{_NAME_PATTERN}'.", name, "invalid_value"
        )
    return value


def _stop(value: Any, name: str) -> list[str]:
    stops = [value] if isinstance(value, str) else value
    if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops):
        raise invalid(f"Invalid type for '{name}': expected a string or an array of non-empty strings.", name)
    if len(stops) > _MAX_STOP:
        raise invalid(f"Invalid '{name}': at most {_MAX_STOP} stop sequences are allowed.", name, "invalid_value")
    return stops


def _logit_bias(value: Any, name: str) -> dict[str, float]:
    bias = _object(value, name)
    for token, weight in bias.items():
        if not token.isdigit():
            raise invalid(f"Invalid key in '{name}': {token[:40]!r} is not a token id.", name, "invalid_value")
        _number(weight, f"{name}.{token}", -100, 100)
    return bias


def _schema(schema: Any, where: str, what: str) -> dict[str, Any]:
    """A JSON schema the provider will accept: an object, valid against its own meta-schema."""
    if not isinstance(schema, dict):
        raise invalid(f"Invalid schema for {what}: the schema must be a JSON object.", where, "invalid_json_schema")
    problem = _schema_problem(json.dumps(schema, sort_keys=True, separators=(",", ":")))
    if problem is not None:
        raise invalid(f"Invalid schema for {what}: {problem}", where, "invalid_json_schema")
    return schema


@lru_cache(maxsize=1024)
def _schema_problem(canonical: str) -> str | None:
    """What is wrong with a schema (given as canonical JSON), or None. Remembered: an application sends the
    same few tool schemas on every call, and the meta-schema check costs ~0.8 ms where a hit costs ~3 ms."""
    schema = json.loads(canonical)
    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(p) for p in exc.path) or "(root)"
        return f"at {path}: {exc.message[:200]}"
    return None


def _tools(value: Any, name: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise invalid(f"Invalid type for '{name}': expected an array of tools.", name, "invalid_type")
    if not value:
        raise invalid(
            f"Invalid '{name}': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            name,
            "empty_array",
        )
    if len(value) > _MAX_TOOLS:
        raise invalid(f"Invalid '{name}': at most {_MAX_TOOLS} tools are allowed.", name, "array_above_max_length")
    names: set[str] = set()
    for i, tool in enumerate(value):
        where = f"{name}[{i}]"
        tool = _object(tool, where)
        if tool.get("type") != "function":
            raise invalid(
                f"Invalid value for '{where}.type': {shown(tool.get('type'))}. Supported values are: 'function'.",
                f"{where}.type",
                "invalid_value",
            )
        function = _required_object(tool, "function", f"{where}.function")
        function_name = _identifier(function.get("name"), f"{where}.function.name")
        if function_name in names:
            raise invalid(f"Duplicate function name '{function_name}' in '{name}'.", f"{where}.function.name")
        names.add(function_name)
        unknown = set(function) - {"name", "description", "parameters", "strict"}
        if unknown:
            raise invalid(
                f"Unrecognized request argument supplied: {where}.function.{sorted(unknown)[0]}",
                f"{where}.function.{sorted(unknown)[0]}",
                "unknown_parameter",
            )
        if "description" in function:
            _string(function["description"], f"{where}.function.description")
        if "strict" in function and function["strict"] is not None:
            _bool(function["strict"], f"{where}.function.strict")
        if function.get("parameters") is not None:
            parameters = _schema(function["parameters"], f"{where}.function.parameters", f"function '{function_name}'")
            if parameters.get("type", "object") != "object":
                raise invalid(
                    f"Invalid schema for function '{function_name}': schema must be a JSON Schema of "
                    f"'type: \"object\"', got 'type: \"{parameters.get('type')}\"'.",
                    f"{where}.function.parameters",
                    "invalid_function_parameters",
                )
    return value


def _tool_choice(value: Any, name: str) -> str | dict[str, Any]:
    if isinstance(value, str):
        if value not in ("none", "auto", "required"):
            raise invalid(
                f"Invalid value for '{name}': {value[:40]!r}. Supported values are: 'none', 'auto' and 'required'.",
                name,
                "invalid_value",
            )
        return value
    choice = _object(value, name)
    function = choice.get("function")
    if choice.get("type") != "function" or not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise invalid(
            f"Invalid value for '{name}': expected 'none', 'auto', 'required' or "
            '{"type": "function", "function": {"name": ...}}.',
            name,
            "invalid_value",
        )
    return choice


def _response_format(value: Any, name: str) -> dict[str, Any]:
    fmt = _object(value, name)
    kind = fmt.get("type")
    if kind in ("text", "json_object"):
        return {"type": kind}
    if kind != "json_schema":
        raise invalid(
            f"Invalid value for '{name}.type': {shown(kind)}. "
            "Supported values are: 'text', 'json_object' and 'json_schema'.",
            f"{name}.type",
            "invalid_value",
        )
    spec = _required_object(fmt, "json_schema", f"{name}.json_schema")
    schema_name = _identifier(spec.get("name"), f"{name}.json_schema.name")
    if spec.get("strict") is not None:
        _bool(spec["strict"], f"{name}.json_schema.strict")
    if spec.get("schema") is not None:
        _schema(spec["schema"], f"{name}.json_schema.schema", f"response_format '{schema_name}'")
    return fmt


_AS_ABSENT: dict[str, Any] = {"stop": [], "logit_bias": {}, "response_format": {"type": "text"}}
"""Values that ask for what the provider does without them: a request giving one was a miss of its own."""

_CHECKS: dict[str, Any] = {
    "stop": _stop,
    "seed": lambda v, n: _integer(v, n, -(2**63), 2**63 - 1),
    "top_p": lambda v, n: _number(v, n, 0, 1),
    "presence_penalty": lambda v, n: _number(v, n, -2, 2),
    "frequency_penalty": lambda v, n: _number(v, n, -2, 2),
    "logit_bias": _logit_bias,
    "user": _string,
    "logprobs": _bool,
    "top_logprobs": lambda v, n: _integer(v, n, 0, 20),
    "tools": _tools,
    "tool_choice": _tool_choice,
    "parallel_tool_calls": _bool,
    "response_format": _response_format,
}


def unknown_model(model: str, known: list[str]) -> GatewayError:
    """OpenAI's 404 for a model this gateway does not serve, listing those it does."""
    listed = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
    return GatewayError(
        f"The model '{model}' does not exist on this gateway (NEARHIT_MODELS lists: {listed}).",
        status=404,
        param="model",
        code="model_not_found",
    )
