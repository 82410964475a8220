"""The runtime's health watcher ends when the runtime closes, even when a health check swallowed the cancellation
(Python 3.11's ``asyncio.wait_for``, under every redis-py send, returns a result that arrived in the turn its task
was cancelled): ``close()`` waited on it for good after a cluster's failover."""

from __future__ import annotations

import asyncio
import contextlib

from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service.runtime import HealthStatus, Runtime
from tests.support.live import fast_llm


async def test_close_ends_a_health_watcher_whose_cancellation_a_check_swallowed(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    runtime = Runtime(settings, local_embedder, fast_llm())
    await runtime.start()
    checking = asyncio.Event()

    async def swallowing() -> HealthStatus | None:
        checking.set()
        with contextlib.suppress(asyncio.CancelledError):  # what wait_for does with a send done in that turn
            await asyncio.sleep(30)
        return runtime.health

    runtime.check_health = swallowing  # type: ignore[method-assign]
    await asyncio.wait_for(checking.wait(), 5)
    closing = asyncio.create_task(runtime.close())
    done, _ = await asyncio.wait({closing}, timeout=5)  # a timeout's cancel would end the watcher: not this one
    closing.cancel()  # a no-op once closed; else a second cancel ends the watcher
    assert done, "close() waits for good on a health watcher whose cancellation a check swallowed"
