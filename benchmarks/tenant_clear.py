"""How long a clear of one tenant takes among other tenants' keys (``cache.clear(tenant=...)``): its entries found
through the index and unlinked, then what it keeps per tenant (stored vectors, rewrites, verdicts, twins marks)
found by SCAN, whose cost grows with the whole keyspace. Run it against two trees by ``PYTHONPATH`` to compare:

    NEARHIT_DATA_DIR=/tmp/NAME/data PYTHONPATH=src:. .venv/bin/python benchmarks/tenant_clear.py

The tenant's entries and one stored vector each are made again before every clear; the other tenants' (as many
entries, each with its vector) stay. Nothing is embedded: the entries' vectors are random unit vectors, the stored
vectors random bytes of a vector's size. Prints each run's wall time and their median, and the same for a clear of
a tenant that has nothing (what the keyspace walks cost alone).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

import numpy as np

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index
from nearhit.config import load_settings
from nearhit.service import bootstrap

BATCH = 200


async def fill(cache: SemanticCache, tenant: str, count: int, rng: np.random.Generator) -> None:
    """``count`` entries of ``tenant``, each with a stored vector of its prompt."""
    vectors = rng.standard_normal((count, cache.embedder.dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    scope = Scope.build(model="gpt-4o", tenant=tenant)
    for start in range(0, count, BATCH):
        stop = min(count, start + BATCH)
        prompts = [f"question {i} of {tenant}" for i in range(start, stop)]
        await asyncio.gather(
            *(cache.store(prompt, "x " * 40, scope, vector=vectors[start + i]) for i, prompt in enumerate(prompts))
        )
        async with cache.redis.pipeline(transaction=False) as pipe:
            for i, prompt in enumerate(prompts):
                pipe.set(cache.embeddings.key_for(prompt, tenant), vectors[start + i].tobytes(), ex=3600)
            await pipe.execute()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000, help="the cleared tenant's entries")
    parser.add_argument("--others", type=int, default=10_000, help="the other tenants' entries (100 tenants)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    settings = load_settings(index_name=f"bench_clear_{uuid.uuid4().hex[:8]}", guards=False)
    cache = await bootstrap.open_cache(settings)
    rng = np.random.default_rng(7)
    try:
        for n in range(100):
            await fill(cache, f"other-{n}", args.others // 100, rng)
        keys = await cache.redis.dbsize()
        timings, empty = [], []
        for _ in range(args.runs):
            await fill(cache, "cleared", args.entries, rng)
            started = time.perf_counter()
            deleted = await cache.clear(tenant="cleared")
            timings.append((time.perf_counter() - started) * 1000)
            assert deleted == args.entries, deleted
            started = time.perf_counter()
            await cache.clear(tenant="nobody")
            empty.append((time.perf_counter() - started) * 1000)
        print(
            f"clear of a tenant with {args.entries:,} entries among {args.others:,} others ({keys:,} keys in Redis "
            f"before the tenant's), {args.runs} runs, load average {os.getloadavg()[0]:.2f}"
        )
        for what, runs in (("the tenant's clear", timings), ("a clear of a tenant with nothing", empty)):
            listed = ", ".join(f"{ms:.1f}" for ms in runs)
            print(f"{what}: median {statistics.median(runs):.1f} ms (runs: {listed})")
    finally:
        await cache.clear()
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


if __name__ == "__main__":
    asyncio.run(main())
