"""The health port (``NEARHIT_HEALTH_PORT``): ``/health`` and ``/live`` answered by a thread, so a probe gets
its answer while the event loop is busy, and a stuck event loop is reported rather than hidden."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from nearhit.api.app import create_app
from nearhit.cache.index import drop_index
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.health_server import HealthServer
from nearhit.service.runtime import HEALTH_STALE_S, HealthStatus, Runtime
from tests.support.live import fast_llm
from tests.support.ports import free_port
from tests.support.server_process import TwoWorkers, server_process

REDIS_OK = {"ok": True, "embedded": False}
INDEX_OK = {"ok": True, "name": "idx", "dimension": 384, "entries": 0}


def _eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _answers(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        httpx.get(url, timeout=1)
        return True
    return False


@contextlib.contextmanager
def health_port(snapshot: Callable[[], HealthStatus | None], port: int | None = None) -> Iterator[str]:
    server = HealthServer("127.0.0.1", port or free_port(), snapshot, HEALTH_STALE_S)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def test_a_fresh_ok_status_is_200_on_both_paths() -> None:
    status = HealthStatus(REDIS_OK, INDEX_OK, time.monotonic())
    with health_port(lambda: status) as url:
        health = httpx.get(f"{url}/health")
        live = httpx.get(f"{url}/live")
        missing = httpx.get(f"{url}/ask")
    assert health.status_code == 200 and health.headers["content-type"] == "application/json"
    assert health.json() | {"checked_s_ago": 0} == {
        "status": "ok", "redis": REDIS_OK, "index": INDEX_OK, "checked_s_ago": 0
    }  # fmt: skip
    assert live.status_code == 200 and live.json()["live"] is True
    assert missing.status_code == 404 and "/health and /live" in missing.json()["error"]


def test_a_stale_status_means_the_event_loop_is_stuck() -> None:
    status = HealthStatus(REDIS_OK, INDEX_OK, time.monotonic() - HEALTH_STALE_S - 5)
    with health_port(lambda: status) as url:
        health = httpx.get(f"{url}/health")
        live = httpx.get(f"{url}/live")
    assert health.status_code == 503 and health.json()["status"] == "degraded"
    assert "event loop" in health.json()["error"] and health.json()["checked_s_ago"] > HEALTH_STALE_S
    assert live.status_code == 503 and "event loop" in live.json()["error"]


def test_redis_down_is_503_on_health_but_the_process_is_live() -> None:
    status = HealthStatus({"ok": False, "error": "connection refused"}, {"ok": False}, time.monotonic())
    with health_port(lambda: status) as url:
        assert httpx.get(f"{url}/health").status_code == 503
        assert httpx.get(f"{url}/live").status_code == 200  # restarting would not bring Redis back


def test_no_status_yet_is_503() -> None:
    with health_port(lambda: None) as url:
        assert httpx.get(f"{url}/health").status_code == 503
        assert httpx.get(f"{url}/live").status_code == 503


def test_a_worker_that_stops_feeding_its_status_is_reported_stale() -> None:
    """The whole worker stuck (not only its event loop): the child ages the last status by its own clock."""
    port = free_port()
    command = [sys.executable, "-m", "nearhit.health_server", "127.0.0.1", str(port), "--stale-s", "0.5"]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write(json.dumps({"redis": REDIS_OK, "index": INDEX_OK, "age_s": 0.0}) + "\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "serving"
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
        _eventually(lambda: httpx.get(f"http://127.0.0.1:{port}/health").status_code == 503)
        assert "event loop" in httpx.get(f"http://127.0.0.1:{port}/live").json()["error"]
    finally:
        child.stdin.close()  # the worker gone: the child exits
        assert child.wait(5) == 0
        child.stdout.close()


def test_a_port_it_cannot_bind_is_an_error_at_start() -> None:
    with pytest.raises(OSError, match=r"cannot listen on 192\.0\.2\.1"):
        HealthServer("192.0.2.1", free_port(), lambda: None, HEALTH_STALE_S).start()  # TEST-NET: not ours


def test_a_second_worker_takes_the_port_over_when_the_first_stops() -> None:
    status = HealthStatus(REDIS_OK, INDEX_OK, time.monotonic())
    port = free_port()
    first = HealthServer("127.0.0.1", port, lambda: status, HEALTH_STALE_S)
    second = HealthServer("127.0.0.1", port, lambda: status, HEALTH_STALE_S, retry_s=0.1)
    first.start()
    try:
        second.start()  # the port is taken: no error, it waits for it
        assert first.serving and not second.serving
        first.stop()
        _eventually(lambda: second.serving)
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    finally:
        first.stop()
        second.stop()
    assert not _answers(f"http://127.0.0.1:{port}/health")  # stopped cleanly: the port is closed


def test_the_health_port_answers_while_the_event_loop_is_blocked(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    """The app in-process (uvicorn on a loop in a thread); the test blocks that loop for 2 s, as a loop 4-8x
    overloaded by hundreds of streams would delay it. The main /health waits; the health port does not."""
    settings = settings.model_copy(update={"health_port": free_port()})
    main_port = free_port()
    runtime = Runtime(settings, local_embedder, fast_llm())
    server = uvicorn.Server(uvicorn.Config(create_app(settings, runtime), port=main_port, log_level="warning"))
    loops: list[asyncio.AbstractEventLoop] = []

    async def serve() -> None:
        loops.append(asyncio.get_running_loop())
        try:
            await server.serve()
        finally:
            cache = await runtime.cache()
            await drop_index(cache.redis, cache.spec.name, delete_entries=True)
            await runtime.close()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    main, health = f"http://127.0.0.1:{main_port}", f"http://127.0.0.1:{settings.health_port}"
    try:
        _eventually(lambda: server.started and _answers(f"{health}/health"), timeout=30)
        assert httpx.get(f"{health}/health").status_code == 200
        blocked = threading.Event()
        loops[0].call_soon_threadsafe(blocked.set)
        loops[0].call_soon_threadsafe(time.sleep, 2.0)  # the loop runs nothing else for 2 s
        assert blocked.wait(5)
        with httpx.Client(timeout=5) as client:
            started = time.perf_counter()
            answer = client.get(f"{health}/health")
            health_s = time.perf_counter() - started
            started = time.perf_counter()
            main_answer = client.get(f"{main}/health")
            main_s = time.perf_counter() - started
        assert answer.status_code == 200 and answer.json()["redis"]["ok"] is True
        assert health_s < 0.1, health_s
        assert main_answer.status_code == 200 and main_s > 1.0, main_s  # the loop really was blocked
    finally:
        server.should_exit = True
        thread.join(30)
    assert not thread.is_alive()
    assert not _answers(f"{health}/health")  # shut down with the app


@pytest.mark.slow
def test_serve_starts_the_health_port_with_the_runtime_status(tmp_path: Path) -> None:
    port = free_port()
    with server_process({"NEARHIT_HEALTH_PORT": str(port), "NEARHIT_SIM_TTFT_MS": "5"}, tmp_path) as url:
        main = httpx.get(f"{url}/health").json()
        health = httpx.get(f"http://127.0.0.1:{port}/health")
        assert health.status_code == 200
        assert {k: v for k, v in health.json().items() if k != "checked_s_ago"} == {
            k: v for k, v in main.items() if k != "checked_s_ago"
        }
        assert 0 <= health.json()["checked_s_ago"] < 2  # refreshed every second by the runtime
        assert httpx.get(f"http://127.0.0.1:{port}/live").json()["live"] is True
    assert not _answers(f"http://127.0.0.1:{port}/health")
    assert f"health port on http://127.0.0.1:{port}" in (tmp_path / "server.log").read_text()


@pytest.mark.slow
def test_with_two_workers_one_serves_the_health_port(two_workers: TwoWorkers) -> None:
    port = two_workers.health_port
    _eventually(lambda: _answers(f"http://127.0.0.1:{port}/health"), timeout=30)
    assert httpx.get(f"http://127.0.0.1:{port}/health").json()["status"] == "ok"
    log = two_workers.log.read_text()  # both workers are up (the fixture waits for them)
    assert log.count("Application startup complete.") == 2, log[-3000:]
    assert log.count("health port: /health and /live on") == 1, log[-3000:]
    assert "is taken (another worker serves it)" in log


def test_serve_refuses_the_same_port_twice(tmp_path: Path) -> None:
    port = free_port()
    same = ("--port", str(port))
    with (
        pytest.raises(RuntimeError, match="must differ"),
        # The refusal ends the process: waited for as long as a start under load may take (10 s flaked at load 11).
        server_process({"NEARHIT_HEALTH_PORT": str(port)}, tmp_path, extra_args=same),
    ):
        pass
