"""The server's CPU per request for a JSON exact hit (``POST /ask``, ``POST /v1/chat/completions`` JSON and
streamed) against ``GET /v1/models``: the ASGI app called directly in this process (no HTTP client, no socket),
the simulated LLM, a real embedded Redis. ``time.thread_time`` from the call to the response's last byte (the
hit's bookkeeping after the send is not counted), p50 of ``--reps`` requests of each kind in turn.

``--routes``: each turn twice, the app's routes in the order ``create_app`` leaves them and in the order before
the hot routers were moved first (``api.app._hot_first``), the two alternating (paired). ``--profile KIND``:
cProfile over that kind's requests, the top functions by cumulative time
(``HIT_CPU_SORT=tottime``: by their own time).

    python benchmarks/hit_cpu.py [--reps 300] [--routes] [--profile chat]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nearhit import redis_server

KINDS: dict[str, Callable[[str], tuple[str, str, bytes]]] = {
    "floor": lambda p: ("GET", "/v1/models", b""),
    "chat": lambda p: ("POST", "/v1/chat/completions", _chat(p, False)),
    "chat_stream": lambda p: ("POST", "/v1/chat/completions", _chat(p, True)),
    "ask": lambda p: ("POST", "/ask", json.dumps({"prompt": p, "include_raw": False}).encode()),
}


def _chat(prompt: str, stream: bool) -> bytes:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}], "stream": stream}
    return json.dumps(body).encode()


async def call(app: Any, method: str, path: str, body: bytes = b"") -> tuple[int, float]:
    """(status, thread CPU seconds until the response's last byte was handed to the server)."""
    headers = [(b"host", b"x"), (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "", "scheme": "http", "headers": headers,
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {}}  # fmt: skip
    received = False
    status, sent_at = 0, 0.0

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # no disconnect
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, sent_at
        if message["type"] == "http.response.start":
            status = message["status"]
        elif not message.get("more_body"):
            sent_at = time.thread_time()

    started = time.thread_time()
    await app(scope, receive, send)
    return status, sent_at - started


async def main(reps: int, routes: bool, profile: str | None) -> None:
    from nearhit.api import ask, gateway
    from nearhit.api.app import create_app
    from nearhit.config import get_settings

    app = create_app(get_settings())
    async with app.router.lifespan_context(app):
        prompts = [f"Profiling question number {i} about topic {i * 7}?" for i in range(20)]
        for prompt in prompts:  # stored as misses, then each hit once
            for kind in ("chat", "ask"):
                assert (await call(app, *KINDS[kind](prompt)))[0] == 200
        await asyncio.sleep(1)
        for prompt in prompts:
            for make in KINDS.values():
                await call(app, *make(prompt))
        now = list(app.router.routes)
        first = [getattr(route, "original_router", None) for route in now[:2]]
        assert first == [gateway.router, ask.router] and len(now) == 17, "the app's routes are not as measured"
        before = [*now[2:7], now[1], *now[7:15], now[0], *now[15:]]  # ask's and the gateway's places before
        orders = {"hot routers first": now, "routes as before": before} if routes else {"": now}
        cpu: dict[str, list[float]] = {f"{kind}{', ' + o if o else ''}": [] for o in orders for kind in KINDS}
        profiler = cProfile.Profile() if profile else None
        for i in range(reps):
            prompt = prompts[i % len(prompts)]
            for order, listed in list(orders.items())[:: 1 if i % 2 else -1]:
                app.router.routes[:] = listed
                for kind, make in KINDS.items():
                    if profiler and kind == profile:
                        profiler.enable()
                    status, seconds = await call(app, *make(prompt))
                    if profiler and kind == profile:
                        profiler.disable()
                    assert status == 200, (kind, status)
                    cpu[f"{kind}{', ' + order if order else ''}"].append(seconds)
                await asyncio.sleep(0.002)  # the hits' bookkeeping runs
        app.router.routes[:] = now
    print(f"load average at the end: {os.getloadavg()[0]:.2f}\n")
    print("| request | n | thread CPU to the last byte, p50 / mean µs |")
    print("|---|---|---|")
    for name, values in cpu.items():
        print(
            f"| {name} | {len(values)} | {statistics.median(values) * 1e6:.0f} / {statistics.mean(values) * 1e6:.0f} |"
        )
    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("HIT_CPU_SORT", "cumulative")).print_stats(40)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=300, help="requests of each kind (and route order)")
    parser.add_argument("--routes", action="store_true", help="also the routes in their order before, paired")
    parser.add_argument("--profile", choices=list(KINDS), help="cProfile this kind's requests")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nearhit-hit-cpu-") as data:
        os.environ.update(REDIS_URL=redis_server.ensure_running(Path(data))[0].url, NEARHIT_LLM="simulated",
                          NEARHIT_EMBEDDER="local", NEARHIT_SIM_TTFT_MS="0", VECTOR_INDEX_NAME="hit-cpu")  # fmt: skip
        try:
            import uvloop

            uvloop.run(main(args.reps, args.routes, args.profile))
        finally:
            redis_server.stop(Path(data))
