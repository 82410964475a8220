"""The cache column over HTTP: time to first chunk and total time for exact hits, semantic hits and misses,
exact hits through the OpenAI gateway (plain, and with tools + a JSON schema in the scope), and requests/s
on exact hits with 1 and 2 workers. Measured from the client, on loopback.

    python benchmarks/service.py              # ~2 minutes
    python benchmarks/service.py --requests 400
    python benchmarks/service.py --gateway-only

It starts its own embedded Redis (a temporary folder) and ``uvicorn nearhit.api.app:app_factory`` with the
simulated LLM at its default time to first token (450 ms), so a miss shows what the LLM costs. The raw column
is turned off (``include_raw: false``) so only the cache column is measured. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from fow_cache.data import load_questions

from nearhit import redis_server
from nearhit.stats import percentile


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(redis_url: str, workers: int, index: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``uvicorn`` on a free port with the simulated LLM (400 tokens/s unless ``env`` says otherwise)."""
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "VECTOR_INDEX_NAME": index, "NEARHIT_LLM": "simulated",
           "NEARHIT_EMBEDDER": "local", "NEARHIT_SIM_TOKENS_PER_SECOND": "400", **(env or {})}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "nearhit.api.app:app_factory", "--factory", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(20)


async def cache_column(client: httpx.AsyncClient, prompt: str) -> tuple[str, float, float]:
    """(match, ms to the first cache chunk, ms to the cache column's completion)."""
    started = time.perf_counter()
    first = total = 0.0
    match = "miss"
    async with client.stream("POST", "/ask/stream", json={"prompt": prompt, "include_raw": False}) as response:
        kind = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                if kind == "cache_document":
                    match = json.loads(line[5:])["match"] or "miss"
                elif kind == "content_chunk" and not first:
                    first = (time.perf_counter() - started) * 1000
                elif kind == "column_complete":
                    total = (time.perf_counter() - started) * 1000
    return match, first, total


async def latency_table(url: str, n: int) -> list[str]:
    pairs = [p for p in load_questions() if p["same_answer"]][:n]
    samples: dict[str, list[tuple[float, float]]] = {}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        print(f"  storing {len(pairs)} answers (misses)…", file=sys.stderr, flush=True)
        for start in range(0, len(pairs), 16):
            results = await asyncio.gather(*(cache_column(client, p["a"]) for p in pairs[start : start + 16]))
            for match, first, total in results:
                samples.setdefault(match, []).append((first, total))
        await asyncio.sleep(1)
        print("  exact repeats and paraphrases, one at a time…", file=sys.stderr, flush=True)
        for p in pairs:
            for prompt in (p["a"], p["b"]):
                match, first, total = await cache_column(client, prompt)
                samples.setdefault(match, []).append((first, total))
    rows = ["| cache column | n | first chunk p50 / p99 ms | complete p50 / p99 ms |", "|---|---|---|---|"]
    for match in ("exact", "semantic", "miss"):
        values = samples.get(match, [])
        if values:
            firsts, totals = [v[0] for v in values], [v[1] for v in values]
            rows.append(
                f"| {match} | {len(values)} | {percentile(firsts, 50):.2f} / {percentile(firsts, 99):.2f} | "
                f"{percentile(totals, 50):.2f} / {percentile(totals, 99):.2f} |"
            )
    return rows


_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_docs",
            "description": "Search the documentation.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "minimum": 1}},
                "required": ["query"],
            },
        },
    }
]
_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "answer", "schema": {"type": "object", "properties": {"text": {"type": "string"}}}},
}


async def gateway_hit(client: httpx.AsyncClient, prompt: str, extra: dict[str, object]) -> tuple[str, float]:
    """(x-nearhit-cache, ms to the whole non-streamed ``chat.completion``) through ``/v1/chat/completions``."""
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}]} | extra
    started = time.perf_counter()
    response = await client.post("/v1/chat/completions", json=body)
    response.raise_for_status()
    return response.headers["x-nearhit-cache"], (time.perf_counter() - started) * 1000


async def gateway_table(url: str, n: int) -> list[str]:
    """Exact hits through the gateway, plain and with tools + response_format (one more hash in the scope)."""
    prompts = [f"Gateway benchmark question number {i}?" for i in range(n)]
    variants: dict[str, dict[str, object]] = {
        "plain": {},
        "tools + json_schema": {"tools": _TOOLS} | {"response_format": _FORMAT},
    }
    rows = ["| gateway exact hit | n | complete p50 / p99 ms |", "|---|---|---|"]
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for name, extra in variants.items():
            print(f"  gateway misses then hits ({name})…", file=sys.stderr, flush=True)
            await asyncio.gather(*(gateway_hit(client, p, extra) for p in prompts))
            await asyncio.sleep(1)
            totals = []
            for _ in range(3):
                for p in prompts:
                    cache, total = await gateway_hit(client, p, extra)
                    if cache == "hit-exact":
                        totals.append(total)
            rows.append(f"| {name} | {len(totals)} | {percentile(totals, 50):.2f} / {percentile(totals, 99):.2f} |")
    return rows


async def exact_hit_rate(url: str, requests: int, concurrency: int) -> float:
    prompts = [f"Benchmark question number {i}?" for i in range(20)]
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=64)) as client:
        await asyncio.gather(*(cache_column(client, p) for p in prompts))
        await asyncio.sleep(1)
        queue = [random.choice(prompts) for _ in range(requests)]
        started = time.perf_counter()

        async def worker() -> None:
            while queue:
                await cache_column(client, queue.pop())

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - started)


WRK_SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"prompt": "Benchmark question number 1?", "include_raw": false}'
"""


def wrk_rate(url: str, concurrency: int, seconds: int = 10) -> float | None:
    """Exact-hit requests/s measured by wrk (a C client, so the client does not eat the server's CPU), or None
    when wrk is not installed (Debian: apt-get install wrk)."""
    if shutil.which("wrk") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        output = subprocess.run(
            ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "-s", script.name, f"{url}/ask/stream"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    return float(match[1]) if match else None


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=150, help="question pairs for the latency table")
    parser.add_argument("--requests", type=int, default=1000, help="requests per throughput run")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight for throughput")
    parser.add_argument("--gateway-only", action="store_true", help="only the gateway's exact-hit rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nearhit-bench-") as data:
        redis, _ = redis_server.ensure_running(Path(data))
        try:
            with server(redis.url, 1, "bench_gateway") as url:
                gateway_rows = await gateway_table(url, 50)
            if args.gateway_only:
                print("\n".join(gateway_rows))
                return
            with server(redis.url, 1, "bench_latency") as url:
                rows = await latency_table(url, args.pairs)
            rates = []
            for workers in (1, 2):
                with server(redis.url, workers, f"bench_rps_{workers}") as url:
                    print(f"  exact-hit throughput, {workers} worker(s)…", file=sys.stderr, flush=True)
                    python_rate = await exact_hit_rate(url, args.requests, args.concurrency)
                    rates.append((workers, python_rate, wrk_rate(url, args.concurrency)))
        finally:
            redis_server.stop(Path(data))
    print("\n".join(rows))
    print()
    print("\n".join(gateway_rows))
    print()
    print(f"| workers | exact-hit requests/s, Python client ({args.concurrency} in flight) | same, wrk (10 s) |")
    print("|---|---|---|")
    for workers, rate, wrk in rates:
        print(f"| {workers} | {rate:,.0f} | {f'{wrk:,.0f}' if wrk else 'wrk not installed'} |")


if __name__ == "__main__":
    asyncio.run(main())
