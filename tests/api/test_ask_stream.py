"""``/ask/stream`` and ``/ask`` over a real socket: event order and schema, hits before the raw column,
store-after-completion, single-flight, disconnects, telemetry, the simulated model's label."""

from __future__ import annotations

import asyncio

import pytest

from nearhit.cache import Scope
from nearhit.service.answering import Answerer
from nearhit.service.request import AskRequest
from tests.support.live import LiveServer, fast_llm
from tests.support.sse import ask_stream, events
from tests.support.waiting import eventually, settled

QUESTION = "How does Redis persist data to disk?"
EVENT_TYPES = {"column_start", "content_chunk", "cache_document", "column_complete", "stream_complete"}


def by_column(stream: list[tuple[str, dict]], column: str) -> list[tuple[str, dict]]:
    return [(kind, data) for kind, data in stream if data.get("column") == column]


async def test_miss_event_order_and_schema(live: LiveServer) -> None:
    stream = await ask_stream(live.client, {"prompt": QUESTION})
    kinds = [kind for kind, _ in stream]
    assert set(kinds) == EVENT_TYPES
    assert kinds[:2] == ["column_start", "column_start"] and kinds[-1] == "stream_complete"
    seqs = [data["seq"] for _, data in stream]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)  # monotonic across both columns
    cache = by_column(stream, "cache")
    assert [k for k, _ in cache][:2] == ["column_start", "cache_document"]
    document = cache[1][1]
    assert document["match"] is None and document["hit"] is False
    assert {"similarity", "distance", "threshold", "doc_id", "embedding", "query", "timings_ms"} <= set(document)
    assert document["query"]["command"] == "FT.SEARCH"
    for column in ("raw", "cache"):
        events_of = by_column(stream, column)
        complete = events_of[-1][1]
        assert events_of[-1][0] == "column_complete"
        assert complete["status"] == "done" and complete["finish_reason"] == "stop"
        assert complete["prompt_tokens"] > 0 and complete["completion_tokens"] > 0
        assert complete["ttft_ms"] > 0 and complete["total_ms"] >= complete["ttft_ms"]
        assert complete["cost_usd"] > 0
    assert by_column(stream, "cache")[-1][1]["outcome"] == "miss"
    assert by_column(stream, "raw")[-1][1]["outcome"] == "llm"


