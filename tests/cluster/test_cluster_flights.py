"""Cross-process single-flight (:mod:`nearhit.service.shared_flight`) on the local 3+3 cluster: two processes' flight
stores on one cluster client each, one leads and one follows the same generation, the whole answer's lease lingers
and a failed one's is let go, and none of its commands (the claim's transaction, the publisher's pipeline, the
release's script over the lease and its events) spans slots."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from nearhit.cache.keys import KeySpace, sha256_hex
from nearhit.config import load_settings
from nearhit.llm.base import LLMEvent, StreamEnd, TextChunk, Usage
from nearhit.llm.errors import LLMError
from nearhit.redis_cluster import LocalTopology
from nearhit.service import bootstrap, shared_flight
from nearhit.service.shared_flight import SharedFlights
from tests.service.test_shared_flight import _stored
from tests.support.slot_guard import SlotGuard
from tests.support.waiting import eventually


async def test_a_flight_is_led_once_and_followed_on_the_cluster(local_cluster: LocalTopology, tmp_path: Path) -> None:
    settings = load_settings(redis_url=local_cluster.url, data_dir=tmp_path, index_name=f"f_{uuid.uuid4().hex[:8]}")
    first, second = await bootstrap.connect_redis(settings), await bootstrap.connect_redis(settings)
    keys = KeySpace(settings.index_name)
    leader, follower = SharedFlights(lambda: first, keys), SharedFlights(lambda: second, keys)
    flight = f"scope:{uuid.uuid4().hex}:options"
    lock = keys.flight_lock(sha256_hex(flight)[:32])
    begun, go_on = asyncio.Event(), asyncio.Event()
    calls = 0

    async def llm() -> AsyncIterator[LLMEvent]:
        nonlocal calls
        calls += 1
        yield TextChunk("Led once, ")
        begun.set()
        await go_on.wait()
        yield TextChunk("followed on another client.")
        yield StreamEnd(Usage(3, 5), "stop", "m")

    async def follow() -> list[LLMEvent]:
        await begun.wait()
        return [event async for event in follower.produce(flight, llm, _stored)]

    async def lead() -> list[LLMEvent]:
        events = []
        async for event in leader.produce(flight, llm, _stored):
            events.append(event)
            if len(events) == 1:  # the rest is written once the follower reads
                await eventually(lambda: first.exists(keys.flight_listening(sha256_hex(flight)[:32])))
                go_on.set()
        return events

    async def failing() -> AsyncIterator[LLMEvent]:
        yield TextChunk("stale words ")
        raise LLMError("the upstream broke off")

    try:
        with SlotGuard(local_cluster.ports("primary")) as guard:
            led, followed = await asyncio.gather(lead(), follow())
            assert calls == 1 and (leader.led, follower.followed) == (1, 1)
            assert followed == led and "".join(e.text for e in led if isinstance(e, TextChunk)) == (
                "Led once, followed on another client."
            )

            # The whole answer lingers for a miss that joins it: the release's script (lease and events) runs once
            # the answer has ended, well within the second the lease's own time to live (5 s, renewed) would need
            # to fall under LINGER_MS.
            async def lingers() -> bool:
                return 0 < await first.pttl(lock) <= shared_flight.LINGER_MS

            await eventually(lingers, timeout=1.0)
            await first.delete(lock)
            with contextlib.suppress(LLMError):
                [event async for event in leader.produce(flight, failing, _stored)]
            assert not await first.exists(lock)  # a failed one is let go at once: a retry never joins it
        assert guard.violations() == []
        assert any(args[:1] == [b"EVAL"] or args[:1] == [b"EVALSHA"] for _, args in guard.commands)
    finally:
        await leader.close()
        await follower.close()
        await first.aclose()
        await second.aclose()
