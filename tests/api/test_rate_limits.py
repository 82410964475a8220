"""Per-caller request and token rate limits on ``/ask``, ``/ask/stream`` and the gateway, counted in Redis."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from nearhit.cache.keys import KeySpace
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.ratelimit import WINDOW_SECONDS, Limits, RateLimited, RateLimiter, seconds_until_under
from nearhit.service.runtime import Runtime
from tests.support.live import LiveServer, fast_llm, serve
from tests.support.ports import free_port
from tests.support.waiting import eventually

ALPHA = {"Authorization": "Bearer key-alpha-0123456789"}
BETA = {"Authorization": "Bearer key-beta-0123456789"}
CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "What is Redis?"}]}


async def a_minute_with_room(left: float = 10.0) -> None:
    """Wait, if need be, until the current minute has ``left`` seconds to go. The limiter counts by the minute and
    weighs the previous minute's count less as the new one goes on, so requests that straddle a minute's end let one
    more in than a test that counts to the limit expects (seen once, at a load of 10)."""
    await eventually(lambda: time.time() % WINDOW_SECONDS < WINDOW_SECONDS - left, timeout=left + 5)


@pytest.fixture
async def limited(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[LiveServer]:
    """A server with two keys and 3 requests per minute per key."""
    own = settings.model_copy(
        update={
            "gateway_keys": "key-alpha-0123456789=alpha,key-beta-0123456789=beta",
            "rate_limit_requests_per_minute": 3,
        }
    )
    runtime = Runtime(own, local_embedder, fast_llm())
    try:
        async with serve(own, runtime) as live:
            await a_minute_with_room()
            yield live
    finally:
        await runtime.close()


def assert_429(response: httpx.Response) -> str:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["retry-after"]) <= 120
    if response.request.url.path.startswith("/v1/"):
        error = response.json()["error"]
        assert error["code"] == "rate_limit_exceeded" and error["type"] == "requests"
        return str(error["message"])
    return str(response.json()["detail"])


async def test_ask_and_stream_share_a_per_key_request_limit(limited: LiveServer) -> None:
    client = limited.client
    body = {"prompt": "What is Redis?", "include_raw": False}
    assert (await client.post("/ask", json=body, headers=ALPHA)).status_code == 200
    assert (await client.post("/ask/stream", json=body, headers=ALPHA)).status_code == 200
    assert (await client.post("/ask", json=body, headers=ALPHA)).status_code == 200
    message = assert_429(await client.post("/ask", json=body, headers=ALPHA))
    assert "3 requests per minute" in message and "NEARHIT_RATE_LIMIT_REQUESTS_PER_MINUTE" in message
    assert_429(await client.post("/ask/stream", json=body, headers=ALPHA))
    assert (await client.post("/ask", json=body, headers=BETA)).status_code == 200  # another key, its own count


async def test_the_gateway_counts_chats_and_embeddings_and_answers_429_in_openais_shape(limited: LiveServer) -> None:
    client = limited.client
    for _ in range(2):
        assert (await client.post("/v1/chat/completions", json=CHAT, headers=BETA)).status_code == 200
    embeddings = {"model": "local", "input": "hello"}
    assert (await client.post("/v1/embeddings", json=embeddings, headers=BETA)).status_code == 200
    assert_429(await client.post("/v1/chat/completions", json=CHAT, headers=BETA))
    assert_429(await client.post("/v1/embeddings", json=embeddings, headers=BETA))


async def test_a_token_limit_counts_prompts_and_answers(settings: Settings, local_embedder: LocalEmbedder) -> None:
    own = settings.model_copy(update={"rate_limit_tokens_per_minute": 40})
    runtime = Runtime(own, local_embedder, fast_llm())
    try:
        async with serve(own, runtime) as live:
            long_prompt = "Explain in detail how a semantic cache for language models decides on a hit. " * 3
            first = await live.client.post("/ask", json={"prompt": long_prompt, "include_raw": False})
            assert first.status_code == 200
            second = await live.client.post("/ask", json={"prompt": "hi", "include_raw": False})
            assert second.status_code == 429 and "40 tokens per minute" in second.json()["detail"]
    finally:
        await runtime.close()


async def test_limits_are_off_by_default(live: LiveServer) -> None:
    responses = await asyncio.gather(
        *(live.client.post("/ask", json={"prompt": f"q{i}", "include_raw": False}) for i in range(8))
    )
    assert [r.status_code for r in responses] == [200] * 8


async def test_concurrent_requests_cannot_slip_under_the_limit(redis_client: Redis, index_name: str) -> None:
    limiter = RateLimiter(lambda: redis_client, KeySpace(index_name), Limits(requests_per_minute=5))
    await a_minute_with_room()
    results = await asyncio.gather(*(limiter.admit("key:x") for _ in range(20)), return_exceptions=True)
    assert sum(r is None for r in results) == 5
    assert all(isinstance(r, RateLimited) for r in results if r is not None)
    await limiter.admit("key:y")  # another caller
    await redis_client.delete(*[k async for k in redis_client.scan_iter(match=f"nearhit:{index_name}:ratelimit:*")])


async def test_without_redis_the_limiter_lets_requests_through_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dead = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    limiter = RateLimiter(lambda: dead, KeySpace("t"), Limits(requests_per_minute=1))
    with caplog.at_level(logging.WARNING, logger="nearhit.ratelimit"):
        for _ in range(3):
            await limiter.admit("key:x")
    assert len([r for r in caplog.records if r.name == "nearhit.ratelimit"]) == 1
    await dead.aclose()


@pytest.mark.parametrize(
    ("previous", "current", "gone", "limit", "expected"),
    [
        (0, 5, 0.5, 5, 30 + 12),  # this minute is full: wait for the next one and 1/5 of it
        (10, 0, 0.5, 5, 6),  # the previous minute's 10 weigh 5 now, 4 once 60% of this one is gone
        (10, 4, 0.0, 5, 60),  # the previous minute must have slid out completely
    ],
)
def test_retry_after_is_when_the_window_has_slid_enough(
    previous: float, current: float, gone: float, limit: int, expected: int
) -> None:
    assert seconds_until_under(previous, current, gone, limit) == expected
