"""Telemetry: one event per column completion in a capped Redis Stream, plus all-time counters.

Writing is fire-and-forget: a slow or absent Redis never delays nor fails a user's request (a lost event is
counted in ``dropped``). Summaries read the counters (all time) and the newest stream entries (latency
percentiles, recent window).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError

from nearhit import metrics
from nearhit.cache.keys import KeySpace
from nearhit.stats import percentile

Column = Literal["raw", "cache"]
Outcome = Literal["llm", "exact", "semantic", "miss", "bypass", "error"]
Source = Literal["ask", "gateway"]

LATENCY_SAMPLE = 10_000  # newest events the all-time percentiles are computed over

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ColumnRecord:
    """What one column did for one request: the unit every figure adds up from."""

    column: Column
    outcome: Outcome
    source: Source
    model: str
    priced_as: str
    simulated: bool
    tenant: str
    prompt_tokens: int
    completion_tokens: int
    tokens_saved: int
    cost_usd: float
    cost_saved_usd: float
    total_ms: float
    ttft_ms: float | None = None
    similarity: float | None = None
    degraded: bool = False
    error: str | None = None
    ts: float = 0.0
    lookup_ms: float | None = None
    rejected_by: str | None = None  # the guard that refused the best candidate above the threshold
    joined: bool = False  # shared a generation another request started (single-flight)

    def to_fields(self) -> dict[str, str]:
        return {"json": json.dumps(asdict(self) | {"ts": self.ts or time.time()})}


def _counter_updates(record: ColumnRecord) -> dict[str, float]:
    prefix = record.column
    updates: dict[str, float] = {
        f"{prefix}:requests": 1,
        f"{prefix}:outcome:{record.outcome}": 1,
        f"{prefix}:prompt_tokens": record.prompt_tokens,
        f"{prefix}:completion_tokens": record.completion_tokens,
        f"{prefix}:tokens_saved": record.tokens_saved,
        f"{prefix}:cost_usd": record.cost_usd,
        f"{prefix}:cost_saved_usd": record.cost_saved_usd,
    }
    if record.degraded:
        updates[f"{prefix}:degraded"] = 1
    return updates


class Telemetry:
    """Records column completions and summarises them. ``redis`` is looked up per call: it may come and go."""

    def __init__(self, redis: Callable[[], Redis | None], keys: KeySpace, maxlen: int = 100_000) -> None:
        self._redis = redis
        self._stream = keys.telemetry_stream
        self._totals = keys.telemetry_totals
        self._maxlen = maxlen
        self._pending: set[asyncio.Task[None]] = set()
        self.dropped = 0

    def record(self, record: ColumnRecord) -> None:
        """Count it in the metrics (Prometheus, OpenTelemetry) and queue the event for writing; returns at once."""
        metrics.observe(record)
        task = asyncio.create_task(self._write(record))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def flush(self) -> None:
        """Wait for queued writes (tests, shutdown)."""
        if self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _write(self, record: ColumnRecord) -> None:
        redis = self._redis()
        if redis is None:
            self.dropped += 1
            metrics.redis_error("telemetry")
            return
        try:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.xadd(self._stream, record.to_fields(), maxlen=self._maxlen, approximate=True)  # type: ignore[arg-type]
                for field_name, amount in _counter_updates(record).items():
                    pipe.hincrbyfloat(self._totals, field_name, amount)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self.dropped += 1
            metrics.redis_error("telemetry")
            log.warning("telemetry event dropped: %s", exc)

    async def summary(self, window_seconds: int = 300) -> dict[str, Any]:
        """Hit rates, tokens and cost saved, latency percentiles per column: all time and a recent window."""
        redis = self._require()
        raw_totals = await redis.hgetall(self._totals)
        totals = {_text(k): float(v) for k, v in raw_totals.items()}
        events = await self._newest(redis, LATENCY_SAMPLE)
        since = time.time() - window_seconds
        recent = [e for e in events if e["ts"] >= since]
        return {
            "all_time": _totals_view(totals) | {"latency": _latency(events), "latency_sample": len(events)},
            "window": {"seconds": window_seconds} | _events_view(recent) | {"latency": _latency(recent)},
            "dropped_events": self.dropped,
            "priced_as": events[0].get("priced_as") if events else None,  # the model of the newest answer
        }

    async def stream_info(self) -> dict[str, Any]:
        redis = self._require()
        length = await redis.xlen(self._stream)
        newest = await self._newest(redis, 1)
        oldest = await redis.xrange(self._stream, count=1)
        return {
            "stream": self._stream,
            "length": int(length),
            "maxlen": self._maxlen,
            "oldest_ts": _decode_event(oldest[0][1])["ts"] if oldest else None,
            "newest_ts": newest[0]["ts"] if newest else None,
            "dropped_events": self.dropped,
        }

    async def clear(self) -> int:
        """Delete every event and counter; returns how many events there were."""
        redis = self._require()
        length = int(await redis.xlen(self._stream))
        await redis.delete(self._stream, self._totals)
        return length

    async def events(self, count: int) -> list[dict[str, Any]]:
        """The newest ``count`` events, newest first."""
        return await self._newest(self._require(), count)

    def _require(self) -> Redis:
        redis = self._redis()
        if redis is None:
            from nearhit.errors import RedisUnavailable

            raise RedisUnavailable("telemetry needs Redis, which is not reachable now")
        return redis

    async def _newest(self, redis: Redis, count: int) -> list[dict[str, Any]]:
        entries = await redis.xrevrange(self._stream, count=count) or []
        return [_decode_event(fields) for _, fields in entries]


def _decode_event(fields: Any) -> dict[str, Any]:
    fields = fields or {}
    raw = fields.get(b"json") or fields.get("json") or "{}"
    return dict(json.loads(raw))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _rate(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def _totals_view(totals: dict[str, float]) -> dict[str, Any]:
    cache_requests = totals.get("cache:requests", 0.0)
    exact = totals.get("cache:outcome:exact", 0.0)
    semantic = totals.get("cache:outcome:semantic", 0.0)
    return {
        "cache_requests": int(cache_requests),
        "raw_requests": int(totals.get("raw:requests", 0.0)),
        "exact_hits": int(exact),
        "semantic_hits": int(semantic),
        "misses": int(totals.get("cache:outcome:miss", 0.0)),
        "errors": int(totals.get("cache:outcome:error", 0.0)),
        "degraded": int(totals.get("cache:degraded", 0.0)),
        "hit_rate": _rate(exact + semantic, cache_requests),
        "exact_hit_rate": _rate(exact, cache_requests),
        "semantic_hit_rate": _rate(semantic, cache_requests),
        "tokens_saved": int(totals.get("cache:tokens_saved", 0.0)),
        "cost_saved_usd": round(totals.get("cache:cost_saved_usd", 0.0), 6),
        "cache_cost_usd": round(totals.get("cache:cost_usd", 0.0), 6),
        "raw_cost_usd": round(totals.get("raw:cost_usd", 0.0), 6),
        "cache_prompt_tokens": int(totals.get("cache:prompt_tokens", 0.0)),
        "cache_completion_tokens": int(totals.get("cache:completion_tokens", 0.0)),
    }


def _events_view(events: list[dict[str, Any]]) -> dict[str, Any]:
    totals: dict[str, float] = {}
    for event in events:
        record = ColumnRecord(**{k: v for k, v in event.items() if k in ColumnRecord.__dataclass_fields__})
        for name, amount in _counter_updates(record).items():
            totals[name] = totals.get(name, 0.0) + amount
    return _totals_view(totals)


def _latency(events: list[dict[str, Any]]) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for column in ("raw", "cache"):
        mine = [e for e in events if e.get("column") == column and e.get("outcome") != "error"]
        totals = [float(e["total_ms"]) for e in mine]
        firsts = [float(e["ttft_ms"]) for e in mine if e.get("ttft_ms") is not None]
        view[column] = {
            "count": len(mine),
            "total_ms": {"p50": _rounded_percentile(totals, 50), "p95": _rounded_percentile(totals, 95)},
            "ttft_ms": {"p50": _rounded_percentile(firsts, 50), "p95": _rounded_percentile(firsts, 95)},
        }
    return view


def _rounded_percentile(values: list[float], p: float) -> float | None:
    value = percentile(values, p)
    return None if value is None else round(value, 3)
