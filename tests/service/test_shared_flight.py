"""Single-flight across processes: two ``nearhit serve`` processes on one Redis, 20 concurrent identical misses
spread over both, one LLM call (counted by the fake OpenAI upstream both call). A follower whose leader is
gone calls the LLM itself instead of waiting forever."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from nearhit.cache.keys import KeySpace, sha256_hex
from nearhit.config import Settings
from nearhit.llm.base import LLMEvent, StreamEnd, TextChunk, ToolCallDelta, Usage
from nearhit.llm.errors import LLMError
from nearhit.service import bootstrap, shared_flight, storing
from nearhit.service.shared_flight import FlightKeys, SharedFlights
from tests.support import wire
from tests.support.fake_upstream import FakeUpstream, Pause, Stream
from tests.support.server_process import running_server, server_process
from tests.support.sse import events
from tests.support.stalling_proxy import StallingProxy
from tests.support.waiting import eventually

PROMPT = "Explain, in two sentences, why a shared cache needs a cross-process single-flight."


@pytest.mark.slow
async def test_twenty_identical_misses_on_two_processes_make_one_llm_call(
    tmp_path: Path, redis_url: str, upstream_server: FakeUpstream
) -> None:
    answer = upstream_server.answer("One call ", "serves ", "every waiter.", usage=(20, 6))
    upstream_server.reset(Stream([answer.items[0], Pause(1.0), *answer.items[1:]]))  # slow: the misses overlap
    env = _serving_env(redis_url, upstream_server)
    for i in range(2):
        (tmp_path / f"p{i}").mkdir()
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(server_process(env, tmp_path / f"p{i}")) for i in range(2)]
        async with httpx.AsyncClient(timeout=30) as client:
            replies = await asyncio.gather(
                *(client.post(f"{urls[i % 2]}/ask", json={"prompt": PROMPT, "include_raw": False}) for i in range(20))
            )
    assert [reply.status_code for reply in replies] == [200] * 20
    answers = {reply.json()["cache"]["answer"] for reply in replies}
    assert answers == {"One call serves every waiter."}
    assert len(upstream_server.chat_requests) == 1
    # The call's cost once: the other process's requests followed it through Redis (each process's own first
    # request recorded it again before, hv61, so the spend reported doubled with two processes).
    paid = [reply.json()["cache"]["cost_usd"] for reply in replies if reply.json()["cache"]["cost_usd"]]
    assert len(paid) == 1, paid


async def test_a_follower_whose_leader_is_gone_calls_the_llm_itself(settings: Settings) -> None:
    redis = await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    calls: list[str] = []

    def llm(name: str) -> AsyncIterator[LLMEvent]:
        async def events() -> AsyncIterator[LLMEvent]:
            calls.append(name)
            yield TextChunk(f"from {name}")
            yield StreamEnd(Usage(1, 1), "stop", "m")

        return events()

    try:
        leader, follower = SharedFlights(lambda: redis, keys), SharedFlights(lambda: redis, keys, silence_s=0.3)
        flight = "scope:prompt:options"
        digest_lock = keys.flight_lock(sha256_hex(flight)[:32])
        await redis.set(digest_lock, "a leader that crashed before writing anything", px=60_000)
        started = asyncio.get_running_loop().time()
        got = [event async for event in follower.produce(flight, lambda: llm("follower"), _stored)]
        assert calls == ["follower"] and isinstance(got[0], TextChunk) and got[0].text == "from follower"
        assert asyncio.get_running_loop().time() - started < 2.0
        await redis.delete(digest_lock)
        got = [event async for event in leader.produce(flight, lambda: llm("leader"), _stored)]
        assert calls == ["follower", "leader"] and leader.led == 1
    finally:
        await redis.aclose()


async def test_a_follower_reads_every_event_of_the_leaders_generation(settings: Settings) -> None:
    redis = await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    calls = 0
    events: list[LLMEvent] = [
        TextChunk("Hello ", ({"token": "Hello", "logprob": -0.1},)),
        ToolCallDelta(0, '{"city": ', "call_1", "weather"),
        ToolCallDelta(0, '"Paris"}'),
        StreamEnd(Usage(12, 3, "tokenizer"), "tool_calls", "gpt-4o"),
    ]

    async def llm() -> AsyncIterator[LLMEvent]:
        nonlocal calls
        calls += 1
        for event in events:
            await asyncio.sleep(0.05)  # the follower joins mid-generation
            yield event

    try:
        processes = [SharedFlights(lambda: redis, keys), SharedFlights(lambda: redis, keys)]

        async def run(flights: SharedFlights, delay: float) -> list[LLMEvent]:
            await asyncio.sleep(delay)
            return [event async for event in flights.produce("the same miss", llm, _stored)]

        first, second = await asyncio.gather(run(processes[0], 0), run(processes[1], 0.08))
        assert calls == 1 and first == second == events
        assert (processes[0].led, processes[1].followed) == (1, 1)
    finally:
        await redis.aclose()


async def test_a_failed_or_cut_generation_is_not_replayed_to_the_next_flight(settings: Settings) -> None:
    """A flight that failed, or whose answer was cut off (no finish reason), leaves nothing behind: the next
    identical miss calls the LLM again at once, and its follower reads the new generation only (not the old
    one's text followed by its failure)."""
    redis = await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    flight = "the same miss"

    async def failing() -> AsyncIterator[LLMEvent]:
        yield TextChunk("stale words ")
        raise LLMError("the upstream broke off")

    async def cut() -> AsyncIterator[LLMEvent]:
        yield TextChunk("half an ans")
        yield StreamEnd(Usage(5, 3), "unknown", "m")

    async def fresh() -> AsyncIterator[LLMEvent]:
        yield TextChunk("fresh")
        await asyncio.sleep(0.3)  # the follower joins mid-generation
        yield StreamEnd(Usage(5, 1), "stop", "m")

    try:
        for broken in (failing, cut):
            first, second = SharedFlights(lambda: redis, keys), SharedFlights(lambda: redis, keys)
            with contextlib.suppress(LLMError):
                [event async for event in first.produce(flight, broken, _stored)]
            assert not await redis.exists(keys.flight_lock(sha256_hex(flight)[:32]))

            led, followed = await asyncio.gather(
                _events(first.produce(flight, fresh, _stored)), _later(second, flight, fresh)
            )
            assert (first.led, second.followed) == (2, 1)
            assert followed == led and [e.text for e in followed if isinstance(e, TextChunk)] == ["fresh"]
            # the whole answer's lock and events linger (a miss looked up meanwhile joins it): dropped for the next
            lock = keys.flight_lock(sha256_hex(flight)[:32])
            leader = (await redis.get(lock)).decode()
            await redis.delete(lock, FlightKeys.of(keys, sha256_hex(flight)[:32], leader).events)
    finally:
        await redis.aclose()


def _serving_env(redis_url: str, upstream: FakeUpstream) -> dict[str, str]:
    """A ``nearhit serve`` process on the shared Redis (an index of the test's own), calling the fake upstream."""
    return {
        "REDIS_URL": redis_url,
        "VECTOR_INDEX_NAME": f"sf_{uuid.uuid4().hex[:8]}",
        "NEARHIT_LLM": "openai",
        "OPENAI_BASE_URL": upstream.base_url,
        "OPENAI_API_KEY": "test-key",
    }


def _stored(events: Sequence[LLMEvent]) -> bool:
    """The service's rule for a flight that lingers: an answer it would store."""
    return storing.not_to_replay(events, {}) is None


async def _events(stream: AsyncIterator[LLMEvent]) -> list[LLMEvent]:
    return [event async for event in stream]


async def _later(flights: SharedFlights, flight: str, llm: Callable[[], AsyncIterator[LLMEvent]]) -> list[LLMEvent]:
    """The same flight from another process, a moment after the first: it follows."""
    await asyncio.sleep(0.1)
    return await _events(flights.produce(flight, llm, _stored))


FOREIGN_EVENTS = {
    "nested 50,000 deep": {"kind": "text", "event": "[" * 50_000 + "]" * 50_000},
    "not JSON": {"kind": "text", "event": "not json"},
    "not UTF-8": {"kind": "text", "event": b"\xff\xfe"},
    "text a number": {"kind": "text", "event": '{"text": 5}'},
    "no event": {"kind": "end"},
    "an unknown kind": {"kind": "image", "event": "{}"},
}


@pytest.mark.parametrize("fields", FOREIGN_EVENTS.values(), ids=FOREIGN_EVENTS.keys())
async def test_a_flights_event_another_client_wrote_makes_the_follower_call_the_llm_itself(
    settings: Settings, fields: dict[str, str | bytes]
) -> None:
    redis = await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    answer = [TextChunk("its own answer"), StreamEnd(Usage(1, 1), "stop", "m")]

    async def llm() -> AsyncIterator[LLMEvent]:
        for event in answer:
            yield event

    try:
        flight = f"scope:{uuid.uuid4().hex}:options"
        digest = sha256_hex(flight)[:32]
        leader = FlightKeys.of(keys, digest, "a leader that is still running")
        await redis.set(leader.lock, leader.leader, px=60_000)
        await redis.xadd(leader.events, fields)  # type: ignore[arg-type]
        follower = SharedFlights(lambda: redis, keys)
        assert await _events(follower.produce(flight, llm, _stored)) == answer
        assert follower.led == 1 and follower.followed == 0
    finally:
        await redis.aclose()


async def test_a_follower_left_mid_answer_by_its_leader_is_told_why(settings: Settings) -> None:
    """The leader's upstream fails after the follower passed a piece on: the follower does not ask the LLM again (it
    would most likely fail the same way) and fails, saying why. It said "the shared generation stopped before its
    end" whatever happened: a client reading it could not tell an upstream's failure from another process's client
    leaving (hv62). Each step waits for the one before (no fixed sleep: under load a follower that had not yet
    passed a piece on led the generation itself)."""
    redis = await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    started, passed_on = asyncio.Event(), asyncio.Event()

    async def failing() -> AsyncIterator[LLMEvent]:
        yield TextChunk("the first words ")
        started.set()  # published: a process asking now follows
        await passed_on.wait()
        raise LLMError("openai answered HTTP 500: the model is overloaded")

    async def following(flight: str) -> list[LLMEvent]:
        await started.wait()
        events = []
        async for event in follower.produce(flight, failing, _stored):
            events.append(event)
            passed_on.set()  # its client has the first words
        return events

    try:
        flight = f"scope:{uuid.uuid4().hex}:options"
        leader, follower = SharedFlights(lambda: redis, keys), SharedFlights(lambda: redis, keys)
        ended: tuple[list[LLMEvent] | BaseException, ...] = await asyncio.gather(
            _events(leader.produce(flight, failing, _stored)), following(flight), return_exceptions=True
        )
        led, followed = ended
        assert isinstance(led, LLMError) and isinstance(followed, LLMError)
        assert "stopped before its end: openai answered HTTP 500: the model is overloaded" in followed.message
        assert follower.led == 0  # it did not call the LLM itself after passing words on
    finally:
        await redis.aclose()


async def test_a_leaders_call_outlives_its_requests_while_a_follower_listens(settings: Settings) -> None:
    """Every request of the leading process leaves mid-answer (its clients hung up): the call goes on while a follower
    in another process listens, which gets the whole answer from that one call (before, hv62, it failed with "every
    client of the process leading it left"). When the leading process then stops, the follower calls the LLM itself
    and goes on from the words it passed on. A call nobody listens to any more stops at once."""
    redis = await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    started, passed_on, go = asyncio.Event(), asyncio.Event(), asyncio.Event()
    calls: list[str] = []

    async def leading_call() -> AsyncIterator[LLMEvent]:
        calls.append("leader")
        yield TextChunk("the first words ")
        started.set()
        await go.wait()
        yield TextChunk("and the rest.")
        yield StreamEnd(Usage(5, 4), "stop", "m")

    async def own_call() -> AsyncIterator[LLMEvent]:
        calls.append("follower")
        for piece in ("the first ", "words and the rest."):
            yield TextChunk(piece)
        yield StreamEnd(Usage(5, 4), "stop", "m")

    async def following(flights: SharedFlights, flight: str) -> str:
        await started.wait()
        pieces = []
        async for event in flights.produce(flight, own_call, _stored):
            pieces.append(event.text if isinstance(event, TextChunk) else "")
            passed_on.set()
        return "".join(pieces)

    async def left_by_its_requests(leader: SharedFlights, flight: str) -> None:
        """The leader's requests leave once the follower passed the first words on."""
        leading = asyncio.create_task(_events(leader.produce(flight, leading_call, _stored)))
        await passed_on.wait()
        leading.cancel()
        await asyncio.wait({leading})

    try:
        leader, follower = SharedFlights(lambda: redis, keys), SharedFlights(lambda: redis, keys)
        flight = f"scope:{uuid.uuid4().hex}:options"
        waiting = asyncio.create_task(following(follower, flight))
        await left_by_its_requests(leader, flight)
        go.set()
        assert await waiting == "the first words and the rest."
        assert calls == ["leader"] and follower.led == 0

        for event in (started, passed_on, go):
            event.clear()
        calls.clear()
        flight = f"scope:{uuid.uuid4().hex}:options"
        waiting = asyncio.create_task(following(follower, flight))
        await left_by_its_requests(leader, flight)
        await leader.close()  # the leading process stops
        assert await waiting == "the first words and the rest."
        assert calls == ["leader", "follower"] and follower.led == 1

        flight = f"scope:{uuid.uuid4().hex}:options"
        alone = asyncio.create_task(_events(leader.produce(flight, leading_call, _stored)))
        await eventually(lambda: len(calls) == 3)
        alone.cancel()
        await asyncio.wait({alone})
        assert not await redis.exists(keys.flight_lock(sha256_hex(flight)[:32]))  # stopped, its lease let go
    finally:
        await redis.aclose()


LEFT_PROMPT = "Explain, in three sentences, why a follower must outlive the clients of its leader."


@pytest.mark.slow
@pytest.mark.parametrize("how", ["disconnect", "sigkill"])
async def test_a_follower_in_another_process_gets_the_whole_answer_when_its_leader_stops(
    tmp_path: Path, redis_url: str, upstream_server: FakeUpstream, how: str
) -> None:
    """Process A leads a miss, process B follows it through Redis and has passed the first words on; then every
    client of A leaves (or A is killed). B's client still gets the whole answer, and one entry is stored. Before
    (hv62) B's client got "the generation shared with another process stopped before its end" (A's clients left:
    A cancelled its call) or waited 10 s for the same error (A killed). When A's clients leave, A's call goes on
    while B listens: one LLM call. When A is killed, B calls the LLM itself: two calls, and its client's answer
    goes on from the words it already has (the second call repeats them)."""
    answer = upstream_server.answer("A follower ", "outlives ", "its leader's clients.", usage=(20, 6))
    upstream_server.reset(Stream([*answer.items[:2], Pause(4.0), *answer.items[2:]]))  # A stops in the pause
    env = _serving_env(redis_url, upstream_server)
    body = {"prompt": LEFT_PROMPT, "include_raw": False}
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    with contextlib.ExitStack() as stack:
        url_a, process_a = stack.enter_context(running_server(env, tmp_path / "a"))
        url_b = stack.enter_context(server_process(env, tmp_path / "b"))
        async with httpx.AsyncClient(timeout=30) as client_a, httpx.AsyncClient(timeout=30) as client_b:
            async with client_a.stream("POST", f"{url_a}/ask/stream", json=body) as leading:
                led = events(leading)  # held: a reader dropped closes its response (its client leaves)
                assert await _first_words(led) == "A follower "
                async with client_b.stream("POST", f"{url_b}/ask/stream", json=body) as following:
                    followed = events(following)
                    assert await _first_words(followed) == "A follower "  # B follows A's call: its words
                    if how == "disconnect":
                        await leading.aclose()  # A's only client leaves
                    else:
                        os.kill(process_a.pid, signal.SIGKILL)
                    rest = [(kind, data) async for kind, data in followed]
            words = "A follower " + "".join(data["content"] for kind, data in rest if kind == "content_chunk")
            (done,) = [data for kind, data in rest if kind == "column_complete"]
            assert (done["status"], words) == ("done", "A follower outlives its leader's clients."), done
            assert done["store"] == "stored" and done["joined"] == (how == "disconnect"), done

            async def entries() -> int:
                return int((await client_b.get(f"{url_b}/cache/stats")).json()["entries"])

            assert await eventually(entries) == 1
            again = (await client_b.post(f"{url_b}/ask", json=body)).json()["cache"]
            assert (again["outcome"], again["answer"]) == ("exact", words)  # the whole answer stored, not a piece
    assert len(upstream_server.chat_requests) == (1 if how == "disconnect" else 2)


async def _first_words(stream: AsyncIterator[tuple[str, dict[str, Any]]]) -> str:
    """The first piece of the cache column's answer (the events before it read and dropped)."""
    async for kind, data in stream:
        if kind == "content_chunk" and data["content"]:
            return str(data["content"])
    raise AssertionError("the stream ended without a word")


async def test_a_follower_that_passed_the_whole_answer_on_does_not_call_the_llm_again(settings: Settings) -> None:
    """The leader published its last event (the end) and then stopped before its "done" (its process stopping, or
    killed, between the two): the follower's client has the whole answer. Before (rv64) the follower called the LLM
    again and went on "after the words it passed on": a second end, or more words after the end, reached its client
    (a model at temperature > 0 answering longer), and the LLM was paid twice."""
    redis = await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    answer: list[LLMEvent] = [TextChunk("The whole answer."), StreamEnd(Usage(5, 3), "stop", "m")]
    published, calls = asyncio.Event(), 0

    ends_then_hangs = _says_then_hangs(published, *answer)  # its stream not closed yet when the process stops

    async def asked_again() -> AsyncIterator[LLMEvent]:
        nonlocal calls
        calls += 1
        yield TextChunk("The whole answer. And a sentence more.")
        yield StreamEnd(Usage(5, 8), "stop", "m")

    got: list[LLMEvent] = []
    try:
        leader, follower = SharedFlights(lambda: redis, keys), SharedFlights(lambda: redis, keys)
        flight = f"scope:{uuid.uuid4().hex}:options"
        leading, following_task = await _followed(
            leader, follower, flight, (ends_then_hangs, published), asked_again, got
        )
        await eventually(lambda: len(got) == len(answer))  # its client has the whole answer
        leading.cancel()  # the leading process stops: its request leaves, then the call kept for the follower
        await asyncio.wait({leading})
        await leader.close()
        await following_task
        assert got == answer
        assert calls == 0 and follower.led == 0
    finally:
        await redis.aclose()


async def test_a_lapsed_leaders_words_never_reach_the_next_leaders_followers(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A leader cut off from Redis mid-answer (its process frozen, or its link gone: as if killed) stops renewing its
    lease; once it lapses, the next identical miss leads a new call. Its followers get that call's answer only: before
    (rv64) both calls wrote one stream, so a follower joining the new one read the old one's words first (its client
    got "Half of the first" + "A new answer.", and its process stored that). A follower of the cut-off leader either
    goes on with its own call or fails cleanly, never with the new leader's words spliced after the old one's. The
    cut-off leader's own client still gets its whole answer (the raw LLM path does not need Redis)."""
    monkeypatch.setattr(shared_flight, "LEASE_MS", 1_000)
    monkeypatch.setattr(shared_flight, "RENEW_S", 0.2)
    redis = await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    flight = f"scope:{uuid.uuid4().hex}:options"
    lock = keys.flight_lock(sha256_hex(flight)[:32])
    said, go = asyncio.Event(), asyncio.Event()

    async def first_call() -> AsyncIterator[LLMEvent]:
        yield TextChunk("Half of the first ")
        said.set()
        await go.wait()
        yield TextChunk("answer.")
        yield StreamEnd(Usage(5, 4), "stop", "m")

    async def new_call() -> AsyncIterator[LLMEvent]:
        yield TextChunk("A new answer.")
        await asyncio.sleep(0.3)  # a follower joins mid-generation
        yield StreamEnd(Usage(5, 3), "stop", "m")

    address = redis.connection_pool.connection_kwargs
    async with StallingProxy().running(address["host"], address["port"]) as proxy:
        cut_off = Redis(host="127.0.0.1", port=proxy.port, protocol=2, socket_timeout=0.5, retry=Retry(NoBackoff(), 0))
        try:
            first = SharedFlights(lambda: cut_off, keys)
            follower_of_first, second, follower_of_second = (SharedFlights(lambda: redis, keys) for _ in range(3))
            leading = asyncio.create_task(_events(first.produce(flight, first_call, _stored)))
            await said.wait()
            heard: list[LLMEvent] = []
            following_first = asyncio.create_task(_heard(follower_of_first.produce(flight, new_call, _stored), heard))
            await eventually(lambda: heard)  # its client has the first words
            proxy.silent = True  # the first leader is cut off: its lease lapses
            await eventually(_no_keys(redis, lock))
            led, followed = await asyncio.gather(
                _events(second.produce(flight, new_call, _stored)), _later(follower_of_second, flight, new_call)
            )
            assert (second.led, follower_of_second.followed) == (1, 1)
            assert followed == led and [e.text for e in followed if isinstance(e, TextChunk)] == ["A new answer."]

            done = await asyncio.gather(following_first, return_exceptions=True)
            text = "".join(e.text for e in heard if isinstance(e, TextChunk))
            assert text == "Half of the first " and isinstance(done[0], LLMError), (text, done)
            go.set()
            assert [e.text for e in await leading if isinstance(e, TextChunk)] == ["Half of the first ", "answer."]
        finally:
            await cut_off.aclose()
            await redis.aclose()


async def test_a_follower_asked_again_otherwise_fails_cleanly_and_nothing_is_left_behind(settings: Settings) -> None:
    """The leader's process stops after the follower passed its first words on; the follower's own call (a model at
    temperature > 0) begins otherwise: its client gets the broken-off error, never the other call's words after its
    own. Then both processes' requests leave a call that nobody listens to: no call runs on and no key of the
    flight (lease, events, "listening") is left (rv64, held)."""
    redis = await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    said = asyncio.Event()
    leading_call = _says_then_hangs(said, TextChunk("The first words "))

    async def otherwise() -> AsyncIterator[LLMEvent]:
        yield TextChunk("A different beginning, ")
        yield TextChunk("then the rest.")
        yield StreamEnd(Usage(5, 4), "stop", "m")

    heard: list[LLMEvent] = []
    try:
        leader, follower = SharedFlights(lambda: redis, keys), SharedFlights(lambda: redis, keys)
        flight = f"scope:{uuid.uuid4().hex}:options"
        digest = sha256_hex(flight)[:32]
        leading, waiting = await _followed(leader, follower, flight, (leading_call, said), otherwise, heard)
        leading.cancel()
        await asyncio.wait({leading})
        await leader.close()
        (ended,) = await asyncio.gather(waiting, return_exceptions=True)
        assert isinstance(ended, LLMError) and "answered otherwise" in ended.message, ended
        assert [e.text for e in heard if isinstance(e, TextChunk)] == ["The first words "]

        said.clear()
        flight = f"scope:{uuid.uuid4().hex}:options"
        digest = sha256_hex(flight)[:32]
        heard.clear()
        leading, waiting = await _followed(leader, follower, flight, (leading_call, said), otherwise, heard)
        for task in (waiting, leading):  # the follower's client leaves, then the leader's
            task.cancel()
            await asyncio.wait({task})
        await eventually(lambda: leader.running == 0 and follower.running == 0, timeout=6)
        pattern = f"{keys.flight_lock(digest).rsplit(':', 1)[0]}:*"
        await eventually(_no_keys(redis, pattern), timeout=6)
    finally:
        await redis.aclose()


def _no_keys(redis: Any, pattern: str) -> Callable[[], Awaitable[bool]]:
    """Whether no key matches ``pattern`` (a key's own name: whether it is gone), to wait for."""

    async def none() -> bool:
        return not await redis.keys(pattern)

    return none


def _says_then_hangs(said: asyncio.Event, *events: LLMEvent) -> Callable[[], AsyncIterator[LLMEvent]]:
    """An LLM call that sends ``events``, sets ``said``, then waits for ever (until it is stopped)."""

    async def call() -> AsyncIterator[LLMEvent]:
        for event in events:
            yield event
        said.set()
        await asyncio.Event().wait()

    return call


async def _followed(
    leader: SharedFlights,
    follower: SharedFlights,
    flight: str,
    led: tuple[Callable[[], AsyncIterator[LLMEvent]], asyncio.Event],
    own: Callable[[], AsyncIterator[LLMEvent]],
    heard: list[LLMEvent],
) -> tuple[asyncio.Task[list[LLMEvent]], asyncio.Task[None]]:
    """The leader's call (``led``: the call, and the event it sets once it has spoken) and a follower in another
    process reading it (``own``: its call should it need one), returned once the follower's client heard a word."""
    call, said = led
    leading = asyncio.create_task(_events(leader.produce(flight, call, _stored)))
    await said.wait()
    following = asyncio.create_task(_heard(follower.produce(flight, own, _stored), heard))
    await eventually(lambda: heard)
    return leading, following


async def _heard(stream: AsyncIterator[LLMEvent], heard: list[LLMEvent]) -> None:
    """A follower's events, each put in ``heard`` as its client gets it (what a test waits for)."""
    async for event in stream:
        heard.append(event)


async def test_a_process_stopping_while_redis_stalls_does_not_hang_on_a_call_kept_for_a_follower(
    settings: Settings,
) -> None:
    """The leading process keeps a call for a follower elsewhere, then stops while its Redis stalls: its call's
    clean-up (the failure marker, the lease let go) waits on Redis, and meanwhile the watcher, which no longer hears
    the follower (Redis does not answer), stops the call again. Before (rv64) that second cancel cut the clean-up
    short, the call never counted as ended, and its watcher went on for ever: ``close`` (the process's shutdown) hung.
    Now the process stops within Redis's time-outs, and the follower, which heard the first words, is told."""
    redis = await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    said = asyncio.Event()
    leading_call = _says_then_hangs(said, TextChunk("The first words "))

    async def own_call() -> AsyncIterator[LLMEvent]:
        yield TextChunk("The first words and the rest.")
        yield StreamEnd(Usage(5, 4), "stop", "m")

    heard: list[LLMEvent] = []
    address = redis.connection_pool.connection_kwargs
    async with StallingProxy().running(address["host"], address["port"]) as proxy:
        stalling = Redis(host="127.0.0.1", port=proxy.port, protocol=2, socket_timeout=3, retry=Retry(NoBackoff(), 0))
        try:
            leader, follower = SharedFlights(lambda: stalling, keys), SharedFlights(lambda: redis, keys)
            flight = f"scope:{uuid.uuid4().hex}:options"
            leading, waiting = await _followed(leader, follower, flight, (leading_call, said), own_call, heard)
            leading.cancel()  # the leading process's requests leave: its call goes on for the follower
            await asyncio.wait({leading})
            assert leader.running == 1
            proxy.silent = True
            async with asyncio.timeout(20):
                await leader.close()
            assert leader.running == 0
            await waiting
            assert "".join(e.text for e in heard if isinstance(e, TextChunk)) == "The first words and the rest."
        finally:
            await stalling.aclose()
            await redis.aclose()


async def test_a_leader_whose_lease_lapsed_does_not_renew_the_next_leaders(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A leader's lease lapsed while it ran (it was cut off for a moment) and another process leads the flight now;
    that one is killed. Its lease must lapse on time so its followers call the LLM themselves: before (rv64) the
    first leader's renewals, sent without asking whose lease it was, kept the killed one's alive for as long as the
    first call ran."""
    monkeypatch.setattr(shared_flight, "LEASE_MS", 1_000)
    monkeypatch.setattr(shared_flight, "RENEW_S", 0.2)
    redis = await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    said = asyncio.Event()
    long_call = _says_then_hangs(said, TextChunk("A long answer "))

    try:
        first = SharedFlights(lambda: redis, keys)
        flight = f"scope:{uuid.uuid4().hex}:options"
        lock = keys.flight_lock(sha256_hex(flight)[:32])
        running = asyncio.create_task(_events(first.produce(flight, long_call, _stored)))
        await said.wait()
        claimed = asyncio.get_running_loop().time()

        async def renewed() -> bool:  # held past its length: renewed
            return asyncio.get_running_loop().time() - claimed > 1.5 and bool(await redis.exists(lock))

        await eventually(renewed, timeout=3)
        await redis.set(lock, "the next leader, killed at once", px=1_000)  # the first's lapsed; another's now
        await eventually(_no_keys(redis, lock), timeout=3)
        running.cancel()
        await asyncio.wait({running})
    finally:
        await redis.aclose()


@pytest.mark.parametrize("linger_ms", [None, 5_000], ids=["failed", "whole answer"])
async def test_a_leader_lets_go_only_of_its_own_lease_in_one_step(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, linger_ms: int | None
) -> None:
    """A leader whose lease lapsed lets go of the flight: the next leader's lease and stream stay; its own go. Asked
    and let go in one command: a GET then a DEL sent apart could delete a lease that lapsed between the two, the
    next leader's, and a third process would lead the same flight beside it."""
    redis = await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    digest = sha256_hex(uuid.uuid4().hex)[:32]
    first, second = FlightKeys.of(keys, digest, "first"), FlightKeys.of(keys, digest, "second")
    try:
        await redis.set(second.lock, "second", px=60_000)
        await redis.xadd(second.events, {"kind": "text"})
        sent = wire.record(monkeypatch, wire.command_names)
        await shared_flight._release(redis, first, "first", linger_ms=linger_ms)
        assert [names for names in sent if names] == [["EVAL"]], sent
        assert shared_flight._text(await redis.get(second.lock)) == "second" and await redis.exists(second.events)
        await shared_flight._release(redis, second, "second", linger_ms=linger_ms)
        if linger_ms is None:
            assert not await redis.exists(second.lock, second.events)
        else:
            assert 0 < await redis.pttl(second.lock) <= linger_ms and 0 < await redis.pttl(second.events) <= linger_ms
    finally:
        await redis.delete(first.lock, second.lock, first.events, second.events)
        await redis.aclose()


async def test_a_miss_does_not_wait_on_a_stalled_redis_for_its_lease(settings: Settings) -> None:
    """Redis stalls (no reply, no reset) as a miss claims its lease: the miss's LLM call starts within ``CLAIM_S``,
    answered by this process alone. Before, it waited the client's whole time-out first (``NEARHIT_REDIS_TIMEOUT``:
    2 s by default, the 30 s the benchmarks set: the 30 s a leader's client waited)."""
    direct = await bootstrap.connect_redis(settings)
    address = direct.connection_pool.connection_kwargs
    await direct.aclose()
    async with StallingProxy().running(address["host"], address["port"]) as proxy:
        own = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{proxy.port}/0", "redis_timeout": 5.0})
        stalling = await bootstrap.connect_redis(own)  # the service's client: its time-outs, its pool
        try:
            flights = SharedFlights(lambda: stalling, KeySpace(settings.index_name))

            async def llm() -> AsyncIterator[LLMEvent]:
                yield TextChunk("Answered without the lease.")
                yield StreamEnd(Usage(3, 4), "stop", "m")

            proxy.silent = True
            started = asyncio.get_running_loop().time()
            async with asyncio.timeout(10):
                got = await _events(flights.produce(f"scope:{uuid.uuid4().hex}:options", llm, _stored))
            waited = asyncio.get_running_loop().time() - started
            assert waited < 1.5, f"the miss waited {waited:.2f} s on the stalled Redis"
            assert [e.text for e in got if isinstance(e, TextChunk)] == ["Answered without the lease."]
            assert (flights.led, flights.followed) == (1, 0)
        finally:
            proxy.silent = False
            await stalling.aclose()


async def test_a_lease_granted_after_its_claim_gave_up_is_let_go(settings: Settings) -> None:
    """Redis stalls as a miss claims its lease, then answers: the miss called the LLM alone after ``CLAIM_S``, and the
    lease Redis granted it late is let go in the background as soon as Redis answers, not left for a miss in another
    process to wait on until it lapses (``LEASE_MS``, 5 s)."""
    direct = await bootstrap.connect_redis(settings)
    address = direct.connection_pool.connection_kwargs
    keys = KeySpace(settings.index_name)
    flight = f"scope:{uuid.uuid4().hex}:options"
    lock = keys.flight_lock(sha256_hex(flight)[:32])
    async with StallingProxy().running(address["host"], address["port"]) as proxy:
        own = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{proxy.port}/0", "redis_timeout": 5.0})
        stalling = await bootstrap.connect_redis(own)
        flights = SharedFlights(lambda: stalling, keys)
        try:

            async def llm() -> AsyncIterator[LLMEvent]:
                yield TextChunk("Answered while Redis stalled.")
                yield StreamEnd(Usage(3, 4), "stop", "m")

            proxy.held = True
            got = await _events(flights.produce(flight, llm, _stored))
            assert [e.text for e in got if isinstance(e, TextChunk)] == ["Answered while Redis stalled."]
            proxy.held = False  # the claim reaches Redis now and is granted; the release follows it
            answered = asyncio.get_running_loop().time()

            async def let_go() -> bool:
                return not await direct.exists(lock)

            await eventually(let_go, timeout=2.0)
            assert asyncio.get_running_loop().time() - answered < shared_flight.LEASE_MS / 1000 - 2
        finally:
            proxy.held = False
            await flights.close()
            await stalling.aclose()
            await direct.delete(lock)
            await direct.aclose()


async def test_a_leaders_answer_ends_when_its_llm_does_while_redis_stalls(settings: Settings) -> None:
    """Redis stalls after a leader claimed its lease, mid-answer: the leader's own stream ends with its LLM's last
    event, not once the events and the lease release reached Redis (each waiting the client's time-out: 5 s here,
    the benchmarks' 30 s held the gateway's ``[DONE]`` for a minute)."""
    direct = await bootstrap.connect_redis(settings)
    address = direct.connection_pool.connection_kwargs
    await direct.aclose()
    async with StallingProxy().running(address["host"], address["port"]) as proxy:
        own = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{proxy.port}/0", "redis_timeout": 5.0})
        stalling = await bootstrap.connect_redis(own)
        flights = SharedFlights(lambda: stalling, KeySpace(settings.index_name))
        go_on = asyncio.Event()
        try:

            async def llm() -> AsyncIterator[LLMEvent]:
                yield TextChunk("Begun with Redis, ")
                await go_on.wait()
                yield TextChunk("ended without it.")
                yield StreamEnd(Usage(3, 4), "stop", "m")

            texts: list[str] = []
            async with asyncio.timeout(20):
                async for event in flights.produce(f"scope:{uuid.uuid4().hex}:options", llm, _stored):
                    if isinstance(event, TextChunk):
                        texts.append(event.text)
                    if len(texts) == 1 and not go_on.is_set():
                        proxy.silent = True
                        go_on.set()
                        stalled = asyncio.get_running_loop().time()
                ended = asyncio.get_running_loop().time() - stalled
            assert texts == ["Begun with Redis, ", "ended without it."] and flights.led == 1
            assert ended < 1.0, f"the answer ended {ended:.2f} s after its LLM's, waiting on the stalled Redis"
        finally:
            proxy.silent = False
            await flights.close()
            await stalling.aclose()
