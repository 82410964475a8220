"""What the library face adds to a lookup: ``AsyncCache.lookup`` and the sync ``Cache.lookup`` vs the engine.

One entry is stored; every lookup is an exact hit on it (the fastest path, so the wrapper's share is the
largest). The engine's ``SemanticCache.lookup`` and the face's are interleaved call by call, so both see the
same Redis and the same noise. The sync engine figure is timed inside the cache's loop; the sync face's
includes the hop from the calling thread to that loop and back.

    python benchmarks/library.py              # 3000 lookups of each
    python benchmarks/library.py -n 500       # a smoke run

Targets (issue 16): overhead <= 0.05 ms p50 async, <= 0.3 ms p50 sync. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

from nearhit import AsyncCache, Cache
from nearhit.cache.index import drop_index
from nearhit.config import Settings, load_settings

PROMPT = "What is the capital of France?"


def p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def timed_engine(cache: AsyncCache) -> float:
    scope = cache.scope()
    started = time.perf_counter()
    await cache.engine.lookup(PROMPT, scope)
    return time.perf_counter() - started


async def async_rows(settings: Settings, n: int) -> tuple[float, float]:
    engine, face = [], []
    async with AsyncCache.open(settings=settings) as cache:
        await cache.store(PROMPT, "Paris.")
        for _ in range(200):  # warm up
            await cache.lookup(PROMPT)
        for _ in range(n):
            engine.append(await timed_engine(cache))
            started = time.perf_counter()
            await cache.lookup(PROMPT)
            face.append(time.perf_counter() - started)
        await drop_index(cache.engine.redis, settings.index_name, delete_entries=True)
    return p50_ms(engine), p50_ms(face)


def sync_rows(settings: Settings, n: int) -> tuple[float, float]:
    engine, face = [], []
    with Cache.open(settings=settings) as cache:
        cache.store(PROMPT, "Paris.")
        for _ in range(200):
            cache.lookup(PROMPT)
        for _ in range(n):
            engine.append(cache.submit(timed_engine(cache.inner)).result())
            started = time.perf_counter()
            cache.lookup(PROMPT)
            face.append(time.perf_counter() - started)
        cache.submit(drop_index(cache.inner.engine.redis, settings.index_name, delete_entries=True)).result()
    return p50_ms(engine), p50_ms(face)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=3000, help="lookups of each kind")
    args = parser.parse_args()
    settings = load_settings(index_name=f"bench_lib_{uuid.uuid4().hex[:8]}", guards=False)
    a_engine, a_face = asyncio.run(async_rows(settings, args.n))
    s_engine, s_face = sync_rows(settings, args.n)
    print(f"Exact-hit lookups, {args.n} of each, p50 in ms\n")
    print("| face | engine p50 | face p50 | overhead | target |")
    print("|---|---:|---:|---:|---:|")
    print(f"| AsyncCache.lookup | {a_engine:.3f} | {a_face:.3f} | {a_face - a_engine:.3f} | <= 0.05 |")
    print(f"| Cache.lookup (sync) | {s_engine:.3f} | {s_face:.3f} | {s_face - s_engine:.3f} | <= 0.3 |")


if __name__ == "__main__":
    main()
