"""``nearhit serve --workers 2``: two processes share one Redis, so an answer stored by one is served by both."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import httpx
import pytest

from tests.support.server_process import TwoWorkers
from tests.support.waiting import eventually_sync


def cache_match(client: httpx.Client, prompt: str) -> str | None:
    response = client.post("/ask", json={"prompt": prompt, "include_raw": False})
    assert response.status_code == 200, response.text
    document = response.json()["cache"]["cache_document"]
    return document["match"]


@pytest.mark.slow
def test_two_workers_share_one_cache(two_workers: TwoWorkers) -> None:
    url, earlier = two_workers.url, len(two_workers.log.read_text())  # the server is the session's: read on from here
    with httpx.Client(base_url=url) as client:
        assert cache_match(client, "Do two workers share the cache?") is None
        matches = []
        for _ in range(30):  # new connections: the kernel spreads them over both workers
            with httpx.Client(base_url=url) as fresh:
                matches.append(cache_match(fresh, "do two workers share the cache"))
        assert matches == ["exact"] * 30
    log = two_workers.log.read_text()
    assert log.count("cache connected") == 2, log[-2000:]  # both workers run, on the one Redis

    def asks() -> list[dict[str, Any]]:
        """The /ask requests logged since this test began (each is logged as it ends)."""
        lines = _json_lines(two_workers.log.read_text()[earlier:])
        return [line for line in lines if line.get("event") == "request" and line.get("path") == "/ask"]

    eventually_sync(lambda: len(asks()) == 31)
    served_by = {line["pid"] for line in asks()}
    # 31 answers by two processes: the one that did not store the answer served it from the shared cache.
    assert len(served_by) == 2, f"every request landed on one worker: {served_by}"


def _json_lines(log: str) -> list[dict[str, Any]]:
    lines = []
    for line in log.splitlines():
        with contextlib.suppress(ValueError):
            lines.append(json.loads(line))
    return [line for line in lines if isinstance(line, dict)]
