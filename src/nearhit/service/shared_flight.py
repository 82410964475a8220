"""Single-flight across processes: identical misses in several workers or replicas make one LLM call.

:mod:`nearhit.service.singleflight` shares a generation within a process; this shares it between processes
on the same Redis. The first process to claim a short lock for the flight key (``SET NX PX``) calls the LLM
and appends every event to a Redis stream; the others read the answer from that stream as it is written. A
follower never waits forever on a crashed leader: when the lock is gone without an ending, the leader
reports a failure, or nothing arrives for ``silence_s``, it calls the LLM itself (or, having already passed
part of the answer on, fails the way an LLM that broke off would).

Events cross Redis as JSON of their fields (never pickle: whoever can write to Redis must not run code here).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from redis.exceptions import RedisError

from nearhit.cache.client import RedisClient
from nearhit.cache.keys import KeySpace, sha256_hex
from nearhit.llm.base import LLMEvent, StreamEnd, TextChunk, ToolCallDelta
from nearhit.llm.errors import LLMError

LOCK_MS = 30_000  # the leader's claim; a crashed leader's lapses after this
LINGER_MS = 3_000  # after the end: a miss looked up before the store joins (reads the answer) rather than leads
SILENCE_S = 10.0  # a follower that hears nothing for this long calls the LLM itself
_POLL_MS = 200
_WHY_CHARS = 300  # what a follower repeats of why its leader stopped (another Redis client may have written it)


def encode(event: LLMEvent) -> dict[str, str]:
    """An event as stream fields (JSON, never pickle), written field by field: no ``asdict`` per piece."""
    data: dict[str, Any]
    if isinstance(event, TextChunk):
        kind, data = "text", {"text": event.text, "logprobs": list(event.logprobs)}
        if event.refusal:
            data["refusal"] = True
    elif isinstance(event, ToolCallDelta):
        kind, data = "tool", {"index": event.index, "arguments": event.arguments, "id": event.id, "name": event.name}
    else:
        usage = event.usage
        kind = "end"
        data = {
            "usage": {
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "source": usage.source,
            },
            "finish_reason": event.finish_reason,
            "model": event.model,
        }
    return {"kind": kind, "event": json.dumps(data)}


_EVENTS: dict[str, TypeAdapter[LLMEvent]] = {
    "text": TypeAdapter(TextChunk),
    "tool": TypeAdapter(ToolCallDelta),
    "end": TypeAdapter(StreamEnd),
}


def decode(fields: dict[Any, Any]) -> LLMEvent | str | None:
    """An event, or the marker ``"done"`` / ``"failed"`` that ends a flight; None for an entry another Redis client
    wrote in the stream (not JSON, nested past any limit, a field of the wrong type), which no follower can pass on.
    """
    text = {_text(k): v for k, v in fields.items()}
    kind = _text(text.get("kind"))
    if kind in {"done", "failed"}:
        return kind
    adapter, event = _EVENTS.get(kind), text.get("event")
    if adapter is None or not isinstance(event, str | bytes):
        return None
    try:
        return adapter.validate_json(event, strict=True)
    except ValidationError:
        return None


@dataclass(frozen=True)
class Gone:
    """The leader's generation ended without its end reaching the follower, and why (for the follower's error)."""

    why: str


def _why(exc: BaseException) -> str:
    """What a leader tells its followers when its generation stops: the LLM's failure, or that it was left."""
    if isinstance(exc, LLMError):
        return exc.message[:_WHY_CHARS]
    if isinstance(exc, asyncio.CancelledError | GeneratorExit):
        return "every client of the process leading it left, or that process is stopping"
    return f"{type(exc).__name__} in the process leading it"


