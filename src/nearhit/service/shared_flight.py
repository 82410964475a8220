"""Single-flight across processes: identical misses in several workers or replicas make one LLM call.

:mod:`nearhit.service.singleflight` shares a generation within a process; this shares it between processes
on the same Redis. The first process to claim a lease for the flight key (``SET NX PX``, renewed while its call
runs) calls the LLM and appends every event to a Redis stream of its own (named by its token, which the others read
from the lease); the others read the answer from that stream as it is written, saying meanwhile that they listen (a
short key each renews as it reads). The leader's call outlives its own process's requests while a follower listens:
when every client of the leading process leaves, the call goes on for the followers in other processes, whose process
stores the answer (the left one stores nothing).

A follower never waits forever on a leader that stopped: when the leader's lease lapses (its process was killed),
it reports a failure or that its process is stopping, or nothing arrives for ``silence_s``, the follower calls the
LLM itself. Having passed part of the answer on already, it goes on from there when its own call begins with that
part (the model asked the same again), and otherwise, or when the leader's LLM failed, fails the way an LLM that
broke off would: its client has words of an answer it cannot finish.

Events cross Redis as JSON of their fields (never pickle: whoever can write to Redis must not run code here).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import TypeAdapter, ValidationError
from redis.exceptions import RedisError

from nearhit.cache.client import RedisClient
from nearhit.cache.keys import KeySpace, sha256_hex
from nearhit.llm.base import LLMEvent, StreamEnd, TextChunk, ToolCallDelta
from nearhit.llm.errors import LLMError

LEASE_MS = 5_000  # the leader's claim, renewed every RENEW_S while its call runs: a killed leader's lapses soon
RENEW_S = 1.0
LISTEN_MS = 2_000  # a follower's "still listening", renewed four times as often as it lapses
LINGER_MS = 3_000  # after the end: a miss looked up before the store joins (reads the answer) rather than leads
SILENCE_S = 10.0  # a follower that hears nothing for this long calls the LLM itself
CLAIM_S = 0.5
"""How long a miss waits for its lease before its LLM call (a claim takes ~1 ms): a Redis that stalls longer (its
time-out, ``NEARHIT_REDIS_TIMEOUT``, may be 30 s) is not waited for; the call is this process's alone. A lease
that Redis granted after all is let go in the background once Redis answers (:meth:`SharedFlights._let_go`), else
it lapses unrenewed (``LEASE_MS``): another process's miss that follows it calls the LLM itself then."""
_POLL_MS = 200
_RENEW_IF_OURS = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
)
_RELEASE_IF_OURS = (
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end "
    "if ARGV[2] == '' then return redis.call('DEL', KEYS[1], KEYS[2]) end "
    "redis.call('PEXPIRE', KEYS[1], ARGV[2]) return redis.call('PEXPIRE', KEYS[2], ARGV[2])"
)
"""Release the lease only if it is still ours, in one step: between a GET and a DEL sent apart, a lease that lapsed
could be the next leader's, and deleting it would let a third process lead the same flight beside it."""
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
    """The leader's generation ended without its end reaching the follower, and why (for the follower's error);
    ``upstream``: its LLM failed (a follower with words passed on does not ask it again)."""

    why: str
    upstream: bool = False


@dataclass(frozen=True)
class FlightKeys:
    """The Redis keys of one flight's generation: the lease, the events of the leader holding it (``leader``: its
    token), its followers' "still listening". Each leader writes a stream of its own: the next leader after one whose
    lease lapsed (killed, or cut off from Redis) never appends to the words of the one before, which its followers
    would read as one answer."""

    lock: str
    events: str
    listening: str
    leader: str

    @classmethod
    def of(cls, keys: KeySpace, digest: str, leader: str) -> FlightKeys:
        events = f"{keys.flight_events(digest)}:{leader}"
        return cls(keys.flight_lock(digest), events, keys.flight_listening(digest), leader)


def _why(exc: BaseException) -> str:
    """What a leader tells its followers when its generation stops: the LLM's failure, or that it was left."""
    if isinstance(exc, LLMError):
        return exc.message[:_WHY_CHARS]
    if isinstance(exc, asyncio.CancelledError | GeneratorExit):
        return "every client of the process leading it left, or that process is stopping"
    return f"{type(exc).__name__} in the process leading it"


