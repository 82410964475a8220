"""``nearhit serve`` without REDIS_URL: it starts the embedded Redis, serves on it, and stops it on SIGTERM."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.server_process import server_process


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
