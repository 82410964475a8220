"""A conversation's second chances run beside the LLM call its miss would make (issue 14, latency;
``NEARHIT_SECOND_CHANCES_BESIDE_LLM``).

The first look missed a conversation that has second chances left (:class:`FirstLook`). The miss's flight starts
at once, its events gathered by a task of their own, and the second chances run (:meth:`FirstLook.finish`) once its
call is asked of the provider: a miss waits only for the first look before its LLM call starts. A second chance
that serves drops the flight (SingleFlight cancels a generation its last subscriber leaves; one another request
joined goes on for it); else the gathered events, then the live ones, stream as any miss's do. The flight's store
waits for that verdict (:meth:`Beside.decide`): it stores the final :class:`Lookup` (the second chances embed texts
it keeps) and nothing for a request a second chance served.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from nearhit.cache.results import LookupResult
from nearhit.cache.semantic_cache import FirstLook
from nearhit.llm import LLMEvent
from nearhit.service.store_health import StoreResult
from nearhit.service.storing import OnComplete

Event = LLMEvent | StoreResult

ASK_WAIT_S = 0.05
"""The longest the second chances wait for the call to be asked: a flight another process leads asks none here."""
LEFT = StoreResult("skipped", "the request ended before its second chances did")
SERVED = StoreResult("skipped", "a second chance served the request that started this generation")


@dataclass(frozen=True)
class _Ended:
    """The end of the gathered events: the flight's error, or None."""

    error: Exception | None


class Beside:
    """One request's flight, started and gathered, and its second chances, running. :meth:`close` it at the end
    (a ``finally``): a request that left leaves no task behind."""

    def __init__(
        self,
        first: FirstLook,
        subscribe: Callable[[OnComplete], AsyncIterator[Event]],
        asked: asyncio.Event,
        *,
        joined: bool,
    ) -> None:
        self._decided: asyncio.Future[OnComplete | StoreResult] = asyncio.get_running_loop().create_future()
        self._gathered: asyncio.Queue[Event | _Ended] = asyncio.Queue()
        self._gathering = asyncio.create_task(self._gather(subscribe(self._store_when_decided)))
        self._finishing = asyncio.create_task(self._once_asked(first, asked, joined=joined))

    async def finished(self) -> LookupResult:
        """The final result of the lookup (its second chances run); raises what they raised. A caller cancelled
        meanwhile stops waiting at once, whatever the second chances are awaiting (:meth:`close` stops them)."""
        return await asyncio.shield(self._finishing)

    def decide(self, store: OnComplete | StoreResult) -> None:
        """What the flight's end does: store the answer (the storer of the final result), or report this skip."""
        if not self._decided.done():
            self._decided.set_result(store)

    async def drop(self) -> None:
        """Leave the flight (a second chance served): its generation is cancelled unless another request joined
        it, or it produced its whole answer already (its store then skips: :meth:`decide`)."""
        self.decide(SERVED)
        await _cancelled(self._gathering)

    async def events(self) -> AsyncIterator[Event]:
        """The flight's events from its first, those gathered so far and then the live ones; raises its error."""
        while True:
            item = await self._gathered.get()
            if isinstance(item, _Ended):
                if item.error is not None:
                    raise item.error
                return
            yield item

    async def close(self) -> None:
        """Cancel what still runs: the second chances, the gathering (the flight then as on any leaving request),
        and an undecided store (it skips). Both are cancelled before either is waited for: second chances that
        swallowed their cancel (an await under ``asyncio.wait_for``, as redis-py sends a command, returns its result
        to a cancel in the turn that result came: CPython gh-86296) end late, but never hold the call running."""
        if not self._decided.done():
            self._decided.cancel()
        await _cancelled(self._finishing, self._gathering)

    async def _once_asked(self, first: FirstLook, asked: asyncio.Event, *, joined: bool) -> LookupResult:
        """The second chances, once the call is asked of the provider (its lock taken, the request on its way): run
        first, their CPU and the embedder's threads would hold the event loop the call's start needs. A call
        another request started (``joined``) is running already; one another process leads is waited for at most
        :data:`ASK_WAIT_S`."""
        if not joined:
            # Not asyncio.wait_for: on Python 3.11 it returns the result to a cancel that comes in the turns after the
            # call was asked (CPython gh-86296): a request that left then ran its second chances, and its call, on.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(ASK_WAIT_S):
                    await asked.wait()
        return await first.finish()

    async def _gather(self, events: AsyncIterator[Event]) -> None:
        try:
            async for event in events:
                self._gathered.put_nowait(event)
        except Exception as exc:  # the LLM's failure: the column reports it, as a miss's does
            self._gathered.put_nowait(_Ended(exc))
            return
        self._gathered.put_nowait(_Ended(None))

    async def _store_when_decided(self, events: list[Event]) -> StoreResult:
        """The flight's ``on_complete``: never before the second chances finished and the request decided."""
        await asyncio.wait([self._decided])
        if self._decided.cancelled():
            return LEFT
        store = self._decided.result()
        return store if isinstance(store, StoreResult) else await store(events)


async def _cancelled(*tasks: asyncio.Task[Any]) -> None:
    """``tasks`` cancelled unless done, all before any is waited for, and waited for (their outcomes dropped: the
    caller has moved on)."""
    for task in tasks:
        task.cancel()
    await asyncio.wait(tasks)
    for task in tasks:
        if not task.cancelled():
            task.exception()  # retrieved: not logged as never retrieved
