"""Telemetry: one event per column completion in a capped Redis Stream, plus aggregates kept at write time.

Writing is fire-and-forget and batched: a request only appends its event to a list in memory; the events are
written about every ``EVENTS_FLUSH_INTERVAL_S`` in one pipeline of XADDs, off the request. A slow or absent
Redis never delays nor fails a user's request (a lost event is counted in ``dropped``; an outage is logged when
it starts and when it ends, not once per event). Each event also adds to counters and to a latency histogram,
accumulated in memory and added to Redis about once a second (``HINCRBYFLOAT``): all-time totals, and per-minute
and per-hour buckets that expire by themselves. A summary reads those few hashes, so its cost does not grow with
the number of events stored; the stream is read only to list events. With tenants kept apart (a secured service),
each event is also added to its tenant's own short stream, which is what a tenant's key lists: a tenant's share of
everyone's newest events would shrink while the others work, showing when they are active.

Latency percentiles come from the histograms: fixed buckets growing by 10 % from 0.1 ms, each reported as its
geometric middle, so a percentile is within 5 % of the exact nearest-rank value. The recent window is made of
whole buckets (minutes up to three hours, hours beyond), so it may reach back up to one bucket further.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from redis.exceptions import RedisError, ResponseError

from nearhit import foreign_json, metrics
from nearhit.background import Background
from nearhit.cache.client import RedisClient, unlink_each, writes_per_node
from nearhit.cache.keys import KeySpace, sha256_hex
from nearhit.stats import counted

Column = Literal["raw", "cache"]
Outcome = Literal["llm", "exact", "semantic", "miss", "bypass", "error"]
Source = Literal["ask", "gateway"]

FLUSH_INTERVAL_S = 1.0
EVENTS_FLUSH_INTERVAL_S = 0.1
SUMMARY_REUSE_S = 1.0
# (bucket length, how long a bucket is kept) for the recent window; the first that covers a window is used.
BUCKETS = ((60, 3 * 3600), (3600, 8 * 24 * 3600))
HISTOGRAM_LOW_MS = 0.1
HISTOGRAM_RATIO = 1.1
HISTOGRAM_TOP = 200  # bucket 200 starts at ~19 hours: everything slower lands there
TENANT_EVENTS = 1000  # the most events one read lists, so all a tenant's own stream keeps
TENANT_EVENTS_KEEP_S = BUCKETS[-1][1]  # a tenant's stream, when it adds nothing, goes as its aggregates do

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
    conversation: bool = False  # earlier turns matched by meaning (nearhit.cache.conversation)
    rewrite_cost_usd: float = 0.0  # the standalone rewrite's call (NEARHIT_REWRITE_MODEL), spent on the lookup
    rewrite_ms: float | None = None  # the rewrite model's call (failed or not); None: no call (none asked, or kept)
    verify_cost_usd: float = 0.0  # the check of a conversation's hit (NEARHIT_VERIFY_MODEL), spent on the lookup
    verify_ms: float | None = None  # the check's call (failed or not); None: no call (none asked, or kept)
    rewrite_skipped: bool = False  # the rewrite not asked: its model kept failing (nearhit.llm.lookup_model.Breaker)
    verify_skipped: bool = False  # the check not asked, the hit refused: its model kept failing
    llm_started: bool = False  # a hit served once its LLM call had started, then dropped (service.beside)

    def to_dict(self) -> dict[str, Any]:
        """The record's fields by name (flat values only: no ``dataclasses.asdict`` deep copy per request)."""
        return {name: getattr(self, name) for name in _RECORD_FIELDS}

    def to_fields(self) -> dict[str, str]:
        return {"json": json.dumps(self.to_dict() | {"ts": self.ts or time.time()})}


_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(ColumnRecord))


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
    if record.conversation and record.outcome in ("exact", "semantic"):
        updates[f"{prefix}:conversation_hits"] = 1
    if record.rewrite_ms is not None:
        updates[f"{prefix}:rewrites"] = 1
        updates[f"{prefix}:rewrite_cost_usd"] = record.rewrite_cost_usd
    if record.verify_ms is not None:
        updates[f"{prefix}:verifies"] = 1
        updates[f"{prefix}:verify_cost_usd"] = record.verify_cost_usd
    if record.rewrite_skipped:
        updates[f"{prefix}:rewrites_skipped"] = 1
    if record.verify_skipped:
        updates[f"{prefix}:verifies_skipped"] = 1
    return updates


