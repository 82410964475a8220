"""The health port's process is restarted when it dies (killed by the OOM killer, a crash): the worker is
fine, so its probes must not fail from then on."""

from __future__ import annotations

import os
import signal
import time

import httpx

from nearhit.health_server import HealthServer
from nearhit.service.runtime import HEALTH_STALE_S, HealthStatus
from tests.support.ports import free_port
from tests.support.waiting import eventually_sync

REDIS_OK = {"ok": True, "embedded": False}
INDEX_OK = {"ok": True, "name": "idx", "dimension": 384, "entries": 0}


def _health(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=1).status_code
    except httpx.HTTPError:
        return None


def test_a_killed_health_process_is_restarted() -> None:
    def fresh() -> HealthStatus:
        return HealthStatus(REDIS_OK, INDEX_OK, time.monotonic())

    server = HealthServer("127.0.0.1", free_port(), fresh, HEALTH_STALE_S)
    url = f"http://127.0.0.1:{server.port}/health"
    server.start()
    try:
        first = server.pid
        assert first is not None and _health(url) == 200
        os.kill(first, signal.SIGKILL)
        eventually_sync(lambda: server.pid != first and _health(url) == 200, timeout=15)
        assert server.serving
        os.kill(server.pid or 0, signal.SIGKILL)  # and again: each death is followed by a restart
        eventually_sync(lambda: _health(url) == 200 and server.serving, timeout=15)
    finally:
        server.stop()
    assert server.pid is None and _health(url) is None  # stopped on purpose: not restarted
