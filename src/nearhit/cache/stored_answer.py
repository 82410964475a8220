"""A stored answer that is a tool call, in the cache's one ``response`` text field.

A tool-call answer has no text to store, so its calls are written as JSON behind a marker no model writes
(the ASCII record separator). Scopes keep these entries apart: a tool-call answer is stored only in a scope
that holds the tools' digest, which a plain text request never builds.
"""

from __future__ import annotations

import json

from nearhit.llm.base import ToolCall

_MARKER = "\x1etool_calls\x1e"


def encode(text: str, calls: tuple[ToolCall, ...]) -> str:
    """The ``response`` to store: the text as it is, or the marker and the calls as JSON."""
    if not calls:
        return text
    body = {"content": text or None, "tool_calls": [[c.id, c.name, c.arguments] for c in calls]}
    return _MARKER + json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def decode(response: str) -> tuple[str, tuple[ToolCall, ...]]:
    """(text, tool calls) of a stored ``response``."""
    if not response.startswith(_MARKER):
        return response, ()
    body = json.loads(response[len(_MARKER) :])
    return body.get("content") or "", tuple(ToolCall(*call) for call in body["tool_calls"])