async def test_hit_streams_first_and_completes_before_raw_first_token(live: LiveServer) -> None:
    await ask_stream(live.client, {"prompt": QUESTION})
    await live.runtime.telemetry.flush()
    await settled(live.runtime)  # the store ends the flight
    # A provider whose first token takes half a second (the replay takes milliseconds): a replay that did not
    # finish long before it is a bug, not bad luck.
    live.runtime.provider = fast_llm(ttft_ms=500)
    stream = await ask_stream(live.client, {"prompt": "how does redis persist data to disk"})
    document = next(data for kind, data in stream if kind == "cache_document")
    assert document["match"] == "exact" and document["doc_id"]
    first_raw_chunk = next(d["seq"] for k, d in stream if k == "content_chunk" and d["column"] == "raw")
    first_cache_chunk = next(d["seq"] for k, d in stream if k == "content_chunk" and d["column"] == "cache")
    cache_complete = next(d for k, d in stream if k == "column_complete" and d["column"] == "cache")
    assert first_cache_chunk < first_raw_chunk
    assert cache_complete["seq"] < first_raw_chunk  # the whole cached answer before the LLM's first token
    assert cache_complete["outcome"] == "exact" and cache_complete["tokens_saved"] > 0
    assert cache_complete["cost_saved_usd"] > 0 and cache_complete["cost_usd"] == 0
    cache_chunks = [d["content"] for k, d in stream if k == "content_chunk" and d["column"] == "cache"]
    size = live.runtime.settings.hit_chunk_chars  # a few pieces of NEARHIT_HIT_CHUNK_CHARS, not word by word
    assert len(cache_chunks) == -(-len("".join(cache_chunks)) // size)
    assert "Simulated answer" in "".join(cache_chunks)


async def test_semantic_hit_carries_similarity(live: LiveServer) -> None:
    await ask_stream(live.client, {"prompt": "What is the capital of France?", "include_raw": False})
    await settled(live.runtime)
    stream = await ask_stream(
        live.client, {"prompt": "What's the capital of France?", "include_raw": False, "threshold": 0.8}
    )
    document = next(data for kind, data in stream if kind == "cache_document")
    assert document["match"] == "semantic", document
    assert 0.8 <= document["similarity"] < 1 and document["threshold"] == 0.8


async def test_miss_is_stored_only_after_completion(live: LiveServer) -> None:
    live.runtime.provider = fast_llm(ttft_ms=50, tokens_per_second=150)  # slow enough to look mid-stream
    cache = await live.runtime.cache()
    scope = Scope.build(model=live.runtime.provider.model)
    async with live.client.stream("POST", "/ask/stream", json={"prompt": QUESTION, "include_raw": False}) as response:
        checked = False
        async for kind, _ in events(response):
            if kind == "content_chunk" and not checked:
                assert live.runtime.flights.in_flight(Answerer(live.runtime).flight_key(AskRequest(QUESTION)))
                assert not (await cache.lookup(QUESTION, scope)).hit  # mid-stream: nothing stored yet
                checked = True
    assert checked, "the stream ended before its first piece of text: nothing was checked mid-stream"
    await settled(live.runtime)
    assert (await cache.lookup(QUESTION, scope)).match == "exact"


async def test_twenty_concurrent_identical_prompts_cost_one_llm_call(live: LiveServer) -> None:
    before = live.runtime.flights.started
    body = {"prompt": "Explain single-flight request coalescing.", "include_raw": False}
    streams = await asyncio.gather(*(ask_stream(live.client, body) for _ in range(20)))
    assert live.runtime.flights.started - before == 1
    answers = {"".join(d["content"] for k, d in s if k == "content_chunk") for s in streams}
    assert len(answers) == 1 and next(iter(answers))


async def test_disconnect_cancels_the_generation_and_stores_nothing(live: LiveServer) -> None:
    live.runtime.provider = fast_llm(ttft_ms=50, tokens_per_second=60)
    cache = await live.runtime.cache()
    prompt = "A question whose asker hangs up early"
    async with live.client.stream("POST", "/ask/stream", json={"prompt": prompt, "include_raw": False}) as response:
        async for kind, _ in events(response):
            if kind == "content_chunk":
                break  # leave mid-answer
    await settled(live.runtime)  # nobody needed it any more: cancelled
    assert not (await cache.lookup(prompt, Scope.build(model=live.runtime.provider.model))).hit


async def test_clients_that_leave_mid_answer_leave_no_task_and_nothing_stored(live: LiveServer) -> None:
    """Ten clients hang up mid-answer, on /ask/stream and on the gateway's stream: every generation is cancelled,
    none half-stored, and the server's tasks come back to what they were (none leaked per request)."""
    live.runtime.provider = fast_llm(ttft_ms=20, tokens_per_second=60)
    cache = await live.runtime.cache()
    await settled(live.runtime)
    before = len(asyncio.all_tasks())

    async def leave(number: int) -> None:
        prompt = f"Question {number} of a client who hangs up early"
        if number % 2:
            body = {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": prompt}]}
            async with live.client.stream("POST", "/v1/chat/completions", json=body) as response:
                async for line in response.aiter_lines():
                    if '"content":"' in line and '"content":""' not in line:
                        break  # a first piece of text: leave
        else:
            async with live.client.stream("POST", "/ask/stream", json={"prompt": prompt}) as response:
                async for kind, _ in events(response):
                    if kind == "content_chunk":
                        break

    await asyncio.gather(*(leave(number) for number in range(10)))
    await settled(live.runtime)

    async def back() -> bool:
        assert len(asyncio.all_tasks()) <= before + 1, [t.get_coro() for t in asyncio.all_tasks()]
        return True

    await eventually(back)  # the connections' own tasks end with them; nothing per request stays behind
    assert (await cache.stats()).entries == 0


async def test_scope_fields_isolate_answers(live: LiveServer) -> None:
    await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False, "tenant": "acme"})
    await settled(live.runtime)
    for body in (
        {"tenant": "globex"},
        {"tenant": "acme", "system_prompt": "Answer like a pirate."},
        {"tenant": "acme", "conversation_id": "conv-2"},
    ):
        stream = await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False, **body})
        assert next(d for k, d in stream if k == "cache_document")["match"] is None, body
    stream = await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False, "tenant": "acme"})
    assert next(d for k, d in stream if k == "cache_document")["match"] == "exact"


