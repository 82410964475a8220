"""The local model on one intra-op thread against ONNX's default (one per core), and a read sent while it runs.

Issue 18's target (a semantic lookup <= the embedding alone + 1 ms) would gain the exact read's round trip if that
read ran beside the model. With the model on one thread, a core might be left for Redis and the event loop. For
each of the 300 paraphrases of fow-cache's should-hit pairs, both embedders in turn (the order alternating):
the model alone (``embed``), then the model started in the executor with an ``HMGET`` sent at once (how long
the read takes, and the two together against the model alone); then an ``HMGET`` alone.

    python benchmarks/embed_threads.py
    python benchmarks/embed_threads.py --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from fow_cache.data import load_questions
from redis.asyncio import Redis

from nearhit import redis_server
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1, help="passes over the 300 paraphrases")
    args = parser.parse_args()
    embedders = {"1 thread": LocalEmbedder(threads=1), "default (2 threads)": LocalEmbedder()}
    texts = [normalise(p["b"]) for p in load_questions() if p["same_answer"]]
    alone: dict[str, list[float]] = {name: [] for name in embedders}
    together: dict[str, list[float]] = {name: [] for name in embedders}
    read: dict[str, list[float]] = {name: [] for name in embedders}
    read_alone: list[float] = []
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory(prefix="nearhit-threads-") as data:
        server, _ = redis_server.ensure_running(Path(data))
        redis = Redis.from_url(server.url)
        try:
            await redis.hset("entry", mapping={"prompt": "a question", "response": "an answer"})
            for n, text in enumerate(texts * args.rounds):
                for name in list(embedders)[:: 1 if n % 2 else -1]:
                    embedder = embedders[name]
                    started = time.perf_counter()
                    await embedder.embed([text])
                    alone[name].append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    model = loop.run_in_executor(None, embedder.encode, [text])
                    await redis.hmget("entry", "prompt", "response")
                    read[name].append((time.perf_counter() - started) * 1000)
                    await model
                    together[name].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                await redis.hmget("entry", "prompt", "response")
                read_alone.append((time.perf_counter() - started) * 1000)
        finally:
            await redis.aclose()
            redis_server.stop(Path(data))
    print(f"\n{len(read_alone)} paraphrases; load average {os.getloadavg()[0]:.2f}\n")
    print("| model threads | model alone p50 / mean ms | HMGET sent as it starts, p50 / mean ms | "
          "(model + HMGET) − model alone, paired p50 / mean ms |")  # fmt: skip
    print("|---|---|---|---|")
    for name in embedders:
        extra = [both - one for both, one in zip(together[name], alone[name], strict=True)]
        print(
            f"| {name} | {statistics.median(alone[name]):.3f} / {statistics.mean(alone[name]):.3f} | "
            f"{statistics.median(read[name]):.3f} / {statistics.mean(read[name]):.3f} | "
            f"{statistics.median(extra):+.3f} / {statistics.mean(extra):+.3f} |"
        )
    print(f"| (HMGET alone) | | {statistics.median(read_alone):.3f} / {statistics.mean(read_alone):.3f} | |")
    one, two = alone.values()
    slower = [a - b for a, b in zip(one, two, strict=True)]
    print(f"\nmodel alone, 1 thread − default, paired: p50 {statistics.median(slower):+.3f} ms, "
          f"mean {statistics.mean(slower):+.3f} ms")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
