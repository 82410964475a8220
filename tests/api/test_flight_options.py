"""Single-flight and the cache scope respect the request's options: waiters that disagree on what is done
with the answer (store or not, its TTL) do not share a generation, and an answer sampled at a temperature
above the cache limit is neither served from nor put into the cache."""

from __future__ import annotations

from nearhit.service.answering import Answerer
from nearhit.service.request import AskRequest
from tests.api.conftest import LiveServer
from tests.support.live import fast_llm
from tests.support.sse import ask_stream, events

QUESTION = "What does single-flight share between callers?"


def cache_complete(stream: list[tuple[str, dict]]) -> dict:
    return next(d for k, d in stream if k == "column_complete" and d["column"] == "cache")


async def test_the_flight_key_holds_what_changes_the_answer_or_its_store(live: LiveServer) -> None:
    key = Answerer(live.runtime).flight_key
    base = AskRequest(QUESTION)
    for different in (
        AskRequest(QUESTION, store=False),
        AskRequest(QUESTION, ttl=60),
        AskRequest(QUESTION, temperature=0.3),
        AskRequest(QUESTION, max_tokens=10),
        AskRequest(QUESTION, tenant="other"),
        AskRequest(QUESTION, lookup=False),  # no-cache: never handed a lookup request's answer
    ):
        assert key(different) != key(base), different
    assert key(AskRequest(QUESTION, threshold=0.5)) == key(base)  # the threshold only steers the lookup
    assert key(AskRequest(QUESTION.upper())) == key(base)


async def test_a_follower_that_wants_its_answer_stored_gets_it_stored(live: LiveServer) -> None:
    live.runtime.provider = fast_llm(ttft_ms=50, tokens_per_second=200)  # slow enough to join mid-answer
    leader_body = {"prompt": QUESTION, "include_raw": False, "no_store": True}
    async with live.client.stream("POST", "/ask/stream", json=leader_body) as response:
        async for kind, _ in events(response):
            if kind == "content_chunk":  # the leader's generation is under way: the follower comes now
                follower = await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False})
                break
    assert cache_complete(follower)["store"] == "stored"
    again = await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False})
    assert cache_complete(again)["outcome"] == "exact"


async def test_a_hot_temperature_answer_is_not_stored_nor_served_a_hit(live: LiveServer) -> None:
    limit = live.runtime.settings.gateway_max_temperature
    hot = {"prompt": QUESTION, "include_raw": False, "temperature": 2.0}
    stream = await ask_stream(live.client, hot)
    document = next(d for k, d in stream if k == "cache_document")
    assert document["match"] is None and f"above the cache limit {limit:g}" in document["reason"]
    done = cache_complete(stream)
    assert done["outcome"] == "bypass" and done["store"] == "skipped" and "temperature 2" in done["store_reason"]
    assert (
        cache_complete(await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False}))["outcome"] == "miss"
    )
    # ... and the answer stored at the default temperature is not served to a hot request either
    assert cache_complete(await ask_stream(live.client, hot))["outcome"] == "bypass"
    at_limit = {"prompt": QUESTION, "include_raw": False, "temperature": limit}
    assert cache_complete(await ask_stream(live.client, at_limit))["outcome"] == "exact"
