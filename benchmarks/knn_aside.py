"""A lookup's KNN stage with the work that needs no reply done before the round trip (as up to 8167b2d) or
while Redis searches (``reads(meanwhile=...)``, the eleventh session), paired in one process.

That work is the result's vector as a list (``vector.tolist()``, 384 floats), the query's JSON and the fresh
embedding handed to the store (``SemanticCache._aside``). Each of the 300 paraphrases of fow-cache's should-hit
pairs (its vector embedded once, first) runs the KNN + labels probe both ways, in alternating order, on the
entries ``lookup_split.py`` fills; what is timed is the stage from the vector to the parsed rows with the work
done (wall time, and the event loop thread's CPU).

    python benchmarks/knn_aside.py --size 10000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

from fow_cache.data import load_questions

from lookup_split import SCOPE, fill  # run from the repository root with benchmarks/ on the path
from nearhit import redis_server
from nearhit.cache.keys import normalise
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import LookupResult
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap


async def main(size: int, rounds: int) -> None:
    embedder = LocalEmbedder()
    pairs = [p for p in load_questions() if p["same_answer"]]
    data = Path(tempfile.mkdtemp(prefix="nearhit-knn-aside-"))
    server, _ = redis_server.ensure_running(data)
    try:
        settings = load_settings(redis_url=server.url, index_name="aside", similarity_threshold=0.90)
        cache = await bootstrap.open_cache(settings, embedder)
        await fill(cache, SCOPE, pairs, size)
        spec = await cache._index_for(SCOPE.tenant)
        texts = [normalise(p["b"]) for p in pairs]
        vectors = await embedder.embed(texts)
        wall: dict[str, list[float]] = {"before the round trip": [], "while Redis searches": []}
        cpu: dict[str, list[float]] = {name: [] for name in wall}
        for n in range(rounds * len(pairs)):
            text, vector = texts[n % len(pairs)], vectors[n % len(pairs)]
            query = Lookup(text, text, SCOPE)
            knn = cache._scoped_knn(query, spec, cache.candidates)
            for name in list(wall)[:: 1 if n % 2 else -1]:
                await cache.background.drain()
                result = LookupResult(match=None, threshold=0.9, scope_id=SCOPE.id)
                aside = partial(cache._aside, result, vector, knn, ([text], vector[None, :]), spec)
                started, started_cpu = time.perf_counter(), time.thread_time()
                if name == "before the round trip":
                    aside()
                    await cache._knn_and_labels(spec, knn.command(vector.tobytes()))
                else:
                    await cache._knn_and_labels(spec, knn.command(vector.tobytes()), aside)
                wall[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append((time.thread_time() - started_cpu) * 1000)
        await cache.close()
    finally:
        redis_server.stop(data)
    print(f"{size:,} entries, {len(wall['before the round trip'])} KNN stages each way; load {os.getloadavg()[0]:.2f}")
    print()
    print("| the work that needs no reply | KNN stage p50 ms | mean | loop CPU p50 ms |")
    print("|---|---|---|---|")
    for name in wall:
        print(f"| {name} | {statistics.median(wall[name]):.3f} | {statistics.mean(wall[name]):.3f} | "
              f"{statistics.median(cpu[name]):.3f} |")
    names = list(wall)
    for label, values in (("wall", wall), ("CPU", cpu)):
        diff = [b - a for a, b in zip(values[names[0]], values[names[1]], strict=True)]
        print(f"\n{label}: while − before, paired: p50 {statistics.median(diff):+.4f} ms, mean {statistics.mean(diff):+.4f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000, help="entries in the index (filler + the 300 pairs)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the 300 paraphrases")
    args = parser.parse_args()
    asyncio.run(main(args.size, args.rounds))