def _latency_updates(record: ColumnRecord) -> dict[str, float]:
    if record.outcome == "error":  # a failure's time says nothing about answering
        return {}
    updates = {f"{record.column}:latency:count": 1.0, f"{record.column}:total_ms:{_bucket_of(record.total_ms)}": 1.0}
    if record.ttft_ms is not None:
        updates[f"{record.column}:ttft_ms:{_bucket_of(record.ttft_ms)}"] = 1.0
    return updates


def _bucket_of(ms: float) -> int:
    if ms <= HISTOGRAM_LOW_MS:
        return 0
    return min(HISTOGRAM_TOP, int(math.log(ms / HISTOGRAM_LOW_MS) / math.log(HISTOGRAM_RATIO)))


def _bucket_value(index: int) -> float:
    """The geometric middle of a histogram bucket: within 5 % of any value in it."""
    return float(HISTOGRAM_LOW_MS * HISTOGRAM_RATIO ** (index + 0.5))


class Telemetry:
    """Records column completions and summarises them. ``redis`` is looked up per call: it may come and go."""

    def __init__(
        self,
        redis: Callable[[], RedisClient | None],
        keys: KeySpace,
        maxlen: int = 100_000,
        *,
        per_tenant: bool = False,
    ) -> None:
        self._redis = redis
        self._stream = keys.telemetry_stream
        self._tenant_streams = keys.telemetry_tenant_events
        self._per_tenant = per_tenant
        self._totals = keys.telemetry_totals
        self._buckets = keys.telemetry_buckets
        self._maxlen = maxlen
        self._background = Background()
        self._unflushed: dict[tuple[str, int | None], dict[str, float]] = {}  # (key, ttl) -> field -> amount
        self._unwritten: list[ColumnRecord] = []
        self._failing = False
        self._summaries: dict[int, tuple[float, asyncio.Future[dict[str, Any]]]] = {}  # window -> (until, result)
        self.dropped = 0

    def record(self, record: ColumnRecord) -> None:
        """Add the event to the aggregates and the metrics (Prometheus, OpenTelemetry) and queue it for the next
        batch; returns at once."""
        self._aggregate(record)
        metrics.observe(record)
        self._unwritten.append(record)
        self._background.soon("events", EVENTS_FLUSH_INTERVAL_S, self._write_events)
        self._background.soon("aggregates", FLUSH_INTERVAL_S, self._flush_aggregates)

    async def flush(self) -> None:
        """Write queued events and aggregates now (tests, shutdown)."""
        await self._background.drain()
        self._summaries.clear()  # what was just written shows in the next summary

    async def close(self) -> None:
        """Write what can be written, then stop retrying (shutdown): nothing is left running."""
        await self._background.close()
        self._summaries.clear()

    def _aggregate(self, record: ColumnRecord) -> None:
        updates = _counter_updates(record) | _latency_updates(record)
        ts = record.ts or time.time()
        targets: list[tuple[str, int | None]] = [(self._totals, None)]
        targets += [(self._bucket_key(size, ts), keep) for size, keep in BUCKETS]
        for target in targets:
            fields = self._unflushed.setdefault(target, {})
            for name, amount in updates.items():
                if amount:
                    fields[name] = fields.get(name, 0.0) + amount

    def _bucket_key(self, size: int, ts: float) -> str:
        return f"{self._buckets}{size}:{int(ts // size) * size}"

    async def _flush_aggregates(self) -> None:
        """Add the accumulated amounts to Redis; what failed is kept for the next flush, so no count is lost, and
        what landed is not sent again (on a cluster a flush spans shards, and one may fail while others answer)."""
        unflushed, self._unflushed = self._unflushed, {}
        redis = self._redis()
        if not unflushed:
            return
        parts: list[tuple[tuple[str, int | None], str | None, float]] = []  # (target, field or None: EXPIRE, amount)
        commands: list[tuple[Any, ...]] = []
        for (key, ttl), fields in unflushed.items():
            for name, amount in fields.items():
                parts.append(((key, ttl), name, amount))
                commands.append(("HINCRBYFLOAT", key, name, amount))
            if ttl is not None:
                parts.append(((key, ttl), None, 0.0))
                commands.append(("EXPIRE", key, ttl))
        lost = None
        for (target, field, value), reply in zip(parts, await self._writes(redis, commands), strict=True):
            if isinstance(reply, Exception):
                lost = reply
                mine = self._unflushed.setdefault(target, {})  # a failed EXPIRE alone: sent with the next flush
                if field is not None:
                    mine[field] = mine.get(field, 0.0) + value
        self._settled(lost)
        if lost is not None:
            self._background.soon("aggregates", FLUSH_INTERVAL_S, self._flush_aggregates)

    async def _write_events(self) -> None:
        """The queued events in one round trip; those that failed are dropped (and counted), not retried."""
        batch, self._unwritten = self._unwritten, []
        if not batch:
            return
        commands: list[tuple[Any, ...]] = []
        events: list[int] = []  # where each event's own XADD sits: only those count as dropped events
        for record in batch:
            fields = tuple(itertools.chain(*record.to_fields().items()))
            events.append(len(commands))
            commands.append(("XADD", self._stream, "MAXLEN", "~", self._maxlen, "*", *fields))
            if self._per_tenant:
                own = self._tenant_stream(record.tenant)
                commands.append(("XADD", own, "MAXLEN", "~", TENANT_EVENTS, "*", *fields))
                commands.append(("EXPIRE", own, TENANT_EVENTS_KEEP_S))
        replies = await self._writes(self._redis(), commands)
        lost = [reply for reply in replies if isinstance(reply, Exception)]
        if lost:
            self.dropped += sum(isinstance(replies[at], Exception) for at in events)
            metrics.redis_error("telemetry")
        self._settled(lost[0] if lost else None)

    async def _writes(self, redis: RedisClient | None, commands: list[tuple[Any, ...]]) -> list[Any]:
        if redis is None:
            return [RedisError("no Redis connection")] * len(commands)
        return await writes_per_node(redis, commands)

    def _settled(self, lost: Exception | None) -> None:
        """Log the start of an outage (``lost``: a write's error) and its end, once each."""
        if lost is not None and not self._failing:
            log.warning("telemetry writes failing (events are counted as dropped until Redis is back): %s", lost)
        elif lost is None and self._failing:
            log.info("telemetry writes resumed; %d events dropped so far", self.dropped)
        self._failing = lost is not None

    async def summary(self, window_seconds: int = 300) -> dict[str, Any]:
        """Hit rates, tokens and cost saved, latency percentiles per column: all time and a recent window.

        One round trip that reads the all-time hash and the window's buckets (at most ~180), never events.
        A result is shared for ``SUMMARY_REUSE_S`` (the aggregates move about once a second anyway), so any
        number of dashboards polling costs one read per window per second.
        """
        now = time.monotonic()
        shared = self._summaries.get(window_seconds)
        if shared is None or shared[0] < now:
            for stale in [w for w, (until, _) in self._summaries.items() if until < now]:
                del self._summaries[stale]
            shared = (now + SUMMARY_REUSE_S, asyncio.ensure_future(self._read_summary(window_seconds)))
            self._summaries[window_seconds] = shared
        try:
            return dict(await asyncio.shield(shared[1]))
        except Exception:
            if self._summaries.get(window_seconds) is shared:
                del self._summaries[window_seconds]  # a failure is not shared: the next call tries again
            raise

    async def _read_summary(self, window_seconds: int) -> dict[str, Any]:
        redis = self._require()
        size = next((size for size, keep in BUCKETS if window_seconds <= keep), BUCKETS[-1][0])
        now = time.time()
        starts = range(int((now - window_seconds) // size) * size, int(now) + 1, size)
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self._totals)
            for start in starts:
                pipe.hgetall(f"{self._buckets}{size}:{start}")
            pipe.xrevrange(self._stream, count=1)
            replies = await pipe.execute()
        totals = _floats([replies[0]])
        recent = _floats(replies[1:-1])
        newest = _decoded(replies[-1])
        sample = sum(int(totals.get(f"{column}:latency:count", 0.0)) for column in ("raw", "cache"))
        return {
            "all_time": _totals_view(totals) | {"latency": _latency(totals), "latency_sample": sample},
            "window": {"seconds": window_seconds} | _totals_view(recent) | {"latency": _latency(recent)},
            "dropped_events": self.dropped,
            "priced_as": _priced_as(newest),  # the model of the newest answer
        }

    async def stream_info(self) -> dict[str, Any]:
        redis = self._require()
        length = await redis.xlen(self._stream)
        newest = await self._newest(redis, 1)
        oldest = _decoded(await redis.xrange(self._stream, count=1))
        return {
            "stream": self._stream,
            "length": int(length),
            "maxlen": self._maxlen,
            "oldest_ts": oldest[0]["ts"] if oldest else None,
            "newest_ts": newest[0]["ts"] if newest else None,
            "dropped_events": self.dropped,
        }

    async def clear(self) -> int:
        """Delete every event and aggregate; returns how many events there were."""
        redis = self._require()
        self._unflushed.clear()
        self._unwritten.clear()
        await self._background.drain()  # a write under way lands before the delete, not after it
        self._unflushed.clear()  # what a failed flush kept for the next one
        try:
            length = int(await redis.xlen(self._stream))
        except ResponseError:  # another client wrote something else under its key: no events, deleted all the same
            length = 0
        scanned = [
            key
            for prefix in (self._buckets, self._tenant_streams)
            async for key in redis.scan_iter(match=f"{prefix}*", count=1000)
        ]
        await unlink_each(redis, [self._stream, self._totals, *scanned])  # one key per command: several slots
        self._summaries.clear()  # one read while the clear ran saw what it deleted: not shared after it
        return length

    async def events(self, count: int, tenant: str | None = None) -> list[dict[str, Any]]:
        """The newest ``count`` events, newest first: every tenant's, or ``tenant``'s own (written only by a
        telemetry made ``per_tenant``). An entry another client added that is no event is left out."""
        redis = self._require()
        if tenant is None:
            return await self._newest(redis, count)
        return _decoded(await redis.xrevrange(self._tenant_stream(tenant), count=min(count, TENANT_EVENTS)))

    def _tenant_stream(self, tenant: str) -> str:
        return self._tenant_streams + sha256_hex(tenant)[:32]

    def _require(self) -> RedisClient:
        redis = self._redis()
        if redis is None:
            from nearhit.errors import RedisUnavailable

            raise RedisUnavailable("telemetry needs Redis, which is not reachable now")
        return redis

    async def _newest(self, redis: RedisClient, count: int) -> list[dict[str, Any]]:
        return _decoded(await redis.xrevrange(self._stream, count=count))


def _floats(hashes: list[Any]) -> dict[str, float]:
    """The sum of several aggregate hashes, field by field."""
    totals: dict[str, float] = {}
    for fields in hashes:
        for name, value in (fields or {}).items():
            key = _text(name)
            totals[key] = totals.get(key, 0.0) + counted(value)
    return totals


def _decode_event(fields: Any) -> dict[str, Any] | None:
    """An entry of the stream as the event nearhit wrote (a JSON object with its ``ts``), or None for one it
    cannot be: another client may add entries with other fields or none, and each read still answers."""
    event = foreign_json.read((fields or {}).get(b"json") or (fields or {}).get("json"))
    if not isinstance(event, dict) or not isinstance(event.get("ts"), int | float) or not math.isfinite(event["ts"]):
        return None
    return event


def _decoded(entries: Any) -> list[dict[str, Any]]:
    """The readable events among stream entries (``XRANGE``'s reply), in their order."""
    return [event for _, fields in entries or [] if (event := _decode_event(fields)) is not None]


def _priced_as(newest: list[dict[str, Any]]) -> str | None:
    priced_as = newest[0].get("priced_as") if newest else None
    return priced_as if isinstance(priced_as, str) else None


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
        "conversation_hits": int(totals.get("cache:conversation_hits", 0.0)),
        "single_turn_hits": int(exact + semantic - totals.get("cache:conversation_hits", 0.0)),
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
        "rewrites": int(totals.get("cache:rewrites", 0.0)),
        "rewrite_cost_usd": round(totals.get("cache:rewrite_cost_usd", 0.0), 6),
        "verifies": int(totals.get("cache:verifies", 0.0)),
        "verify_cost_usd": round(totals.get("cache:verify_cost_usd", 0.0), 6),
        "rewrites_skipped": int(totals.get("cache:rewrites_skipped", 0.0)),
        "verifies_skipped": int(totals.get("cache:verifies_skipped", 0.0)),
    }