def _failed(exc: BaseException) -> dict[str, str]:
    """The marker that ends a failed or left generation's events: why, and whether its LLM failed."""
    return {"kind": "failed", "why": _why(exc)} | ({"llm": "1"} if isinstance(exc, LLMError) else {})


def _broke_off(why: str) -> LLMError:
    return LLMError(f"the generation shared with another process stopped before its end: {why}", retryable=True)


class SharedFlights:
    """Leads or follows one LLM generation per flight key among the processes sharing a Redis."""

    def __init__(self, redis: Callable[[], RedisClient | None], keys: KeySpace, silence_s: float = SILENCE_S) -> None:
        self._redis = redis
        self._keys = keys
        self.silence_s = silence_s
        self.led = 0  # generations this process ran for a flight (including a follower's fallback)
        self.followed = 0  # flights this process read from another's generation
        self._outliving: set[_Generation] = set()  # calls left by this process's requests, kept for followers
        self._running: set[_Generation] = set()
        self._letting_go: set[asyncio.Task[None]] = set()  # leases claimed without a reply in time (_let_go)

    @property
    def running(self) -> int:
        """The calls this process leads that have not ended yet (one its requests left ends a moment later)."""
        return len(self._running)

    async def produce(
        self,
        key: str,
        start: Callable[[], AsyncIterator[LLMEvent]],
        lingers: Callable[[Sequence[LLMEvent]], bool],
    ) -> AsyncGenerator[LLMEvent, None]:
        """The events of the generation for ``key``: this process's own, or the leader's read from Redis.
        Without Redis (down, not connected yet, or no lease within ``CLAIM_S``) the generation is simply this
        process's. A led generation whose events ``lingers`` accepts stays ``LINGER_MS`` after its end for a miss
        looked up before its store; any other (cut, refused, not to be stored) is gone at its end: a retry reaches
        the model again."""
        redis = self._redis()
        digest = sha256_hex(key)[:32]
        token = uuid.uuid4().hex
        flight = FlightKeys.of(self._keys, digest, token)
        try:
            async with asyncio.timeout(CLAIM_S):
                held = None if redis is None else await _claim(redis, flight.lock, token)
        except (RedisError, OSError, TimeoutError):
            assert redis is not None
            self._let_go(redis, flight, token)
            held, redis = None, None
        if held is None:
            async with contextlib.aclosing(self._lead(_Generation(redis, flight, token, start, lingers))) as led:
                async for event in led:  # closed with this one, not when collected: its call stops (or outlives) now
                    yield event
            return
        assert redis is not None
        self.followed += 1
        passed: list[LLMEvent] = []
        async for heard in self._follow(redis, FlightKeys.of(self._keys, digest, held)):
            if isinstance(heard, Gone):
                if passed and isinstance(passed[-1], StreamEnd):
                    return  # its end was passed on: the client has the whole answer (asked again, it could differ)
                if not passed:
                    self.followed -= 1
                elif heard.upstream:  # asking the LLM again would most likely fail the same way
                    raise _broke_off(heard.why)
                own_call = _Generation(None, flight, token, start, lingers)
                async with contextlib.aclosing(self._lead(own_call)) as led:
                    async for own in _resumed(led, passed, heard.why):
                        yield own
                return
            passed.append(heard)
            yield heard

    def _let_go(self, redis: RedisClient, flight: FlightKeys, token: str) -> None:
        """A claim whose reply did not come in time (or failed) may have been granted all the same: its lease is let
        go in the background when Redis answers. This process calls the LLM without it and never renews it, so a
        miss in another process that found it would otherwise wait on it until it lapses (``LEASE_MS``)."""
        task = asyncio.create_task(_release(redis, flight, token, linger_ms=None))
        self._letting_go.add(task)
        task.add_done_callback(self._letting_go.discard)

    async def close(self) -> None:
        """Stop the calls kept for followers in other processes (this process is stopping): told so, they go on
        by themselves. A lease still being let go is left to lapse."""
        for task in list(self._letting_go):
            task.cancel()
        outliving = list(self._outliving)
        for generation in outliving:
            await generation.stop()
        await asyncio.gather(*(generation.watched() for generation in outliving))

    async def _lead(self, generation: _Generation) -> AsyncGenerator[LLMEvent, None]:
        """The events of a call this process leads (just started); when its requests leave before the end, it
        outlives them or stops."""
        self.led += 1
        self._running.add(generation)
        generation.task.add_done_callback(lambda _: self._running.discard(generation))
        try:
            async for event in generation.events():
                yield event
        finally:
            if not generation.ended:
                await self._left(generation)

    async def _left(self, generation: _Generation) -> None:
        """Every request of this process that wanted the call left before its end: it goes on while a follower in
        another process listens (checked until none does), else it stops."""
        listened = False
        try:
            listened = await generation.listened()
        finally:  # cancelled again meanwhile, it stops too: never a call nobody holds
            if listened:
                self._outliving.add(generation)
                generation.outlive(lambda: self._outliving.discard(generation))
            else:
                await generation.stop()

    async def _follow(self, redis: RedisClient, flight: FlightKeys) -> AsyncIterator[LLMEvent | Gone]:
        """The leader's events as they are written; :class:`Gone` (then nothing) when the leader is gone."""
        last_id: str | bytes = "0"
        heard = time.monotonic()
        listened = -float(LISTEN_MS)  # when this follower last said it listens (ms, monotonic)
        while True:
            try:
                if time.monotonic() * 1000 - listened >= LISTEN_MS / 4:
                    await redis.set(flight.listening, "1", px=LISTEN_MS)
                    listened = time.monotonic() * 1000
                entries = _entries(await redis.xread({flight.events: last_id}, count=100, block=_POLL_MS))
                silent = time.monotonic() - heard > self.silence_s
                if not entries and (silent or _text(await redis.get(flight.lock)) != flight.leader):
                    # One more read: the leader may have ended and let its lock go since the last one.
                    entries = _entries(await redis.xread({flight.events: last_id}, count=100))
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
                    why = _text(fields.get(b"why", fields.get("why")))[:_WHY_CHARS] or "its leader failed"
                    yield Gone(why, upstream=_text(fields.get(b"llm", fields.get("llm"))) == "1")
                    return
                if event is None:  # another client wrote here: not followed
                    yield Gone("another Redis client wrote into its events")
                    return
                assert not isinstance(event, str)
                yield event