async def test_ask_one_shot_json(live: LiveServer) -> None:
    first = (await live.client.post("/ask", json={"prompt": QUESTION})).json()
    assert first["simulated"] is True and first["model"] == "simulated-gpt-4o"
    assert first["raw"]["answer"] and first["raw"]["outcome"] == "llm"
    assert first["cache"]["outcome"] == "miss" and first["cache"]["cache_document"]["hit"] is False
    await settled(live.runtime)
    second = (await live.client.post("/ask", json={"prompt": QUESTION, "include_raw": False})).json()
    assert "raw" not in second
    assert second["cache"]["outcome"] == "exact" and second["cache"]["answer"] == first["cache"]["answer"]


async def test_telemetry_sums_match_the_answers(live: LiveServer) -> None:
    completes = []
    for prompt in (QUESTION, QUESTION, "What is a vector index?", "what is a vector index"):
        stream = await ask_stream(live.client, {"prompt": prompt})
        completes += [d for k, d in stream if k == "column_complete"]
        await settled(live.runtime)
    await live.runtime.telemetry.flush()
    summary = (await live.client.get("/telemetry/summary")).json()
    totals = summary["all_time"]
    cache_events = [c for c in completes if c["column"] == "cache"]
    assert totals["cache_requests"] == 4 and totals["raw_requests"] == 4
    assert totals["exact_hits"] == 2 and totals["misses"] == 2 and totals["hit_rate"] == 0.5
    assert totals["tokens_saved"] == sum(c["tokens_saved"] for c in cache_events)
    assert totals["cost_saved_usd"] == pytest.approx(sum(c["cost_saved_usd"] for c in cache_events), abs=1e-6)
    assert totals["raw_cost_usd"] == pytest.approx(
        sum(c["cost_usd"] for c in completes if c["column"] == "raw"), abs=1e-6
    )
    assert summary["window"]["cache_requests"] == 4
    assert summary["all_time"]["latency"]["cache"]["count"] == 4
    assert summary["simulated"] is True and summary["priced_as"] == "gpt-4o"
    info = (await live.client.get("/telemetry/stream-info")).json()
    assert info["length"] == 8
    assert (await live.client.delete("/telemetry/clear")).json() == {"deleted_events": 8}


async def test_simulated_model_is_labelled(live: LiveServer) -> None:
    stream = await ask_stream(live.client, {"prompt": "Tell me about HNSW graphs."})
    for kind, data in stream:
        if kind == "column_complete":
            assert data["simulated"] is True and data["model"] == "simulated-gpt-4o"
    answer = "".join(d["content"] for k, d in stream if k == "content_chunk" and d["column"] == "raw")
    assert "Simulated answer" in answer
    readiness = (await live.client.get("/readiness")).json()
    assert readiness["llm"] == {"ok": True, "model": "simulated-gpt-4o", "simulated": True}
    test = (await live.client.get("/llm/test")).json()
    assert test["simulated"] is True and test["answer"]
