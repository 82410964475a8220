"""The two-column race: raw and cache columns run at once, their events merged in arrival order.

Every event carries its column and a sequence number that increases across the whole stream, so a client
can order and de-duplicate them. Leaving the stream early (a client disconnect) cancels both columns.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from nearhit.service.events import CacheDocument, Chunk, ColumnDone, ColumnEvent

log = logging.getLogger(__name__)
EventType = Literal["column_start", "content_chunk", "cache_document", "column_complete", "stream_complete"]


@dataclass(frozen=True)
class RaceEvent:
    type: EventType
    column: str | None
    seq: int
    data: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {"seq": self.seq, "column": self.column, **self.data}


def column_complete_data(done: ColumnDone) -> dict[str, Any]:
    """The ``column_complete`` payload: status, timings, tokens, cost, the error if any, and (on a cache
    miss) whether the answer was stored."""
    return done.record.to_dict() | {
        "status": done.status,
        "finish_reason": done.finish_reason,
        "error": done.error,  # for a degraded column: why the cache was not used
        "error_status": done.error_status,
        "store": done.store,  # "stored" | "skipped" | "failed", None when there was nothing to store
        "store_reason": done.store_reason,
    }


K = TypeVar("K")


async def merge(columns: Mapping[K, AsyncIterator[ColumnEvent]]) -> AsyncGenerator[tuple[K, ColumnEvent], None]:
    """The columns' events tagged with their column, in arrival order. Leaving early (or being cancelled)
    stops every column, so work nobody reads any more is cancelled. One column is read as it is: no task,
    no queue hop per event."""
    if len(columns) == 1:
        ((name, events),) = columns.items()
        async for only in _alone(name, events):
            yield name, only
        return
    queue: asyncio.Queue[tuple[K, ColumnEvent | None]] = asyncio.Queue()

    async def pump(name: K, events: AsyncIterator[ColumnEvent]) -> None:
        try:
            async for event in events:
                await queue.put((name, event))
        except Exception:  # the columns end with a ColumnDone instead of raising; never lose one silently
            log.exception("column %s failed", name)
        finally:
            await queue.put((name, None))

    tasks = [asyncio.create_task(pump(name, events)) for name, events in columns.items()]
    running = len(tasks)
    try:
        while running:
            name, event = await queue.get()
            if event is None:
                running -= 1
            else:
                yield name, event
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _alone(name: object, events: AsyncIterator[ColumnEvent]) -> AsyncGenerator[ColumnEvent, None]:
    """A single column's events; leaving early closes it (what cancelling its pump does for several)."""
    try:
        async for event in events:
            yield event
    except Exception:  # as the pumps: a column ends with a ColumnDone instead of raising; never lose one silently
        log.exception("column %s failed", name)
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()


async def race(columns: Mapping[str, AsyncIterator[ColumnEvent]]) -> AsyncIterator[RaceEvent]:
    """Merge the columns' events as they come; ends with one ``stream_complete``."""
    seq = 0
    for name in columns:
        seq += 1
        yield RaceEvent("column_start", name, seq, {})
    completed: dict[str, Any] = {}
    async for name, event in merge(columns):
        seq += 1
        if isinstance(event, Chunk):
            yield RaceEvent("content_chunk", name, seq, {"content": event.text})
        elif isinstance(event, CacheDocument):
            yield RaceEvent("cache_document", name, seq, event.to_dict())
        else:
            completed[name] = column_complete_data(event)
            yield RaceEvent("column_complete", name, seq, completed[name])
    yield RaceEvent("stream_complete", None, seq + 1, {"columns": completed})
