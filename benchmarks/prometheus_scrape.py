"""How long ``GET /metrics/prometheus`` takes with 100,000 telemetry events stored.

The scrape reads in-memory counters and one ``FT.INFO``, never the event stream, so the stream's length
should not matter: this fills the stream to ``--events`` (the default ``NEARHIT_TELEMETRY_MAXLEN``) and feeds
as many column records to the metrics, then times scrapes through the app (lifespan, routing, access rule,
rendering), and ``prometheus.render`` alone.

    python benchmarks/prometheus_scrape.py
    python benchmarks/prometheus_scrape.py --events 10000 -n 50   # a smoke run

Target (issue 16): <= 5 ms. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import time
import uuid

import httpx

from nearhit.api.app import create_app
from nearhit.cache.index import drop_index
from nearhit.config import load_settings
from nearhit.metrics import prometheus
from nearhit.service.runtime import Runtime
from nearhit.service.telemetry import ColumnRecord


def record(n: int) -> ColumnRecord:
    outcome = random.choice(["exact", "semantic", "miss", "bypass"])
    return ColumnRecord(
        column="cache" if n % 2 else "raw",
        outcome=outcome if n % 2 else "llm",
        source="ask",
        model="simulated-gpt-4o",
        priced_as="gpt-4o",
        simulated=True,
        tenant="default",
        prompt_tokens=20,
        completion_tokens=200,
        tokens_saved=220 if outcome in ("exact", "semantic") else 0,
        cost_usd=0.002,
        cost_saved_usd=0.002,
        total_ms=random.uniform(1, 3000),
        ttft_ms=random.uniform(1, 600),
        lookup_ms=random.uniform(0.2, 20),
        rejected_by=random.choice([None, None, "numbers", "negation"]),
        ts=time.time(),
    )


async def run(events: int, scrapes: int) -> None:
    settings = load_settings(index_name=f"bench_prom_{uuid.uuid4().hex[:8]}")
    runtime = Runtime.from_settings(settings)
    app = create_app(settings, runtime)
    cache = await runtime.cache()
    stream = cache.keys.telemetry_stream
    for start in range(0, events, 5000):
        async with cache.redis.pipeline(transaction=False) as pipe:
            for n in range(start, min(start + 5000, events)):
                r = record(n)
                pipe.xadd(stream, r.to_fields())  # type: ignore[arg-type]
                prometheus.observe(r)
            await pipe.execute()
    stored = await cache.redis.xlen(stream)
    through_app, render_only = [], []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for _ in range(20):
                await client.get("/metrics/prometheus")
            for _ in range(scrapes):
                started = time.perf_counter()
                response = await client.get("/metrics/prometheus")
                through_app.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
                started = time.perf_counter()
                prometheus.render("text/plain")
                render_only.append((time.perf_counter() - started) * 1000)
        await cache.redis.delete(stream, cache.keys.telemetry_totals)
        await drop_index(cache.redis, settings.index_name, delete_entries=True)
    print(f"{stored:,} telemetry events stored, {events:,} records observed, {scrapes} scrapes\n")
    print("| what | p50 ms | p95 ms | target |")
    print("|---|---:|---:|---:|")
    for label, samples in (("GET /metrics/prometheus (app)", through_app), ("prometheus.render only", render_only)):
        p95 = statistics.quantiles(samples, n=20)[-1]
        print(f"| {label} | {statistics.median(samples):.2f} | {p95:.2f} | <= 5 |")
    print(f"\nexposition: {len(response.content):,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("-n", type=int, default=200, help="scrapes")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # one access-log line per scrape is not the point here
    asyncio.run(run(args.events, args.n))


if __name__ == "__main__":
    main()
