"""``nearhit serve`` without REDIS_URL: it starts the embedded Redis, serves on it, and stops it on SIGTERM."""

from __future__ import annotations

import contextlib
import json
import socket
from pathlib import Path

import httpx
import pytest

from nearhit import redis_server
from tests.support.server_process import server_process
from tests.support.waiting import eventually_sync


@pytest.mark.slow
def test_serve_owns_its_embedded_redis(tmp_path: Path) -> None:
    state = tmp_path / "data" / "redis.json"
    with server_process({"NEARHIT_SIM_TTFT_MS": "5"}, tmp_path) as url:  # no REDIS_URL: the embedded one
        health = httpx.get(f"{url}/health").json()
        assert health["redis"] == {"ok": True, "embedded": True}
        pid = json.loads(state.read_text())["pid"]
        answer = httpx.post(f"{url}/ask", json={"prompt": "Is the embedded Redis used?", "include_raw": False})
        assert answer.status_code == 200
    # server_process sent SIGTERM (as docker stop or systemd would): the Redis this serve started is gone too
    assert not state.exists()
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[-1][:3]
    assert (tmp_path / "data" / "appendonlydir").is_dir()  # its data stays for the next start


def _healthy(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    return False


@pytest.mark.slow
def test_serve_follows_its_redis_to_a_new_port_and_leaves_a_later_one_running(tmp_path: Path) -> None:
    data = tmp_path / "data"
    question = {"prompt": "Does caching resume on the new port?", "include_raw": False}
    try:
        with server_process({"NEARHIT_SIM_TTFT_MS": "5"}, tmp_path) as url:
            first = redis_server.find_running(data)
            assert first is not None
            redis_server.stop(data)  # as `nearhit redis stop` would, then something takes the old port
            with socket.socket() as squatter:
                squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the old port may be in TIME_WAIT
                squatter.bind(("127.0.0.1", first.port))
                squatter.listen()
                later, started = redis_server.ensure_running(data)  # a later command starts it elsewhere
                assert started and later.port != first.port
                eventually_sync(lambda: _healthy(url), timeout=20, interval=0.1)
                assert httpx.post(f"{url}/ask", json=question, timeout=30).json()["cache"]["outcome"] == "miss"
                eventually_sync(
                    lambda: httpx.post(f"{url}/ask", json=question, timeout=30).json()["cache"]["outcome"] == "exact",
                    timeout=20,
                    interval=0.1,
                )
        # serve exited (SIGTERM); the Redis it started is gone already, and the later one is not its to stop
        assert redis_server.find_running(data) == later
    finally:
        redis_server.stop(data)
