"""Single-flight: concurrent misses on the same key share one LLM generation.

The first caller starts the generation; every caller (the first included) subscribes and receives all
events from the start, then live ones as they arrive. When the last subscriber leaves before the end
(client disconnects), the generation is cancelled: nobody needs it any more. A burst of N identical prompts
costs one LLM call instead of N, the stampede the peers leave open.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Flight(Generic[T]):
    events: list[T] = field(default_factory=list)
    produced: bool = False  # the producer has ended; ``on_complete`` may still be running
    abandoned: bool = False  # every subscriber left before the end: nothing more is produced nor stored
    done: bool = False
    error: BaseException | None = None
    subscribers: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class SingleFlight(Generic[T]):
    """Shares one producer per key among concurrent consumers."""

    def __init__(self) -> None:
        self._flights: dict[str, _Flight[T]] = {}
        self.started = 0  # how many producers ran: the number tests and metrics care about

    def in_flight(self, key: str) -> bool:
        return key in self._flights

    async def subscribe(
        self,
        key: str,
        produce: Callable[[], AsyncGenerator[T, None]],
        on_complete: Callable[[list[T]], Awaitable[T | None]] | None = None,
    ) -> AsyncIterator[T]:
        """Every event of the generation for ``key``, from the first; starts it if none runs.

        ``on_complete`` runs once, after the producer finished without error, with all its events (the
        place to store a complete answer: a failed or cancelled one never reaches it). What it returns is the
        last event every subscriber gets, so each learns how it went; subscribers that leave while it runs
        do not cancel it.
        """
        flight = self._flights.get(key)
        if flight is None:
            flight = _Flight()
            self._flights[key] = flight
            flight.task = asyncio.create_task(self._run(key, flight, produce, on_complete))
            self.started += 1
        flight.subscribers += 1
        position = 0
        try:
            while True:
                while position < len(flight.events):
                    yield flight.events[position]
                    position += 1
                if flight.done:
                    if flight.error is not None:
                        raise flight.error
                    return
                flight.changed.clear()
                await flight.changed.wait()
        finally:
            flight.subscribers -= 1
            if flight.subscribers == 0 and not flight.produced and flight.task is not None:
                flight.abandoned = True
                flight.task.cancel()
                self._forget(key, flight)

    async def _run(
        self,
        key: str,
        flight: _Flight[T],
        produce: Callable[[], AsyncGenerator[T, None]],
        on_complete: Callable[[list[T]], Awaitable[T | None]] | None,
    ) -> None:
        try:
            async with contextlib.aclosing(produce()) as events:
                async for event in events:
                    _unless_abandoned(flight)
                    flight.events.append(event)
                    flight.changed.set()
            _unless_abandoned(flight)
        except asyncio.CancelledError:
            self._end(key, flight, asyncio.CancelledError())
            raise
        except Exception as exc:
            self._end(key, flight, exc)
            return
        flight.produced = True
        # Until the answer is stored, a late arrival still joins this flight (and replays its events)
        # rather than starting a second generation.
        try:
            if on_complete is not None:
                last = await on_complete(flight.events)
                if last is not None:
                    flight.events.append(last)
        finally:
            self._end(key, flight, None)

    def _end(self, key: str, flight: _Flight[T], error: BaseException | None) -> None:
        flight.error = error
        flight.done = True
        flight.changed.set()
        self._forget(key, flight)

    def _forget(self, key: str, flight: _Flight[T]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]


def _unless_abandoned(flight: _Flight[Any]) -> None:
    """Cancelled, if every subscriber left: the task's cancel can be lost on its way (a reply that arrived in the
    same loop turn, which an ``await`` under it then returns instead of raising: seen on Redis's flight lock under
    load), and a generation nobody reads must then stop at its next event, never reach ``on_complete``."""
    if flight.abandoned:
        raise asyncio.CancelledError