class _Generation:
    """One led LLM call, run in a task of its own so that it can outlive the requests of this process that wanted
    it (for followers in other processes); its events are published as they come, its lease let go at its end."""

    def __init__(
        self,
        redis: RedisClient | None,
        flight: FlightKeys,
        token: str,
        start: Callable[[], AsyncIterator[LLMEvent]],
        lingers: Callable[[Sequence[LLMEvent]], bool],
    ) -> None:
        self._redis = redis
        self._flight = flight
        self._received: list[LLMEvent] = []
        self._error: BaseException | None = None
        self._changed = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None
        self.ended = False
        self.task = asyncio.create_task(self._run(token, start, lingers))

    async def events(self) -> AsyncIterator[LLMEvent]:
        """Every event of the call, as it comes; its failure, raised."""
        position = 0
        while True:
            while position < len(self._received):
                yield self._received[position]
                position += 1
            if self.ended:
                if self._error is not None:
                    raise self._error
                return
            self._changed.clear()
            await self._changed.wait()

    async def listened(self) -> bool:
        """Whether a follower in another process still reads this call (no when Redis cannot say)."""
        if self._redis is None:
            return False
        try:
            return bool(await self._redis.exists(self._flight.listening))
        except (RedisError, OSError):
            return False

    def outlive(self, forget: Callable[[], None]) -> None:
        """Go on while followers listen; ``forget`` at the end."""
        self._watcher = asyncio.create_task(self._while_listened(forget))

    async def watched(self) -> None:
        if self._watcher is not None:
            await asyncio.wait({self._watcher})

    async def stop(self) -> None:
        """Cancel the call (its followers are told why) and wait until its lease is let go."""
        self.task.cancel()
        await asyncio.wait({self.task})

    async def _while_listened(self, forget: Callable[[], None]) -> None:
        try:
            while not self.task.done():  # not ``ended``: a task cancelled before it ran never says it ended
                await asyncio.wait({self.task}, timeout=LISTEN_MS / 2000)
                if not self.ended and not await self.listened():
                    await self.stop()
        finally:
            forget()

    async def _run(
        self, token: str, start: Callable[[], AsyncIterator[LLMEvent]], lingers: Callable[[Sequence[LLMEvent]], bool]
    ) -> None:
        publisher = _Publisher(self._redis, self._flight)
        error: BaseException | None = None
        try:
            async for event in start():
                self._received.append(event)
                publisher.add(encode(event))
                self._changed.set()
        except BaseException as exc:
            error = exc
            publisher.add(_failed(exc))
        else:
            publisher.add({"kind": "done"})
        linger = LINGER_MS if error is None and lingers(self._received) else None
        if linger is not None:
            # A whole answer lingers for misses that join it anyway: its readers end now, not once Redis has the last
            # of it (a Redis that stalls would hold the leader's own stream, and the gateway's ``[DONE]``, for its
            # time-out). A failed or cut one is let go first: a retry at once never joins it.
            self._end(error)
        try:  # a second cancel (stopped again while Redis is slow) cuts this short: the lease then lapses
            await publisher.close()
            await _release(self._redis, self._flight, token, linger_ms=linger)
        finally:  # ended whatever happens: its watcher and its readers wait for that
            if not self.ended:
                self._end(error)
        if error is not None and not isinstance(error, Exception):
            raise error

    def _end(self, error: BaseException | None) -> None:
        self._error = error
        self.ended = True
        self._changed.set()


