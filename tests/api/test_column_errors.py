"""Columns fail loudly: an exception inside a column ends it with an ``error`` (or, in the cache part, a
``degraded`` answer from the LLM) and a logged traceback, and ``/ask/stream`` completes every column."""

from __future__ import annotations

from nearhit.cache import Scope
from tests.api.conftest import LiveServer
from tests.support.failing_parts import BrokenLLM, break_the_guards, nearhit_log
from tests.support.sse import ask_stream

QUESTION = "What is the capital of France?"
PARAPHRASE = "Which city is France's capital?"


async def store_question(live: LiveServer) -> None:
    cache = await live.runtime.cache()
    await cache.store(QUESTION, "Paris.", Scope.build(model=live.runtime.provider.model))


def completes(stream: list[tuple[str, dict]]) -> dict[str, dict]:
    return {d["column"]: d for k, d in stream if k == "column_complete"}


async def test_a_guard_that_raises_degrades_the_cache_column_to_the_llm(live: LiveServer) -> None:
    await store_question(live)
    await break_the_guards(live.runtime)
    with nearhit_log() as log:
        stream = await ask_stream(live.client, {"prompt": PARAPHRASE, "threshold": 0.5})
    kinds = [k for k, _ in stream]
    assert kinds[-1] == "stream_complete" and kinds.count("column_complete") == 2
    done = completes(stream)
    assert done["raw"]["status"] == "done"
    assert done["cache"]["status"] == "degraded" and "guard bug" in done["cache"]["error"]
    assert done["cache"]["degraded"] is True and done["cache"]["completion_tokens"] > 0
    document = next(d for k, d in stream if k == "cache_document")
    assert document["degraded"] is True and "guard bug" in document["reason"]
    answer = "".join(d["content"] for k, d in stream if k == "content_chunk" and d["column"] == "cache")
    assert answer  # the user still got an answer, from the LLM
    assert any("cache lookup failed" in message for message in log.tracebacks())


async def test_an_llm_bug_is_an_error_in_both_columns_of_the_stream(live: LiveServer) -> None:
    live.runtime.provider = BrokenLLM("gpt-4o", ttft_ms=5, tokens_per_second=2000)
    with nearhit_log() as log:
        stream = await ask_stream(live.client, {"prompt": QUESTION})
    kinds = [k for k, _ in stream]
    assert kinds[-1] == "stream_complete" and kinds.count("column_complete") == 2
    assert kinds.index("column_complete") < kinds.index("stream_complete")
    for column in ("raw", "cache"):
        done = completes(stream)[column]
        assert done["status"] == "error" and done["outcome"] == "error"
        assert "RuntimeError: provider bug" in done["error"]
    assert set(stream[-1][1]["columns"]) == {"raw", "cache"}
    assert sum("column failed" in message for message in log.tracebacks()) == 2


async def test_ask_json_reports_the_error_in_the_column(live: LiveServer) -> None:
    live.runtime.provider = BrokenLLM("gpt-4o", ttft_ms=5, tokens_per_second=2000)
    response = await live.client.post("/ask", json={"prompt": QUESTION})
    assert response.status_code == 200
    for column in ("raw", "cache"):
        assert response.json()[column]["status"] == "error"
        assert "provider bug" in response.json()[column]["error"]


async def test_ask_json_with_a_broken_guard_answers_degraded(live: LiveServer) -> None:
    await store_question(live)
    await break_the_guards(live.runtime)
    response = await live.client.post("/ask", json={"prompt": PARAPHRASE, "threshold": 0.5, "include_raw": False})
    assert response.status_code == 200
    cache = response.json()["cache"]
    assert cache["status"] == "degraded" and cache["answer"] and "guard bug" in cache["error"]
