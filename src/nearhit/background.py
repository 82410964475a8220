"""Fire-and-forget work, with one drain on close (the idea of starlette's ``background.py``).

A request must not wait for, nor fail because of, the writes that follow it: the hit counters, the embedding
store's fill, a TTL refresh, a telemetry event, which entry a request was served. They run here; a failure is
logged, never raised. Writes that batch well (counters, aggregates, the embedding store's fill) are run
``soon``: once per delay, however often they are asked for. ``drain`` runs what is due at once and waits for all
of it (tests, shutdown).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

Job = Callable[[], Coroutine[Any, Any, None]]


class Background:
    """The tasks one owner (a cache, the telemetry) started and has not seen finish."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._soon: dict[str, tuple[asyncio.Task[None], Job]] = {}

    def run(self, work: Coroutine[Any, Any, Any]) -> None:
        """Start ``work`` now; the caller goes on without waiting."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def soon(self, name: str, delay: float, job: Job) -> None:
        """Run ``job`` in ``delay`` seconds, unless a run of ``name`` is already waiting (then that one does it)."""
        waiting = self._soon.get(name)
        if waiting is None or waiting[0].done():
            self._soon[name] = (asyncio.create_task(self._later(name, delay, job)), job)

    async def drain(self) -> None:
        """Run the waiting ``soon`` jobs now and wait until everything started has finished."""
        due, self._soon = list(self._soon.values()), {}
        for task, _ in due:
            task.cancel()
        for _, job in due:
            self.run(job())
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """Drain, then stop what the drain scheduled again (a retry after a failure): nothing is left running."""
        await self.drain()
        for task, _ in self._soon.values():
            task.cancel()
        self._soon.clear()

    async def _later(self, name: str, delay: float, job: Job) -> None:
        await asyncio.sleep(delay)
        if self._soon.get(name, (None,))[0] is asyncio.current_task():
            del self._soon[name]
        self.run(job())  # tracked from here on: a drain waits for it rather than running it twice

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("background work failed: %s", task.exception())
