"""``eventually``: wait for a condition with a deadline and a short poll, instead of a fixed sleep that is
either too short on a loaded machine (a flake) or too long everywhere else (a slow suite)."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from nearhit.service.runtime import Runtime

T = TypeVar("T")


def eventually_sync(check: Callable[[], T], *, timeout: float = 5.0, interval: float = 0.02) -> T:
    """Call ``check`` until it returns a truthy value (without raising ``AssertionError``); return that value.
    An assertion-style check asserts, then returns True. After ``timeout`` seconds its last ``AssertionError``
    (or one naming the falsy value) is raised."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        else:
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{_name(check)} was still {result!r} after {timeout} s")
        time.sleep(interval)


async def eventually(
    check: Callable[[], Awaitable[T] | T],
    *,
    timeout: float = 5.0,  # noqa: ASYNC109 - a deadline on the condition, not on one awaited call
    interval: float = 0.02,
) -> T:
    """:func:`eventually_sync` for the event loop: ``check`` may be a coroutine function; the poll never blocks."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            outcome = check()
            result = await outcome if inspect.isawaitable(outcome) else outcome
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        else:
            if result:
                return result  # type: ignore[return-value]
            if time.monotonic() > deadline:
                raise AssertionError(f"{_name(check)} was still {result!r} after {timeout} s")
        await asyncio.sleep(interval)


def _name(check: Callable[..., object]) -> str:
    return getattr(check, "__qualname__", repr(check))


async def settled(runtime: Runtime, *, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - as eventually's
    """Wait until no generation runs: a flight ends after its answer was stored (or skipped), so after this a
    stored answer is findable and an unstored one will not appear later; a call every request left has stopped."""

    def idle() -> bool:
        return not runtime.flights._flights and not runtime.shared_flights.running

    await eventually(idle, timeout=timeout)
