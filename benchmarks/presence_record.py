"""The size of ``NEARHIT_EXACT_PRESENCE``'s record of entry keys under a stream of new keys: a ``NearCache`` on a
modules-free ``redis-server`` of its own (from the pip-installed binaries), another client writing and deleting
``total`` keys under its prefix, 1,000 a pipeline; the record's length and the memory traced, every 20,000 keys.
Needs the repository root on ``PYTHONPATH`` (``tests.support``):

    PYTHONPATH=src:. python benchmarks/presence_record.py 10000 100000   # the bound, the keys
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import tracemalloc
from pathlib import Path

from redis.asyncio import Redis

from nearhit.cache.near import NearCache
from tests.support.plain_redis import plain_redis
from tests.support.waiting import eventually


async def main(bound: int, total: int) -> None:
    with tempfile.TemporaryDirectory() as directory, plain_redis(Path(directory)) as port:
        redis = Redis(port=port)
        near = NearCache(0, presence=True, presence_keys=bound)
        await near.start(redis, "p:")
        await eventually(lambda: near.absent("p:never"))  # scanned
        tracemalloc.start()
        largest = 0
        for start in range(0, total, 1000):
            async with redis.pipeline(transaction=False) as pipe:
                for i in range(start, start + 1000):
                    pipe.set(f"p:{i}", "x")
                    pipe.delete(f"p:{i}")
                await pipe.execute()
            await asyncio.sleep(0.05)  # Redis's messages read
            largest = max(largest, len(near._known or ()))
            if start % 20_000 == 0:
                traced = tracemalloc.get_traced_memory()[0] / 1e6
                print(f"after {start + 1000:>7,} keys: {len(near._known or ()):>7,} hashes, {traced:.2f} MB traced")
        print(f"after {total:,} keys: at most {largest:,} hashes seen")
        await near.close()
        await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
