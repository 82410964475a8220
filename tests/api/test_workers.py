"""``nearhit serve --workers 2``: two processes share one Redis, so an answer stored by one is served by both."""

from __future__ import annotations

import contextlib
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server_process import server_process


def cache_match(client: httpx.Client, prompt: str) -> str | None:
    response = client.post("/ask", json={"prompt": prompt, "include_raw": False})
    assert response.status_code == 200, response.text
    document = response.json()["cache"]["cache_document"]
    return document["match"]


@pytest.mark.slow
def test_two_workers_share_one_cache(redis_url: str, tmp_path: Path) -> None:
    env = {
        "REDIS_URL": redis_url,
        "VECTOR_INDEX_NAME": f"workers_{uuid.uuid4().hex[:8]}",
        "NEARHIT_SIM_TTFT_MS": "5",
        "NEARHIT_SIM_TOKENS_PER_SECOND": "50000",
    }
    with server_process(env, tmp_path, extra_args=("--workers", "2")) as url, httpx.Client(base_url=url) as client:
        assert cache_match(client, "Do two workers share the cache?") is None
        matches = []
        for _ in range(30):  # new connections: the kernel spreads them over both workers
            with httpx.Client(base_url=url) as fresh:
                matches.append(cache_match(fresh, "do two workers share the cache"))
        assert matches == ["exact"] * 30
    log = (tmp_path / "server.log").read_text()
    assert log.count("cache connected") == 2, log[-2000:]  # both workers run, on the one Redis
    served_by = {line["pid"] for line in _json_lines(log) if line.get("event") == "request" and line["path"] == "/ask"}
    # 31 answers by two processes: the one that did not store the answer served it from the shared cache.
    assert len(served_by) == 2, f"every request landed on one worker: {served_by}"


def _json_lines(log: str) -> list[dict[str, Any]]:
    lines = []
    for line in log.splitlines():
        with contextlib.suppress(ValueError):
            lines.append(json.loads(line))
    return [line for line in lines if isinstance(line, dict)]
