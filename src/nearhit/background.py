"""Fire-and-forget work, with one drain on close (the idea of starlette's ``background.py``).

A request must not wait for, nor fail because of, the writes that follow it: the hit counters, the embedding
store's fill, a TTL refresh, a telemetry event, which entry a request was served. They run here; a failure is
logged, never raised: naming the work that failed (a ``soon`` job by its name, other work by its function), once
until that work succeeds again (Redis full refused every request's fill: one line per request said only "command
not allowed when used memory > 'maxmemory'"). Writes that batch well (counters, aggregates, the embedding
store's fill) are run ``soon``: once per delay, however often they are asked for. ``drain`` runs what is due at
once and waits for all of it (tests, shutdown).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from nearhit.redis_full import said

log = logging.getLogger(__name__)

Job = Callable[[], Coroutine[Any, Any, None]]


class Background:
    """The tasks one owner (a cache, the telemetry) started and has not seen finish."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._soon: dict[str, tuple[asyncio.Task[None], Job]] = {}
        self._failing: set[str] = set()
        """The work whose last run failed (its task's name): its failures are not logged again until it succeeds."""

    def run(self, work: Coroutine[Any, Any, Any], name: str | None = None) -> None:
        """Start ``work`` now (``name``: what a failure says failed; its function's by default); the caller goes
        on without waiting."""
        task = asyncio.create_task(work, name=name or getattr(work, "__qualname__", None))
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def soon(self, name: str, delay: float, job: Job) -> None:
        """Run ``job`` in ``delay`` seconds, unless a run of ``name`` is already waiting (then that one does it)."""
        waiting = self._soon.get(name)
        if waiting is None or waiting[0].done():
            self._soon[name] = (asyncio.create_task(self._later(name, delay, job)), job)

    async def drain(self) -> None:
        """Run the waiting ``soon`` jobs now and wait until everything started has finished."""
        due, self._soon = list(self._soon.items()), {}
        for _, (task, _) in due:
            task.cancel()
        for name, (_, job) in due:
            self.run(job(), name)
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
        self.run(job(), name)  # tracked from here on: a drain waits for it rather than running it twice

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        name, failure = task.get_name(), task.exception()
        if failure is None:
            self._failing.discard(name)
        elif name not in self._failing:
            self._failing.add(name)
            log.warning("background work failed (%s; not logged again until it succeeds): %s", name, said(failure))
