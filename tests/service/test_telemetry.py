"""Telemetry: the summary reads aggregates kept at write time (never the event stream), its percentiles are
within 5 %, and an outage is logged once, not once per event."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from nearhit.cache.keys import KeySpace
from nearhit.config import Settings
from nearhit.economics.observed import from_summary
from nearhit.service.telemetry import ColumnRecord, Telemetry
from tests.support.ports import free_port


@pytest.fixture
async def redis(redis_client: Redis, settings: Settings) -> AsyncIterator[Redis]:
    yield redis_client
    keys = KeySpace(settings.index_name)
    stale = [key async for key in redis_client.scan_iter(match=f"{keys.telemetry_buckets}*", count=1000)]
    await redis_client.delete(keys.telemetry_stream, keys.telemetry_totals, *stale)


def record(column: str = "cache", outcome: str = "miss", total_ms: float = 10.0, **more: Any) -> ColumnRecord:
    fields: dict[str, Any] = {
        "column": column, "outcome": outcome, "source": "ask", "model": "simulated-gpt-4o", "priced_as": "gpt-4o",
        "simulated": True, "tenant": "t", "prompt_tokens": 10, "completion_tokens": 20, "tokens_saved": 0,
        "cost_usd": 0.001, "cost_saved_usd": 0.0, "total_ms": total_ms, "ttft_ms": total_ms / 2,
    }  # fmt: skip
    return ColumnRecord(**(fields | more))


async def test_summary_comes_from_aggregates_not_from_the_events(redis: Redis, settings: Settings) -> None:
    keys = KeySpace(settings.index_name)
    telemetry = Telemetry(lambda: redis, keys)
    telemetry.record(record(outcome="miss"))
    telemetry.record(record(outcome="exact", prompt_tokens=0, completion_tokens=0, tokens_saved=30))
    telemetry.record(record(column="raw", outcome="llm", total_ms=900.0))
    telemetry.record(record(outcome="miss", ts=time.time() - 3600))  # an hour ago: all time, not the window
    await telemetry.flush()
    newest_model = (await telemetry.events(1))[0]["priced_as"]
    await redis.delete(keys.telemetry_stream)  # the summary must not need the events themselves

    summary = await telemetry.summary(300)
    all_time, window = summary["all_time"], summary["window"]
    assert (all_time["cache_requests"], all_time["exact_hits"], all_time["misses"]) == (3, 1, 2)
    assert (window["cache_requests"], window["exact_hits"], window["misses"]) == (2, 1, 1)
    assert window["raw_requests"] == 1 and window["tokens_saved"] == 30 and window["hit_rate"] == 0.5
    assert all_time["latency"]["cache"]["count"] == 3 and window["latency"]["cache"]["count"] == 2
    assert all_time["latency_sample"] == 4
    assert window["latency"]["raw"]["total_ms"]["p50"] == pytest.approx(900, rel=0.05)
    assert newest_model == "gpt-4o"
    assert from_summary(summary | {"priced_as": "gpt-4o"}).llm_latency_ms == pytest.approx(900, rel=0.05)


async def test_percentiles_are_within_five_percent(redis: Redis, settings: Settings) -> None:
    telemetry = Telemetry(lambda: redis, KeySpace(settings.index_name))
    values = [0.05, *range(1, 1001)]  # 1,001 latencies from 0.05 ms to 1 s
    for value in values:
        telemetry.record(record(total_ms=float(value)))
    telemetry.record(record(outcome="error", total_ms=99_999.0))  # errors are left out of latency
    await telemetry.flush()
    latency = (await telemetry.summary())["all_time"]["latency"]["cache"]
    assert latency["count"] == len(values)
    assert latency["total_ms"]["p50"] == pytest.approx(500, rel=0.05)
    assert latency["total_ms"]["p95"] == pytest.approx(950, rel=0.05)
    assert latency["ttft_ms"]["p50"] == pytest.approx(250, rel=0.05)


async def test_clear_removes_the_aggregates(redis: Redis, settings: Settings) -> None:
    telemetry = Telemetry(lambda: redis, KeySpace(settings.index_name))
    telemetry.record(record())
    await telemetry.flush()
    assert await telemetry.clear() == 1
    summary = await telemetry.summary()
    assert summary["all_time"]["cache_requests"] == summary["window"]["cache_requests"] == 0


async def test_a_summary_read_during_a_clear_is_not_shared_after_it(redis: Redis, settings: Settings) -> None:
    """A dashboard polling while the telemetry is cleared: its read, made before the delete, must not be the
    summary every caller gets for the next second."""
    telemetry = Telemetry(lambda: redis, KeySpace(settings.index_name))
    telemetry.record(record())
    await telemetry.flush()
    clearing = asyncio.ensure_future(telemetry.clear())
    await asyncio.sleep(0)  # the clear has begun: its reads are on the wire, nothing deleted yet
    during = asyncio.ensure_future(telemetry.summary())
    assert await clearing == 1
    await during
    summary = await telemetry.summary()
    assert summary["all_time"]["cache_requests"] == 0


async def test_an_outage_is_logged_once_and_counted(
    redis: Redis, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    dead = Redis(host="127.0.0.1", port=free_port(), retry=Retry(NoBackoff(), 0))  # refused at once
    current = [dead]
    telemetry = Telemetry(lambda: current[0], KeySpace(settings.index_name))
    with caplog.at_level(logging.INFO, logger="nearhit.service.telemetry"):
        for _ in range(10):
            telemetry.record(record())
        await telemetry.flush()
        assert telemetry.dropped == 10
        current[0] = redis
        for _ in range(3):
            telemetry.record(record())
        await telemetry.flush()
    messages = [r.getMessage() for r in caplog.records if r.name == "nearhit.service.telemetry"]
    assert len(messages) == 2, messages  # down once, back once
    assert "failing" in messages[0] and "resumed" in messages[1]
    # the events are lost from the stream, but their counts were kept and added once Redis was back
    assert telemetry.dropped == 10 and (await telemetry.summary())["all_time"]["cache_requests"] == 13
    await dead.aclose()


async def test_concurrent_polls_share_one_read(redis: Redis, settings: Settings) -> None:
    telemetry = Telemetry(lambda: redis, KeySpace(settings.index_name))
    telemetry.record(record())
    await telemetry.flush()

    async def reads() -> int:
        return int((await redis.info("commandstats")).get("cmdstat_xrevrange", {}).get("calls", 0))

    before = await reads()
    summaries = await asyncio.gather(*(telemetry.summary(300) for _ in range(20)))
    assert await reads() - before == 1  # one summary read (its XREVRANGE of the newest event) for all 20
    assert all(s["window"]["cache_requests"] == 1 for s in summaries)


async def test_events_are_written_in_batches_not_one_task_per_request(redis: Redis, settings: Settings) -> None:
    """Recording an event starts no task of its own: a request appends to a batch, written off the request."""
    keys = KeySpace(settings.index_name)
    telemetry = Telemetry(lambda: redis, keys)
    before = len(asyncio.all_tasks())
    for i in range(50):
        telemetry.record(record(outcome="miss", total_ms=float(i + 1)))
    assert len(asyncio.all_tasks()) - before <= 2  # the waiting batch write and the aggregates' flush
    await telemetry.flush()
    assert len(await telemetry.events(100)) == 50
    assert telemetry.dropped == 0
