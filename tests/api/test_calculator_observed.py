"""``GET /calculator/observed``: the calculator's inputs from this service's own telemetry."""

from __future__ import annotations

from tests.support.live import LiveServer
from tests.support.sse import ask_stream


async def test_observed_needs_telemetry_then_reflects_it(live: LiveServer) -> None:
    empty = await live.client.get("/calculator/observed")
    assert empty.status_code == 409 and "no telemetry yet" in empty.json()["detail"]

    first = await ask_stream(live.client, {"prompt": "What is an observed mode?", "include_raw": False})
    await live.runtime.telemetry.flush()
    miss = next(d for k, d in first if k == "column_complete")
    observed = (await live.client.get("/calculator/observed")).json()
    assert observed["requests"] == 1 and observed["hit_rate"] == 0.0
    assert observed["input_tokens"] == miss["prompt_tokens"]
    assert observed["output_tokens"] == miss["completion_tokens"]
    assert observed["model"] == "gpt-4o"