async def _resumed(events: AsyncIterator[LLMEvent], passed: Sequence[LLMEvent], why: str) -> AsyncIterator[LLMEvent]:
    """A follower's own call after its leader stopped: all of it when the follower passed nothing on; else what
    comes after the part passed on, when the call begins with that part's text (the model asked the same again),
    or the error of an answer broken off (its client has words this call does not continue)."""
    said = "".join(event.text for event in passed if isinstance(event, TextChunk))
    if any(isinstance(event, ToolCallDelta) for event in passed):
        raise _broke_off(why)
    async for event in events:
        if said:
            if not isinstance(event, TextChunk) or not (said.startswith(event.text) or event.text.startswith(said)):
                raise _broke_off(f"{why}; asked again, the model answered otherwise")
            if said.startswith(event.text):
                said = said[len(event.text) :]
                continue
            event = replace(event, text=event.text[len(said) :], logprobs=())  # its tokens straddle what was said
            said = ""
        yield event


class _Publisher:
    """Appends a leader's events to its stream in order, in the background, and renews its lease meanwhile: the
    leader's own stream is never slowed by Redis round trips, and events that pile up meanwhile go in one
    pipeline."""

    def __init__(self, redis: RedisClient | None, flight: FlightKeys) -> None:
        self._redis = redis
        self._flight = flight
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
        first, renewed = True, time.monotonic()
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RENEW_S):
                    await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, []
            renew = time.monotonic() - renewed >= RENEW_S and not self._closed
            if batch or renew:
                try:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for fields in batch:
                            pipe.xadd(self._flight.events, fields)  # type: ignore[arg-type]
                        if first or renew:  # never left behind by a crash
                            pipe.pexpire(self._flight.events, LEASE_MS + LINGER_MS)
                        if renew:  # only its own: a leader whose lease lapsed never keeps the next one's alive
                            pipe.eval(_RENEW_IF_OURS, 1, self._flight.lock, self._flight.leader, LEASE_MS)
                        await pipe.execute()
                    first = first and not batch
                    renewed = time.monotonic() if renew else renewed
                except (RedisError, OSError):
                    return  # the lease lapses: followers call the LLM themselves
            if self._closed and not self._pending:
                return


async def _claim(redis: RedisClient, lock: str, token: str) -> str | None:
    """Claim the lease of a flight (None: claimed, this process leads), else the token of the leader holding it,
    read in the same transaction (one key: one slot)."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(lock, token, nx=True, px=LEASE_MS)
        pipe.get(lock)
        claimed, held = await pipe.execute()
    return None if claimed or held is None else _text(held)


async def _release(redis: RedisClient | None, flight: FlightKeys, token: str, *, linger_ms: int | None) -> None:
    """Let the lock go if it is still ours: lock and events kept ``linger_ms`` after a whole answer, deleted
    after a failure (the next flight's followers read its stream from the start: never the failed one's)."""
    if redis is None:
        return
    with contextlib.suppress(RedisError, OSError):
        linger = "" if linger_ms is None else str(linger_ms)
        await redis.eval(_RELEASE_IF_OURS, 2, flight.lock, flight.events, token, linger)  # type: ignore[misc]


def _entries(reply: Any) -> list[tuple[str | bytes, dict[Any, Any]]]:
    """The entries of an ``XREAD`` of one stream (RESP2: ``[[stream, [(id, fields), ...]]]``)."""
    return [(entry_id, dict(fields)) for entry_id, fields in reply[0][1]] if reply else []


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else "" if value is None else str(value)
