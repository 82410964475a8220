"""A single question's miss in a scope with no conversation: what it costs, and whether it searched the conversations
told as one question (``conversation_lookup.from_story``), on the real engine (embedded Redis, local embedder).

Stores the ``a`` sides of the questions set's dev split as single questions in one scope, then looks up, one at a
time, the ``b`` sides of its traps (most miss), twice each: the second pass reads the stored embedding, so it
times the lookup path without the embedder. Prints, over the second pass's misses, the median and p90 of the
total time and how many ran the twins' KNN.

    python benchmarks/single_miss.py
"""

from __future__ import annotations

import asyncio
import statistics
import uuid

from nearhit.config import load_settings
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request


async def main() -> None:
    pairs = dataset.load("questions", "dev")
    tenant = f"miss-{uuid.uuid4().hex[:8]}"
    async with scratch_cache(load_settings()) as cache:
        for pair in pairs:
            await cache.store(request(cache, tenant, pair.a), "answer")
        asked = [pair.b for pair in pairs if not pair.same_answer]
        times, searched = [], 0
        for run in range(2):
            for side in asked:
                result = await cache.lookup(request(cache, tenant, side))
                if run == 1 and not result.hit:
                    times.append(result.timings_ms["total"])
                    searched += "from_story" in result.timings_ms
        await cache.clear(tenant=tenant)
    times.sort()
    print(f"{len(times)} misses (second pass): total p50 {statistics.median(times):.2f} ms, ", end="")
    print(f"p90 {times[int(0.9 * len(times))]:.2f} ms; the twins' KNN ran on {searched}")


if __name__ == "__main__":
    asyncio.run(main())
