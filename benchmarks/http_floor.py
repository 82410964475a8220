"""What moves the HTTP floor (``GET /v1/models``) against a gateway exact hit: the client's own cost, the phase
a request is timed in, and interleaving. One server (this tree, simulated LLM, embedded Redis).

The same requests timed through ``httpx`` (in phases: the floor on a fresh client, the hits, the floor after
them; then alternating with the hits, without and with a 10 ms pause) and through a raw kept-alive HTTP/1.1
connection (``service.RawHTTP``, alternating, without and with the pause). ``benchmarks/service.py`` times its
gateway rows the last way.

    python benchmarks/http_floor.py [--reps 150]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import httpx

import service as sv
from nearhit import redis_server

PROMPTS = [f"Gateway benchmark question number {i}?" for i in range(50)]


async def timed(call: Awaitable[Any]) -> float:
    started = time.perf_counter()
    await call
    return (time.perf_counter() - started) * 1000


async def httpx_hit(client: httpx.AsyncClient, prompt: str, stream: bool) -> None:
    body = sv.chat_body(prompt, {}, stream)
    async with client.stream("POST", "/v1/chat/completions", content=body, headers=sv.JSON_TYPE) as response:
        await response.aread()


async def measure(url: str, reps: int) -> dict[str, list[float]]:
    rows: dict[str, list[float]] = {}

    def add(name: str, ms: float) -> None:
        rows.setdefault(name, []).append(ms)

    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for _ in range(reps):
            add("httpx, phase: floor, fresh client", await timed(client.get("/v1/models")))
        for i in range(reps):
            add("httpx, phase: JSON hits", await timed(httpx_hit(client, PROMPTS[i % 50], False)))
        for _ in range(reps):
            add("httpx, phase: floor after JSON hits", await timed(client.get("/v1/models")))
        for i in range(reps):
            add("httpx, phase: streamed hits", await timed(httpx_hit(client, PROMPTS[i % 50], True)))
        for _ in range(reps):
            add("httpx, phase: floor after streamed hits", await timed(client.get("/v1/models")))
        for pause in (0.0, 0.01):
            label = f"httpx, alternating{', 10 ms pause' if pause else ''}"
            for i in range(reps):
                await asyncio.sleep(pause)
                add(f"{label}: floor", await timed(client.get("/v1/models")))
                await asyncio.sleep(pause)
                add(f"{label}: JSON hit", await timed(httpx_hit(client, PROMPTS[i % 50], False)))
    async with sv.RawHTTP(url) as raw:
        for pause in (0.0, 0.01):
            label = f"raw, alternating{', 10 ms pause' if pause else ''}"
            for i in range(reps):
                await asyncio.sleep(pause)
                add(f"{label}: floor", await timed(raw.call("GET", "/v1/models")))
                await asyncio.sleep(pause)
                body = sv.chat_body(PROMPTS[i % 50], {}, False)
                add(f"{label}: JSON hit", await timed(raw.call("POST", "/v1/chat/completions", body)))
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=150, help="requests per row")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nearhit-floor-") as data:
        redis_url = redis_server.ensure_running(Path(data))[0].url
        try:
            with sv.server(sv.Tree("this tree", sv.ROOT), redis_url, 1, "floor") as url:
                async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                    await asyncio.gather(*(sv.gateway_store(client, p, {}) for p in PROMPTS))
                await asyncio.sleep(1)
                rows = await measure(url, args.reps)
        finally:
            redis_server.stop(Path(data))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print()
    print("| requests, timed how | n | p50 ms |")
    print("|---|---|---|")
    for name, values in rows.items():
        print(f"| {name} | {len(values)} | {statistics.median(values):.2f} |")


if __name__ == "__main__":
    asyncio.run(main())
