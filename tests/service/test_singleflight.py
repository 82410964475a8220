"""Single-flight's contract around ``on_complete``: what it returns ends every subscriber's stream, and a
subscriber that leaves while it runs does not cancel it (the store of a complete answer always happens)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

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
