"""``/health`` during 500 concurrent streams, and a cache hit with and without 4 clients polling
``/telemetry/summary`` over 100,000 stored telemetry events. Measured from the client, on loopback.

    python benchmarks/health_under_load.py                 # ~2 minutes
    python benchmarks/health_under_load.py --streams 200 --events 20000
    python benchmarks/health_under_load.py --health-only   # only /health during the streams

It starts its own embedded Redis (a temporary folder) and one ``uvicorn nearhit.api.app:app_factory`` worker
with the simulated LLM (450 ms to the first token, 50 tokens/s, so each stream lasts a few seconds). ``/health``
is polled on the main port and on the health port (``NEARHIT_HEALTH_PORT``), each from a process of its own
(every 50 ms), so the 500 streaming clients of this process do not delay its measurements. The events are
written through ``Telemetry.record``, as the service writes them. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

from nearhit import redis_server
from nearhit.cache.keys import KeySpace
from nearhit.config import load_settings
from nearhit.service import bootstrap
from nearhit.service.telemetry import ColumnRecord, Telemetry
from nearhit.stats import percentile
from service import cache_column, free_port, server

INDEX = "bench_health"
MIN_ROW_S = 5.0  # each hit-latency row lasts at least this long, so slow pollers poll a few times

HEALTH_POLLER = """
import json, sys, time, httpx
url, stop = sys.argv[1], sys.argv[2]
samples = []
with httpx.Client(timeout=30) as client:
    while True:
        started = time.perf_counter()
        status = client.get(url).status_code
        samples.append(((time.perf_counter() - started) * 1000, status))
        try:
            open(stop).close()
            break
        except OSError:
            time.sleep(0.05)
