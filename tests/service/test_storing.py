"""``storing.storer``: a miss's answer stored once its generation ends; a tool-call answer's calls assembled once,
so what is checked (a call the request allowed) is what is stored. The real embedded Redis."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from nearhit.cache import stored_answer
from nearhit.cache.index import drop_index
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.llm import LLMEvent, StreamEnd, ToolCall, ToolCallDelta, Usage, assemble_tool_calls
from nearhit.service import storing
from nearhit.service.request import AskRequest
from nearhit.service.runtime import Runtime
from tests.gateway.test_dropin import WEATHER
from tests.support.live import fast_llm

CALL = [
    ToolCallDelta(0, "", "call_1", "get_weather"),
    ToolCallDelta(0, '{"city": "Paris", '),
    ToolCallDelta(0, '"unit": "C"}'),
]


@pytest.mark.parametrize(("params", "outcome"), [({"tools": [WEATHER]}, "stored"), ({}, "skipped")])
async def test_a_tool_calls_deltas_are_assembled_once_for_its_store(
    settings: Settings,
    local_embedder: LocalEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, Any],
    outcome: str,
) -> None:
    assembled: list[int] = []
    assemble = assemble_tool_calls

    def counted(deltas: Sequence[ToolCallDelta]) -> tuple[ToolCall, ...]:
        assembled.append(len(deltas))
        return assemble(deltas)

    monkeypatch.setattr(storing, "assemble_tool_calls", counted)
    runtime = Runtime(settings, local_embedder, fast_llm())
    try:
        cache = await runtime.cache()
        request = AskRequest("What's the weather in Paris?", params=params).checked("gpt-4o", settings.max_prompt_chars)
        assert request.query is not None
        events: list[LLMEvent] = [*CALL, StreamEnd(Usage(12, 9), "tool_calls", "gpt-4o")]
        result = await storing.storer(runtime, request, request.query, "gpt-4o")([*events])
        assert result.outcome == outcome, result
        assert assembled == [3]
        found = await cache.lookup(request.query)
        if outcome == "stored":
            assert found.answer is not None
            assert stored_answer.decode(found.answer.response)[1] == storing.tool_calls(events)
        else:
            assert not found.hit and "which the request did not offer" in (result.reason or ""), result.reason
    finally:
        cache = await runtime.cache()
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await runtime.close()
