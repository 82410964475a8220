"""A conversation's second chances beside its LLM call (``service.beside``): a request cancelled in the loop turns
right after its call is asked, the turns that wake the second chances waiting for it, stops them and the call there.
Python 3.11's ``asyncio.wait_for`` returned the awaited result to such a cancel instead of raising it (CPython
gh-86296): the second chances ran on, the request waiting for them with them, and the call to its end (seen as
tests/api/test_second_chances_beside.py's cancelled request whose call was never cancelled, on 2 loaded cores)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from nearhit.cache.results import LookupResult
from nearhit.cache.semantic_cache import FirstLook
from nearhit.service.beside import Beside, Event
from nearhit.service.storing import OnComplete


@pytest.mark.parametrize("turns", range(6))
async def test_a_request_cancelled_as_its_call_is_asked_stops_its_second_chances_and_the_call(turns: int) -> None:
    asked = asyncio.Event()
    ran: list[str] = []

    async def second_chances() -> LookupResult:
        await asyncio.sleep(5)  # what they cost, under load
        ran.append("second chances")
        return LookupResult(None, 0.9)

    async def subscribe(on_complete: OnComplete) -> AsyncIterator[Event]:
        try:
            await asyncio.Event().wait()  # a call that has not answered yet
        except asyncio.CancelledError:
            ran.append("call stopped")
            raise
        yield  # type: ignore[misc]

    beside = Beside(FirstLook(LookupResult(None, 0.9), second_chances), subscribe, asked, joined=False)

    async def request() -> LookupResult:  # as service.answering's: the second chances awaited, then closed
        try:
            return await beside.finished()
        finally:
            await beside.close()

    requested = asyncio.create_task(request())
    for _ in range(3):
        await asyncio.sleep(0)  # the second chances now wait for the call to be asked
    asked.set()
    for _ in range(turns):
        await asyncio.sleep(0)
    requested.cancel()
    await asyncio.wait({requested}, timeout=1)
    left = (requested.cancelled(), list(ran))
    if not requested.done():
        await beside.close()
    assert left == (True, ["call stopped"])  # stopped at once, the second chances never run to their end