print(json.dumps(samples))
"""

# The machine's floor: the same stdlib server in a process of its own (no GIL shared with the service) with a
# constant answer. What it takes under the load is what the machine, not the service, costs a probe.
CONTROL_SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


async def one_stream(client: httpx.AsyncClient, prompt: str) -> bool:
    """A full ``/ask/stream`` (both columns); True when it ended with ``stream_complete``."""
    async with client.stream("POST", "/ask/stream", json={"prompt": prompt}) as response:
        last = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                last = line[6:].strip()
    return last == "stream_complete"


async def health_during_streams(
    url: str, health_port_url: str, streams: int, work: Path
) -> tuple[dict[str, tuple[list[float], int]], int, float]:
    """({poller: (latencies in ms, non-200 answers)} for the main ``/health``, the health port's and the
    control server's, completed streams, seconds the streams took)."""
    control_port = free_port()
    control = await asyncio.create_subprocess_exec(sys.executable, "-c", CONTROL_SERVER, str(control_port))
    urls = {
        "main port": f"{url}/health",
        "health port": f"{health_port_url}/health",
        "control: a process of its own": f"http://127.0.0.1:{control_port}/",
    }
    await asyncio.sleep(0.5)  # the control server binds its port
    stop = work / "stop-health"
    pollers = {
        name: await asyncio.create_subprocess_exec(
            sys.executable, "-c", HEALTH_POLLER, target, str(stop), stdout=asyncio.subprocess.PIPE
        )
        for name, target in urls.items()
    }
    limits = httpx.Limits(max_connections=streams + 10, max_keepalive_connections=streams + 10)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        await asyncio.sleep(1)  # a few idle samples first
        started = time.perf_counter()
        prompts = [f"Load test question {i}: how do semantic caches handle paraphrases?" for i in range(streams)]
        done = await asyncio.gather(*(one_stream(client, p) for p in prompts), return_exceptions=True)
        took = time.perf_counter() - started
    stop.touch()
    results = {}
    for name, poller in pollers.items():
        samples = json.loads((await poller.communicate())[0])
        during = samples[20:]  # after the ~1 s of idle samples
        results[name] = ([ms for ms, _ in during], sum(status != 200 for _, status in during))
    control.terminate()
    await control.wait()
    return results, sum(d is True for d in done), took


async def store_events(redis_url: str, count: int) -> None:
    """``count`` telemetry events written as the service writes them (``Telemetry.record``)."""
    settings = load_settings(redis_url=redis_url, index_name=INDEX)
    redis = await bootstrap.connect_redis(settings)
    telemetry = Telemetry(lambda: redis, KeySpace(INDEX), maxlen=settings.telemetry_maxlen)
    common = {"source": "ask", "model": "simulated-gpt-4o", "priced_as": "gpt-4o", "simulated": True,
              "tenant": "default", "cost_usd": 0.0, "cost_saved_usd": 0.0}  # fmt: skip
    for start in range(0, count, 50):  # the client's pool has 64 connections: no burst beyond it
        for i in range(start, min(count, start + 50)):
            column, outcome = ("raw", "llm") if i % 2 else ("cache", "exact" if i % 4 == 0 else "miss")
            telemetry.record(
                ColumnRecord(column=column, outcome=outcome, prompt_tokens=20, completion_tokens=150,  # type: ignore[arg-type]
                             tokens_saved=0, total_ms=5.0 + i % 300, ttft_ms=1.0 + i % 50, **common)  # type: ignore[arg-type]
            )  # fmt: skip
        await telemetry.flush()
    length = await redis.xlen(KeySpace(INDEX).telemetry_stream)
    print(f"  {length:,} events in the stream", file=sys.stderr, flush=True)
    await redis.aclose()


async def hit_p50(url: str, requests: int, pollers: int, every_s: float) -> tuple[int, float, float, int]:
    """(exact hits timed, p50 ms, p99 ms, summaries the pollers got) with ``pollers`` clients polling the
    summary, each waiting ``every_s`` between polls (0: back to back)."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await cache_column(client, "What is a semantic cache?")  # stored once: every later one is a hit
        await asyncio.sleep(1)
        stop = asyncio.Event()
        polled = 0

        async def poll() -> None:
            nonlocal polled
            while not stop.is_set():
                (await client.get("/telemetry/summary?window=300")).raise_for_status()
                polled += 1
                await asyncio.sleep(every_s)

        tasks = [asyncio.create_task(poll()) for _ in range(pollers)]
        await asyncio.sleep(0.5 if pollers else 0)
        totals: list[float] = []
        until = time.monotonic() + MIN_ROW_S
        while len(totals) < requests or time.monotonic() < until:
            match, _first, total = await cache_column(client, "What is a semantic cache?")
            assert match == "exact", match
            totals.append(total)
        stop.set()
        await asyncio.gather(*tasks)
    return len(totals), percentile(totals, 50) or 0.0, percentile(totals, 99) or 0.0, polled


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=500, help="concurrent /ask/stream requests")
    parser.add_argument("--events", type=int, default=100_000, help="telemetry events stored before polling")
    parser.add_argument("--requests", type=int, default=100, help="exact hits measured per row (at least)")
    parser.add_argument("--health-only", action="store_true", help="only /health during the streams")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nearhit-bench-") as data:
        redis, _ = redis_server.ensure_running(Path(data))
        try:
            health_port = free_port()
            env = {"NEARHIT_SIM_TOKENS_PER_SECOND": "50", "NEARHIT_HEALTH_PORT": str(health_port)}
            with server(redis.url, 1, INDEX, env) as url:
                print(f"  /health during {args.streams} concurrent streams…", file=sys.stderr, flush=True)
                health, completed, took = await health_during_streams(
                    url, f"http://127.0.0.1:{health_port}", args.streams, Path(data)
                )
                print(f"{completed}/{args.streams} streams complete in {took:.1f} s\n")
                print(f"| /health during {args.streams} streams | n | p50 ms | p90 ms | p99 ms | max ms | non-200 |")
                print("|---|---|---|---|---|---|---|")
                for name, (latencies, failed) in health.items():
                    p50, p90, p99 = (percentile(latencies, q) or 0.0 for q in (50, 90, 99))
                    print(
                        f"| {name} | {len(latencies)} | {p50:.1f} | {p90:.1f} | {p99:.1f} | "
                        f"{max(latencies):.1f} | {failed} |",
                        flush=True,
                    )
                print()
                if args.health_only:
                    return
                print(f"  storing {args.events:,} telemetry events…", file=sys.stderr, flush=True)
                await store_events(redis.url, args.events)
                print(f"| summary pollers ({args.events:,} events stored) | exact hits | p50 ms | p99 ms | summaries |")
                print("|---|---|---|---|---|", flush=True)
                for pollers, every, label in (
                    (0, 0.0, "none"),
                    (4, 1.0, "4, each every 1 s"),
                    (4, 0.0, "4, back to back"),
                ):
                    hits, p50, p99, polled = await hit_p50(url, args.requests, pollers, every)
                    print(f"| {label} | {hits} | {p50:.2f} | {p99:.2f} | {polled} |", flush=True)
        finally:
            redis_server.stop(Path(data))


if __name__ == "__main__":
    asyncio.run(main())
