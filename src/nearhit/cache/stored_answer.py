"""A stored answer that is a tool call, in the cache's one ``response`` text field.

A tool-call answer has no text to store, so its calls are written as JSON behind a marker models do not write
on their own (the ASCII record separator). Scopes keep these entries apart: a tool-call answer is stored only
in a scope that holds the tools' digest, which a plain text request never builds. A model can still be asked to
write the marker: a text answer that starts with it is stored behind the marker too, with no calls, so it is
replayed as the text it was, never as a call the model did not make; and a marker with no valid calls behind it
(written by hand through the admin API) reads as text, not as an error on every hit.
"""

from __future__ import annotations

import json

from nearhit import foreign_json
from nearhit.llm.base import ToolCall

_MARKER = "\x1etool_calls\x1e"


def encode(text: str, calls: tuple[ToolCall, ...]) -> str:
    """The ``response`` to store: the text as it is, or the marker and the calls as JSON."""
    if not calls and not text.startswith(_MARKER):
        return text
    body = {"content": text or None, "tool_calls": [[c.id, c.name, c.arguments] for c in calls]}
    return _MARKER + json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def decode(response: str) -> tuple[str, tuple[ToolCall, ...]]:
    """(text, tool calls) of a stored ``response``."""
    if not response.startswith(_MARKER):
        return response, ()
    body = foreign_json.read(response[len(_MARKER) :])
    try:
        text = body.get("content") or ""
        calls = tuple(ToolCall(*call) for call in body["tool_calls"])
    except (TypeError, KeyError, AttributeError):
        return response, ()
    if not isinstance(text, str) or not all(
        isinstance(field, str) for call in calls for field in (call.id, call.name, call.arguments)
    ):
        return response, ()
    return text, calls
