"""The shape of a lookup's KNN query against Redis's time to run it, as a lookup meets it: right after a model run.

A lookup's KNN comes right after its embedding, and Redis then takes about twice its back-to-back time (cold
caches after an idle gap: a 7 ms sleep does the same as the model). Each of the 300 paraphrases of fow-cache's
should-hit pairs (their vectors computed first) runs every variant of the lookup's own ``FT.SEARCH`` in a
rotating order, each right after a model run on another text (or a sleep, or nothing: ``--before``); per
variant, the wall time from the client and Redis's own time for the command (``INFO commandstats``, read
around each query), and whether it found the same keys in the same order as the lookup's query.

    python benchmarks/knn_shapes.py                         # 2,000 entries, after a model run
    python benchmarks/knn_shapes.py --size 10000 --before none
    python benchmarks/knn_shapes.py --variants current "ef 50"
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fow_cache.data import load_questions

from lookup_split import SCOPE, THRESHOLD, fill  # run from benchmarks/: as lookup_split
from nearhit import redis_server
from nearhit.cache import SemanticCache
from nearhit.cache import index as idx
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap


def variants(cache: SemanticCache, vector: bytes) -> dict[str, list[Any]]:
    """The lookup's KNN command (``current``) and its variants, each for ``vector``."""
    ef = cache.ef_runtime(cache.spec)
    current = idx.scoped_knn(cache.spec, cache.spec.name, SCOPE.search_id, cache.candidates, ef).command(vector)
    args = [arg.decode() if isinstance(arg, bytes) and arg is not vector else arg for arg in current]
    at = args.index("RETURN")
    head, tail = args[:at], args[at + 2 + int(args[at + 1]) :]
    sort, dialect = args.index("SORTBY"), args.index("DIALECT")

    def knn(old: str, new: str) -> list[Any]:
        return [arg.replace(old, new) if isinstance(arg, str) else arg for arg in args]

    return {
        "current": current,
        "prompt + distance returned": [*head, "RETURN", "2", "prompt", idx.DISTANCE, *tail],
        "NOCONTENT": [*head, "NOCONTENT", *tail],
        "no SORTBY": args[:sort] + args[sort + 3 :],
        "DIALECT 3": [*args[: dialect + 1], "3", *args[dialect + 2 :]],
        "ADHOC_BF": knn("HYBRID_POLICY BATCHES EF_RUNTIME $EF", "HYBRID_POLICY ADHOC_BF"),
        "no HYBRID_POLICY": knn(" HYBRID_POLICY BATCHES", ""),
        "ef 100": [*args[:-1], "100"],
        "ef 50": [*args[:-1], "50"],
        "ef 20": [*args[:-1], "20"],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=2000, help="entries in the index (filler + the 300 pairs)")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the 300 paraphrases")
    parser.add_argument("--before", choices=["model", "sleep", "none"], default="model", help="before each query")
    parser.add_argument("--variants", nargs="+", help="only these variants (names as printed)")
    args = parser.parse_args()
    embedder = LocalEmbedder()
    pairs = [p for p in load_questions() if p["same_answer"]]
    texts = [normalise(p["b"]) for p in pairs]
    with tempfile.TemporaryDirectory(prefix="nearhit-knn-shapes-") as data:
        server, _ = redis_server.ensure_running(Path(data))
        try:
            settings = load_settings(redis_url=server.url, index_name="shapes", similarity_threshold=THRESHOLD)
            cache = await bootstrap.open_cache(settings, embedder)
            await fill(cache, SCOPE, pairs, args.size)
            await cache.background.drain()
            vectors = [(await embedder.embed([text]))[0].tobytes() for text in texts]
            names = args.variants or list(variants(cache, vectors[0]))
            redis = cache.redis
            wall: dict[str, list[float]] = {name: [] for name in names}
            usec: dict[str, list[int]] = {name: [] for name in names}
            same = dict.fromkeys(names, 0)

            async def redis_usec() -> int:
                return int((await redis.info("commandstats"))["cmdstat_FT.SEARCH"]["usec"])

            for n, vector in enumerate(vectors * args.rounds):
                commands = variants(cache, vector)
                reference = (await redis.execute_command(*commands["current"]))[1::2]
                order = names[n % len(names) :] + names[: n % len(names)]
                for name in order:
                    before = await redis_usec()
                    if args.before == "model":
                        await embedder.embed([texts[(n + 7) % len(texts)]])
                    elif args.before == "sleep":
                        await asyncio.sleep(0.007)
                    started = time.perf_counter()
                    reply = await redis.execute_command(*commands[name])
                    wall[name].append((time.perf_counter() - started) * 1000)
                    usec[name].append(await redis_usec() - before)
                    same[name] += (reply[1:] if name == "NOCONTENT" else reply[1::2]) == reference
            await cache.close()
        finally:
            redis_server.stop(Path(data))
    print(f"\n{args.size:,} entries, {len(vectors) * args.rounds} queries per variant, each after: {args.before}; "
          f"load average {os.getloadavg()[0]:.2f}\n")  # fmt: skip
    print("| variant | wall p50 / mean ms | Redis's time p50 / mean µs | same keys, same order |")
    print("|---|---|---|---|")
    for name in names:
        times, spent = wall[name], usec[name]
        print(
            f"| {name} | {statistics.median(times):.3f} / {statistics.mean(times):.3f} | "
            f"{statistics.median(spent):.0f} / {statistics.mean(spent):.0f} | {same[name]}/{len(times)} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
