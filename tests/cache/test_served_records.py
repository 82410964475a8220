"""Which entry a request was served is kept for its feedback: queued in memory, written in the background. A
request's record must be found all along, also while its write is under way."""

from __future__ import annotations

import asyncio

from nearhit.cache import SemanticCache
from nearhit.cache.feedback import Served


async def test_a_served_record_is_found_while_its_write_is_under_way(cache: SemanticCache) -> None:
    """It was taken off the queue before its write was sent: feedback in between found it neither queued nor in
    Redis, a 404 "no served answer" for a request that was served (the API test of an expired entry's verdict,
    under load). Redis's writes are paused here, so the write is under way as long as the test needs."""
    served = Served("r-under-way", f"{cache.keys.entry_prefix}{'a' * 64}", "acme", "What is it?", 0.93)
    cache.feedback.remember_served(served)
    await cache.redis.execute_command("CLIENT", "PAUSE", 5000, "WRITE")  # reads answered, writes held
    try:
        writing = asyncio.create_task(cache.feedback.write_served())
        await asyncio.sleep(0)  # the write starts: its records read, its pipeline on its way (and held)
        assert await cache.feedback.served("r-under-way", "acme") == served
        assert await cache.feedback.served("r-under-way") == served
        assert not writing.done()
    finally:
        await cache.redis.execute_command("CLIENT", "UNPAUSE")
    await writing
    cache.feedback.remember_served(later := Served("r-later", served.doc_id, "acme", "And this?", 0.9))
    assert await cache.feedback.served("r-under-way", "acme") == served  # from Redis now
    assert [s.request_id for s in cache.feedback._unwritten.values()] == ["r-later"]  # the written one left it
    assert await cache.feedback.served("r-later") == later
