"""The messages of a chat request: the system prompt, the earlier turns and the last one (the prompt), read
and checked as OpenAI checks them (tool results answer a preceding call, content parts are text)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from nearhit.gateway.errors import GatewayError, invalid, json_type, shown, unrecognised, unsupported
from nearhit.llm import ChatMessage, ToolCall
from nearhit.validate import MAX_SYSTEM_PROMPT_CHARS

_MESSAGE_FIELDS = {"role", "content", "name", "tool_calls", "function_call", "tool_call_id", "refusal"}
_ROLES = ("system", "developer", "user", "assistant", "tool")
_SYSTEM_ROLES = ("system", "developer")


def conversation(messages: Any) -> tuple[str | None, tuple[ChatMessage, ...], ChatMessage]:
    """(system prompt, earlier turns, last turn). Leading system/developer messages are the system prompt;
    the last turn, a user message or a tool result, is what the cache looks up."""
    if messages is None:
        raise invalid("Missing required parameter: 'messages'.", "messages", "missing_required_parameter")
    if not isinstance(messages, list):
        raise invalid(f"Invalid type for 'messages': expected an array, got {json_type(messages)}.", "messages")
    if not messages:
        raise invalid("'messages' must contain at least one message.", "messages", "empty_array")
    turns = [_message(m, i) for i, m in enumerate(messages)]
    _check_tool_results(turns)
    lead = 0
    while lead < len(turns) and turns[lead].role == "system":
        lead += 1
    system = "\n\n".join(t.content for t in turns[:lead]) or None
    if system is not None and len(system) > MAX_SYSTEM_PROMPT_CHARS:  # as /ask's system_prompt: not unbounded
        raise GatewayError(
            f"The system messages are too large: {len(system):,} characters in all; the limit is "
            f"{MAX_SYSTEM_PROMPT_CHARS:,} characters",
            status=413,
            param="messages",
            code="request_too_large",
        )
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
    message = json_object(message, where, f"'{where}'")
    # An assistant's ``audio`` is OpenAI's too: null, as the SDK sends back a reply, is its default.
    unknown = set(message) - _MESSAGE_FIELDS - ({"audio"} if message.get("role") == "assistant" else set())
    if unknown:
        raise unrecognised(f"{where}.{sorted(unknown)[0]}")
    role = message.get("role")
    if role == "function" or message.get("function_call"):
        raise unsupported(
            f"{where}.role" if role == "function" else f"{where}.function_call", "legacy function messages are"
        )
    if not isinstance(role, str) or role not in _ROLES:
        raise invalid(
            f"Invalid value for '{where}.role': {shown(role)}. "
            "Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.",
            f"{where}.role",
            "invalid_value",
        )
    if message.get("name") is not None:
        raise unsupported(f"{where}.name", "participant names on messages are")
    if message.get("audio") is not None:
        raise unsupported(f"{where}.audio", "audio references in earlier replies are")
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
    refusal = message.get("refusal")
    if refusal is not None and role != "assistant":
        raise invalid(f"'{where}.refusal' is only allowed on assistant messages.", f"{where}.refusal")
    if refusal is not None and not isinstance(refusal, str):
        raise invalid(f"Invalid type for '{where}.refusal': expected a string.", f"{where}.refusal", "invalid_type")
    if refusal:  # the model's refusal, sent back as the SDK's message holds it: its words, forwarded and scoped
        content = refusal if raw is None or raw == "" else _content(raw, f"{where}.content") + refusal
    else:
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
    if not value:  # OpenAI refuses it: a turn without calls leaves the field out
        raise invalid(
            f"Invalid '{where}': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            where,
            "empty_array",
        )
    calls = []
    for i, call in enumerate(value):
        call = json_object(call, f"{where}[{i}]", f"'{where}[{i}]'")
        if call.get("type") != "function":  # a call of another type would be forwarded as if it were one
            kind = call.get("type")
            raise invalid(
                f"Invalid value for '{where}[{i}].type': {json.dumps(kind)[:64]}. Supported values are: 'function'."
                if kind is not None
                else f"Missing required parameter: '{where}[{i}].type'.",
                f"{where}[{i}].type",
                "invalid_value" if kind is not None else "missing_required_parameter",
            )
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
            f"Invalid type for '{where}': expected a string or an array of text parts, got {json_type(content)}.",
            where,
            "invalid_type",
        )
    texts: list[str] = []
    for j, part in enumerate(content):
        part_where = f"{where}[{j}]"
        part = json_object(part, part_where, f"'{part_where}'")
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


def json_object(value: Any, param: str | None, what: str) -> dict[str, Any]:
    """``value`` if it is a JSON object, else a 400 naming ``param``."""
    if not isinstance(value, dict):
        raise invalid(f"Invalid type for {what}: expected an object, got {json_type(value)}.", param)
    return value
