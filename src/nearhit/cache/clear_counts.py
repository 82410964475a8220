"""The clear counts (:meth:`nearhit.cache.keys.KeySpace.clears_of`) as a write started before a clear reads them.

A clear counts itself (``INCR``) before it deletes anything. A write that began before it (a miss's answer, a
lookup's vectors) carries the counts read when it began, writes, then reads them again: changed, a clear ran
meanwhile and what was written is deleted. Whichever comes first, nothing from before the clear is left: a write
before the clear's deletions is deleted by them, one after its count is deleted by the writer."""

from __future__ import annotations

from collections.abc import Sequence

from redis.exceptions import ResponseError

from nearhit.cache.index import as_text

Counts = tuple[object, ...]


def read_counts(counts: Counts) -> Counts | None:
    """The clear counts a write carries; None when there are none or one is unreadable (another client's key of
    another type: the write is then made unchecked, not lost)."""
    return None if not counts or any(isinstance(count, ResponseError) for count in counts) else counts


def cleared_since(before: Counts | None, now: Sequence[object]) -> bool:
    """Whether the clear counts changed between a write's start and its end (one unread either time: no)."""
    if before is None or any(isinstance(count, Exception) for count in now):
        return False
    return [_text_of(count) for count in before] != [_text_of(count) for count in now]


def _text_of(raw: object) -> str | None:
    return as_text(raw) if raw is not None else None
