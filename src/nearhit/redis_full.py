"""What nearhit says when Redis refuses a write for memory, and redis-py's wording kept out of its messages.

At its ``maxmemory`` with ``noeviction`` (or a ``volatile-*`` policy with nothing left to evict) Redis refuses
every write that may grow memory, and redis-py raises :class:`redis.exceptions.OutOfMemoryError`, in a pipeline
as "Command # 2 (HSET nearhit:q_idx:entry:<64 hex>...) of pipeline caused error: command not allowed when used
memory > 'maxmemory'." A client told that learns an internal key and not what to do: it is told what was not
written, that Redis is full and where the remedy is written.
"""

from __future__ import annotations

import re

from redis.exceptions import OutOfMemoryError

from nearhit.errors import RedisFull

WHAT_TO_DO = (
    "free memory (entries leave by CACHE_TTL, or `nearhit cache clear`) or raise Redis's maxmemory: docs/deploy.md, "
    '"Redis\'s memory limit and eviction policy"'
)

_PIPELINE_PREFIX = re.compile(r"^Command # \d+ \(.*?\) of pipeline caused error: ", re.DOTALL)


def full_message(what: str) -> str:
    """Redis at its memory limit, said with ``what`` was not written ("the answer was not stored")."""
    return f"Redis is full (its used memory is at maxmemory and it refuses writes): {what}. {WHAT_TO_DO}"


def redis_full(what: str) -> RedisFull:
    """The error to raise from a refused write's :class:`OutOfMemoryError` (``what``: what was not written), so
    the API answers 503 and the CLI one line with the remedy, never redis-py's words."""
    return RedisFull(full_message(what))


def said(exc: BaseException, what: str = "a write was refused") -> str:
    """``exc`` as told to a person: Redis full as :func:`full_message` (``what``: what was not written); another
    error without redis-py's "Command # n (...) of pipeline" preamble, which quotes a command and its key."""
    if isinstance(exc, OutOfMemoryError):
        return full_message(what)
    return _PIPELINE_PREFIX.sub("", str(exc))
