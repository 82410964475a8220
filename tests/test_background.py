"""Fire-and-forget work (:mod:`nearhit.background`): never raised into the caller, batched by ``soon``, and all
of it finished by one ``drain``."""

from __future__ import annotations

import asyncio
import logging

import pytest

from nearhit.background import Background


async def test_soon_runs_once_per_delay_however_often_asked() -> None:
    runs: list[int] = []

    async def flush() -> None:
        runs.append(len(runs))

    background = Background()
    for _ in range(5):
        background.soon("counts", 30.0, flush)
    assert runs == []
    await background.drain()  # due work runs now, not in 30 s
    assert runs == [0]
    await background.drain()
    assert runs == [0]  # nothing was left to run


async def test_drain_waits_for_started_work_and_a_failure_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    done: list[str] = []

    async def slow() -> None:
        await asyncio.sleep(0.05)
        done.append("slow")

    async def broken() -> None:
        raise RuntimeError("redis went away")

    background = Background()
    background.run(slow())
    background.run(broken())  # the caller is not told: it went on long ago
    with caplog.at_level(logging.WARNING, logger="nearhit.background"):
        await background.drain()
    assert done == ["slow"]
    assert "redis went away" in caplog.text


async def test_close_stops_a_retry_the_drain_scheduled() -> None:
    attempts: list[int] = []
    background = Background()

    async def failing_flush() -> None:
        attempts.append(1)
        background.soon("retry", 0.01, failing_flush)  # what telemetry does when Redis is away

    background.soon("retry", 30.0, failing_flush)
    await background.close()
    await asyncio.sleep(0.05)
    assert attempts == [1]  # run once by the close, and not retried after it
