"""The simulated model's tool calls and structured answers: deterministic, valid for the schema, labelled.

So the offline demo and the tests cover tools and ``response_format`` without a real model: the call's id
starts with ``call_simulated_`` and every free string it fills in is ``"simulated"``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from nearhit.llm.base import ChatMessage, ToolCall

LABEL = "simulated"
_MAX_DEPTH = 8


def tool_call(messages: Sequence[ChatMessage], params: Mapping[str, Any]) -> ToolCall | None:
    """The call the simulated model makes when offered ``tools``: the function ``tool_choice`` names, else
    the first one; None when no tool is offered, ``tool_choice`` is ``none`` or the last turn is a tool
    result (the model then answers in words, as a real one would)."""
    tools = params.get("tools") or []
    choice = params.get("tool_choice")
    if not tools or choice == "none" or (messages and messages[-1].role == "tool"):
        return None
    functions = [tool["function"] for tool in tools if tool.get("type") == "function"]
    if not functions:
        return None
    chosen = functions[0]
    if isinstance(choice, dict):
        wanted = choice.get("function", {}).get("name")
        chosen = next((f for f in functions if f.get("name") == wanted), chosen)
    arguments = json.dumps(instance(chosen.get("parameters") or {"type": "object"}), separators=(",", ":"))
    seed = json.dumps([[m.role, m.content] for m in messages] + [chosen.get("name")], ensure_ascii=False)
    call_id = "call_simulated_" + hashlib.sha256(seed.encode()).hexdigest()[:16]
    return ToolCall(call_id, str(chosen.get("name")), arguments)


def structured(text: str, response_format: Mapping[str, Any] | None) -> str:
    """The answer in the asked format: JSON holding the text, or an instance of the JSON schema."""
    kind = (response_format or {}).get("type")
    if kind == "json_object":
        return json.dumps({"answer": text, "simulated": True}, ensure_ascii=False)
    if kind == "json_schema":
        schema = (response_format or {}).get("json_schema", {}).get("schema") or {"type": "object"}
        return json.dumps(instance(schema), ensure_ascii=False)
    return text


def instance(schema: Any, depth: int = 0) -> Any:
    """A small value that the JSON schema accepts: required properties, first enum value, minimums."""
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return LABEL
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if schema.get(combinator):
            return instance(schema[combinator][0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        properties: dict[str, Any] = schema.get("properties") or {}
        names = schema.get("required") or list(properties)
        return {name: instance(properties.get(name, {}), depth + 1) for name in names}
    if kind == "array":
        count = int(schema.get("minItems") or 0)
        return [instance(schema.get("items", {}), depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return LABEL
