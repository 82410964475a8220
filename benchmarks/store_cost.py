"""What a miss's store costs (the write after the answer is generated), on the real engine (embedded Redis): the
clear counts read back after the write (issue 21) should add next to nothing to it.

Looks up ``N`` distinct prompts with their vector given (a miss each; nothing embedded), then stores each answer
through its :class:`Lookup`, timing the store alone: wall time and the event loop's CPU (``time.process_time``).
Prints the p50 and p90 of both. Run it on two trees in turn (``PYTHONPATH=<tree>/src``) for a before/after.

    python benchmarks/store_cost.py [N]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid

import numpy as np

from nearhit.cache.keys import Scope
from nearhit.config import load_settings
from nearhit.evaluation import scratch_cache


async def main(count: int) -> None:
    scope = Scope.build(model="gpt-4o", tenant=f"store-{uuid.uuid4().hex[:8]}")
    rng = np.random.default_rng(21)
    walls, cpus = [], []
    async with scratch_cache(load_settings()) as cache:
        for n in range(count):
            query = cache.prepare(f"store cost question number {n}", scope)
            vector = rng.standard_normal(cache.embedder.dimension).astype(np.float32)
            assert not (await cache.lookup(query, vector=vector / np.linalg.norm(vector))).hit
            wall, cpu = time.perf_counter(), time.process_time()
            await cache.store(query, f"answer {n}")
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        await cache.clear(tenant=scope.tenant)
    for name, values in (("wall", walls), ("cpu", cpus)):
        values.sort()
        print(f"{name}: p50 {statistics.median(values):.3f} ms, p90 {values[int(0.9 * len(values))]:.3f} ms", end="; ")
    print(f"{count} stores")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 400))
