"""The health port's process is restarted when it dies (killed by the OOM killer, a crash): the worker is
fine, so its probes must not fail from then on."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator

import httpx
import pytest

from nearhit import health_server
from nearhit.health_server import HealthServer
from nearhit.service.runtime import HEALTH_STALE_S, HealthStatus
from tests.support.ports import free_port
from tests.support.waiting import eventually_sync

REDIS_OK = {"ok": True, "embedded": False}
INDEX_OK = {"ok": True, "name": "idx", "dimension": 384, "entries": 0}
UNDER_LOAD_S = 60.0
"""How long a child's start or a probe may take on a loaded machine (CI's 2 shared cores): a Python process
started at load 11 took more than the 10 s the worker gives it, and a probe more than 1 s. Only a deadline: the
waits end as soon as their condition holds."""


def _health(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.HTTPError:
        return None


def _fresh() -> HealthStatus:
    return HealthStatus(REDIS_OK, INDEX_OK, time.monotonic())


@contextlib.contextmanager
def _serving(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[HealthServer, str, int]]:
    """A health server whose first child answers probes (the server, its /health URL, that child's pid); stopped
    on leaving, whatever happened."""
    monkeypatch.setattr(health_server, "_START_S", UNDER_LOAD_S)
    server = HealthServer("127.0.0.1", free_port(), _fresh, HEALTH_STALE_S)
    url = f"http://127.0.0.1:{server.port}/health"
    server.start()
    try:
        first = server.pid
        assert first is not None
        eventually_sync(lambda: _health(url) == 200, timeout=UNDER_LOAD_S)
        yield server, url, first
    finally:
        server.stop()


@pytest.mark.timeout(4 * UNDER_LOAD_S + 30)  # bounded by its own waits: three children's starts and probes
def test_a_killed_health_process_is_restarted(monkeypatch: pytest.MonkeyPatch) -> None:
    with _serving(monkeypatch) as (server, url, first):
        os.kill(first, signal.SIGKILL)
        # ``serving`` is set once the worker has read the new child's "serving" line, which may be after that child
        # answered a probe (a loaded machine): waited for with the rest, not asserted the instant the probe passed.
        eventually_sync(lambda: server.pid != first and _health(url) == 200 and server.serving, timeout=UNDER_LOAD_S)
        second = server.pid
        assert second is not None
        os.kill(second, signal.SIGKILL)  # and again: each death is followed by a restart
        # A new child's: the killed one may still answer, and ``serving`` still be true, until the signal lands.
        eventually_sync(lambda: server.pid != second and _health(url) == 200 and server.serving, timeout=UNDER_LOAD_S)
    assert server.pid is None and _health(url) is None  # stopped on purpose: not restarted


class _SlowStart(health_server.threading.Thread):
    """A thread that takes a while to start: the window in which a restart has made its threads but not started
    them, widened so that a stop() lands in it."""

    def start(self) -> None:
        time.sleep(SLOW_START_S)
        super().start()


SLOW_START_S = 1.0


@pytest.mark.timeout(3 * UNDER_LOAD_S + 30)
def test_a_stop_during_a_restart_never_waits_for_a_thread_not_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """stop() right as a restarted child says "serving" (the service shutting down then) ends it cleanly: it read the
    feeder thread before that thread was started and raised "cannot join thread before it is started"."""
    with _serving(monkeypatch) as (server, _, first):
        monkeypatch.setattr(health_server.threading, "Thread", _SlowStart)  # the restart's threads start slowly
        os.kill(first, signal.SIGKILL)
        eventually_sync(lambda: server.pid not in (None, first) and server.serving, timeout=UNDER_LOAD_S, interval=0.01)
    assert server.pid is None