def _latency(totals: dict[str, float]) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for column in ("raw", "cache"):
        view[column] = {
            "count": int(totals.get(f"{column}:latency:count", 0.0)),
            "total_ms": _percentiles(totals, f"{column}:total_ms:"),
            "ttft_ms": _percentiles(totals, f"{column}:ttft_ms:"),
        }
    return view


def _percentiles(totals: dict[str, float], prefix: str) -> dict[str, float | None]:
    """Nearest-rank p50 and p95 from a histogram's buckets (``<prefix><index>`` -> count). A field no bucket of
    ours (another client's ``<prefix>abc``, ``<prefix>-3``) or a count under 1 is left out."""
    counts = sorted(
        (int(suffix), count)
        for name, count in totals.items()
        if name.startswith(prefix)
        and (suffix := name[len(prefix) :]).isascii()
        and suffix.isdigit()
        and int(suffix) <= HISTOGRAM_TOP
        and count >= 1
    )
    total = sum(count for _, count in counts)
    result: dict[str, float | None] = {}
    for p in (50, 95):
        rank, seen, value = max(1, math.ceil(p / 100 * total)), 0.0, None
        for index, count in counts:
            seen += count
            if seen >= rank:
                value = round(_bucket_value(index), 3)
                break
        result[f"p{p}"] = value
    return result
