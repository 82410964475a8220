"""Single-flight's contract around ``on_complete``: what it returns ends every subscriber's stream, and a
subscriber that leaves while it runs does not cancel it (the store of a complete answer always happens)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator

from nearhit.service.singleflight import SingleFlight


async def produce() -> AsyncIterator[str]:
    for piece in ("a", "b"):
        await asyncio.sleep(0)  # a producer that yields to the loop between pieces, not a wait
        yield piece


async def test_every_subscriber_gets_what_on_complete_returns_last() -> None:
    flights: SingleFlight[str] = SingleFlight()

    async def complete(events: list[str]) -> str:
        return "stored:" + "".join(events)

    async def read() -> list[str]:
        return [event async for event in flights.subscribe("k", produce, complete)]

    assert await asyncio.gather(read(), read()) == [["a", "b", "stored:ab"]] * 2
    assert flights.started == 1


async def test_leaving_during_on_complete_does_not_cancel_it() -> None:
    flights: SingleFlight[str] = SingleFlight()
    started, release, finished = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def complete(events: list[str]) -> None:
        started.set()
        await release.wait()
        finished.set()

    async def read_and_leave() -> None:
        async for _ in flights.subscribe("k", produce, complete):
            pass

    reader = asyncio.create_task(read_and_leave())
    await asyncio.wait_for(started.wait(), 2)
    reader.cancel()  # the only subscriber leaves while the answer is being stored
    await asyncio.gather(reader, return_exceptions=True)
    release.set()
    await asyncio.wait_for(finished.wait(), 2)
    assert not flights.in_flight("k")


async def test_leaving_during_the_generation_cancels_it() -> None:
    flights: SingleFlight[str] = SingleFlight()
    completed = []

    async def endless() -> AsyncIterator[str]:
        while True:
            await asyncio.sleep(0.001)  # an endless producer's pace, not a wait
            yield "x"

    async def complete(events: list[str]) -> None:
        completed.append(events)

    async with contextlib.aclosing(flights.subscribe("k", endless, complete)) as events:
        async for _ in events:
            break
    assert not flights.in_flight("k") and completed == []


async def test_a_generation_whose_cancel_was_lost_stops_unstored_when_everyone_left() -> None:
    """Twelve pairs of /ask/stream clients that left at their first piece of text: a whole answer was stored for
    up to 10 of the twelve questions (at load 6-8), the generation's cancel lost while its Redis flight lock's reply
    was on its way. A producer that swallows its cancel stands for that: its next event stops it, nothing stored,
    its own clean-up run."""
    flights: SingleFlight[str] = SingleFlight()
    completed: list[list[str]] = []
    left, cleaned = asyncio.Event(), asyncio.Event()

    async def deaf() -> AsyncGenerator[str, None]:
        try:
            yield "first"
            with contextlib.suppress(asyncio.CancelledError):  # the cancel lost on its way
                await left.wait()
                await asyncio.sleep(0.01)
            yield "second"
            yield "third"
        finally:
            cleaned.set()

    async def complete(events: list[str]) -> None:
        completed.append(events)

    async with contextlib.aclosing(flights.subscribe("k", deaf, complete)) as events:
        async for _ in events:
            break
    left.set()
    await asyncio.wait_for(cleaned.wait(), 2)  # a store would follow in the same step: no await before it
    assert completed == [] and not flights.in_flight("k")
