"""The simulated model with a per-call model, tools, response formats and stop sequences."""

from __future__ import annotations

import json

from nearhit.llm import ChatMessage, SimulatedLLM, StreamEnd, TextChunk, ToolCallDelta, assemble_tool_calls
from nearhit.llm.simulated_tools import instance

QUESTION = [ChatMessage("user", "What's the weather in Paris?")]
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
            "required": ["city", "days"],
        },
    },
}


def model() -> SimulatedLLM:
    return SimulatedLLM("gpt-4o", ttft_ms=0, tokens_per_second=100_000)


async def test_tools_get_a_labelled_deterministic_call() -> None:
    events = [e async for e in model().stream(QUESTION, params={"tools": [TOOL]})]
    again = [e async for e in model().stream(QUESTION, params={"tools": [TOOL]})]
    assert events == again
    end = events[-1]
    assert isinstance(end, StreamEnd) and end.finish_reason == "tool_calls" and end.usage.completion_tokens > 0
    [call] = assemble_tool_calls([e for e in events if isinstance(e, ToolCallDelta)])
    assert call.id.startswith("call_simulated_") and call.name == "get_weather"
    assert json.loads(call.arguments) == {"city": "simulated", "days": 1}
    none = [e async for e in model().stream(QUESTION, params={"tools": [TOOL], "tool_choice": "none"})]
    assert not any(isinstance(e, ToolCallDelta) for e in none)


async def test_a_per_call_model_response_format_and_stop() -> None:
    events = [e async for e in model().stream(QUESTION, model="gpt-4o-mini", params={"stop": ["."]})]
    text = "".join(e.text for e in events if isinstance(e, TextChunk))
    end = events[-1]
    assert isinstance(end, StreamEnd) and end.model == "simulated-gpt-4o-mini"
    assert text and "." not in text
    fmt = {"type": "json_object"}
    events = [e async for e in model().stream(QUESTION, params={"response_format": fmt})]
    answer = json.loads("".join(e.text for e in events if isinstance(e, TextChunk)))
    assert answer["simulated"] is True and answer["answer"]


def test_schema_instances() -> None:
    assert instance({"type": "array", "items": {"type": "string"}, "minItems": 2}) == ["simulated", "simulated"]
    assert instance({"anyOf": [{"type": "null"}, {"type": "boolean"}]}) is None
    assert instance({"type": ["null", "number"], "minimum": 3}) == 3
    assert instance({"enum": ["a", "b"]}) == "a"
