"""``nearhit serve`` asked to stop (SIGTERM, as ``docker stop`` and Azure Container Apps do) with a request in
progress: uvicorn lets it run 5 s, then cancels it. The client was answered a bare 500 and the log got a
traceback ("Exception in ASGI application"): nothing said the service was stopping, which a client (or its
retry policy) needs to know to try again elsewhere. It is now a 503 saying so, with ``Connection: close``."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
import redis

from nearhit import redis_server
from tests.support.server_process import running_server
from tests.support.waiting import eventually_sync

pytestmark = pytest.mark.slow  # a real nearhit serve, stopped: ~15 s


def test_a_request_cut_by_the_shutdown_is_a_503_saying_so(tmp_path: Path) -> None:
    with running_server({"NEARHIT_SIM_TTFT_MS": "30000"}, tmp_path) as (url, process):  # 30 s to a first token
        assert httpx.post(f"{url}/cache/store", json={"prompt": "stored before", "response": "kept"}).status_code == 201
        answers: dict[str, httpx.Response] = {}
        requests = {
            "/ask": {"prompt": "What does a slow model say?", "include_raw": False},
            "/v1/chat/completions": {"model": "gpt-4o", "messages": [{"role": "user", "content": "And the gateway?"}]},
        }
        asking = [
            threading.Thread(target=lambda p=path, b=body: answers.update({p: httpx.post(url + p, json=b, timeout=60)}))
            for path, body in requests.items()
        ]
        for thread in asking:
            thread.start()
        server, _ = redis_server.ensure_running(tmp_path / "data")
        client = redis.Redis.from_url(server.url)
        eventually_sync(lambda: len(client.keys("*:flight:*:lock")) == 2, timeout=30)  # both LLM calls have begun
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        for thread in asking:
            thread.join(30)
        assert process.wait(30) == 0 and time.monotonic() - stopping < 15
        ask, gateway = answers["/ask"], answers["/v1/chat/completions"]
        assert ask.status_code == 503, ask.text
        assert ask.json() == {"detail": "the service is stopping: send the request again"}
        assert ask.headers["connection"] == "close"
        assert gateway.status_code == 503, gateway.text  # in OpenAI's shape, which its SDK retries
        assert gateway.json()["error"]["message"] == "the service is stopping: send the request again"
        log = (tmp_path / "server.log").read_text()
        assert "Exception in ASGI application" not in log