class SharedFlights:
    """Leads or follows one LLM generation per flight key among the processes sharing a Redis."""

    def __init__(self, redis: Callable[[], RedisClient | None], keys: KeySpace, silence_s: float = SILENCE_S) -> None:
        self._redis = redis
        self._keys = keys
        self.silence_s = silence_s
        self.led = 0  # generations this process ran for a flight (including a follower's fallback)
        self.followed = 0  # flights this process read from another's generation

    async def produce(
        self,
        key: str,
        start: Callable[[], AsyncIterator[LLMEvent]],
        lingers: Callable[[Sequence[LLMEvent]], bool],
    ) -> AsyncGenerator[LLMEvent, None]:
        """The events of the generation for ``key``: this process's own, or the leader's read from Redis.
        Without Redis (down, or not connected yet) the generation is simply this process's. A led generation
        whose events ``lingers`` accepts stays ``LINGER_MS`` after its end for a miss looked up before its store;
        any other (cut, refused, not to be stored) is gone at its end: a retry reaches the model again."""
        redis = self._redis()
        digest = sha256_hex(key)[:32]
        lock, stream = self._keys.flight_lock(digest), self._keys.flight_events(digest)
        token = uuid.uuid4().hex
        try:
            leader = redis is None or bool(await redis.set(lock, token, nx=True, px=LOCK_MS))
        except (RedisError, OSError):
            leader, redis = True, None
        if leader:
            async for event in self._lead(redis, lock, stream, token, start, lingers):
                yield event
            return
        assert redis is not None
        self.followed += 1
        passed_on = False
        async for heard in self._follow(redis, lock, stream):
            if isinstance(heard, Gone):
                if passed_on:
                    raise LLMError(
                        f"the generation shared with another process stopped before its end: {heard.why}",
                        retryable=True,
                    )
                self.followed -= 1
                async for own in self._lead(None, lock, stream, token, start, lingers):
                    yield own
                return
            passed_on = True
            yield heard

    async def _lead(
        self,
        redis: RedisClient | None,
        lock: str,
        stream: str,
        token: str,
        start: Callable[[], AsyncIterator[LLMEvent]],
        lingers: Callable[[Sequence[LLMEvent]], bool],
    ) -> AsyncIterator[LLMEvent]:
        self.led += 1
        publisher = _Publisher(redis, stream)
        events: list[LLMEvent] = []
        try:
            async for event in start():
                events.append(event)
                publisher.add(encode(event))
                yield event
        except BaseException as exc:
            publisher.add({"kind": "failed", "why": _why(exc)})
            await publisher.close()
            await _release(redis, lock, stream, token, linger_ms=None)
            raise
        publisher.add({"kind": "done"})
        await publisher.close()
        await _release(redis, lock, stream, token, linger_ms=LINGER_MS if lingers(events) else None)

    async def _follow(self, redis: RedisClient, lock: str, stream: str) -> AsyncIterator[LLMEvent | Gone]:
        """The leader's events as they are written; :class:`Gone` (then nothing) when the leader is gone."""
        last_id: str | bytes = "0"
        heard = time.monotonic()
        while True:
            try:
                entries = _entries(await redis.xread({stream: last_id}, count=100, block=_POLL_MS))
                silent = time.monotonic() - heard > self.silence_s
                if not entries and (silent or not await redis.exists(lock)):
                    # One more read: the leader may have ended and let its lock go since the last one.
                    entries = _entries(await redis.xread({stream: last_id}, count=100))
                    if not entries:
                        yield Gone(f"nothing heard for {self.silence_s:g} s" if silent else "its leader stopped")
                        return
            except (RedisError, OSError) as exc:
                yield Gone(f"Redis failed: {type(exc).__name__}: {exc}")
                return
            for entry_id, fields in entries:
                last_id = entry_id
                heard = time.monotonic()
                event = decode(fields)
                if event == "done":
                    return
                if event == "failed":  # the leader failed or was left: why, as it wrote it
                    yield Gone(_text(fields.get(b"why", fields.get("why")))[:_WHY_CHARS] or "its leader failed")
                    return
                if event is None:  # another client wrote here: not followed
                    yield Gone("another Redis client wrote into its events")
                    return
                assert not isinstance(event, str)
                yield event


class _Publisher:
    """Appends a leader's events to its stream in order, in the background: the leader's own stream is never
    slowed by Redis round trips, and events that pile up meanwhile go in one pipeline."""

    def __init__(self, redis: RedisClient | None, stream: str) -> None:
        self._redis = redis
        self._stream = stream
        self._pending: list[dict[str, str]] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._task = asyncio.create_task(self._run()) if redis is not None else None

    def add(self, fields: dict[str, str]) -> None:
        if self._task is not None:
            self._pending.append(fields)
            self._wake.set()

    async def close(self) -> None:
        self._closed = True
        self._wake.set()
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        assert self._redis is not None
        first = True
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, []
            if batch:
                try:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for fields in batch:
                            pipe.xadd(self._stream, fields)  # type: ignore[arg-type]
                        if first:
                            pipe.pexpire(self._stream, LOCK_MS + LINGER_MS)  # never left behind by a crash
                        await pipe.execute()
                    first = False
                except (RedisError, OSError):
                    return  # followers hear nothing more and call the LLM themselves
            if self._closed and not self._pending:
                return


async def _release(redis: RedisClient | None, lock: str, stream: str, token: str, *, linger_ms: int | None) -> None:
    """Let the lock go if it is still ours: lock and events kept ``linger_ms`` after a whole answer, deleted
    after a failure (the next flight's followers read its stream from the start: never the failed one's)."""
    if redis is None:
        return
    with contextlib.suppress(RedisError, OSError):
        if _text(await redis.get(lock)) == token:
            if linger_ms is None:
                await redis.delete(lock, stream)
            else:
                await redis.pexpire(lock, linger_ms)
                await redis.pexpire(stream, linger_ms)


def _entries(reply: Any) -> list[tuple[str | bytes, dict[Any, Any]]]:
    """The entries of an ``XREAD`` of one stream (RESP2: ``[[stream, [(id, fields), ...]]]``)."""
    return [(entry_id, dict(fields)) for entry_id, fields in reply[0][1]] if reply else []


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else "" if value is None else str(value)
