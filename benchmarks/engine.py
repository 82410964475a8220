"""Lookup latency and throughput: nearhit vs RedisVL's SemanticCache, same Redis, same embedder.

For each index size it fills both caches with filler entries (random unit vectors: their only job is to
make the index that big), stores the 300 should-hit question pairs of ``fow-cache`` (their ``a`` side), then
runs a workload of 50% exact repeats (``a`` again) and 50% paraphrases (``b``), plus a set of unrelated
questions for misses. Latency is measured in-process around each lookup call (nearhit ``lookup``, RedisVL
``acheck``); lookups/s is the mixed workload run one at a time and with 16 in flight.

    python benchmarks/engine.py                      # 10,000 and 100,000 entries (~10 minutes)
    python benchmarks/engine.py --sizes 2000 --quick  # a smoke run

Prints a Markdown table, with the time nearhit's calibrated decision adds to a semantic lookup (guards,
features and score for every candidate at or above the similarity floor), then the decision alone per
candidate. RedisVL uses its default distance 0.1 (similarity 0.90); nearhit its defaults (floor 0.76 and
the decision).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from fow_cache.data import load_questions

from nearhit import redis_server
from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap
from nearhit.stats import percentile

THRESHOLD = 0.90
SCOPE = Scope.build(model="gpt-4o", tenant="bench")
SUBJECTS = ["a bicycle", "the moon", "a tax return", "sourdough", "a router", "a violin", "a glacier", "an API"]
ASKS = ["How heavy is {}?", "Who invented {}?", "Where can I buy {}?", "Why is {} expensive?", "How old is {}?"]


@dataclass
class Samples:
    ms: dict[str, list[float]] = field(default_factory=dict)

    def add(self, kind: str, value: float) -> None:
        self.ms.setdefault(kind, []).append(value)


def miss_questions(n: int) -> list[str]:
    rng = random.Random(7)
    return [rng.choice(ASKS).format(rng.choice(SUBJECTS)) + f" (case {i})" for i in range(n)]


async def fill(store: Callable[[int, np.ndarray], Awaitable[Any]], n: int, dim: int, label: str) -> float:
    rng = np.random.default_rng(42)
    started = time.perf_counter()
    chunk = 64
    for start in range(0, n, chunk):
        count = min(chunk, n - start)
        vectors = rng.standard_normal((count, dim)).astype(np.float32)
        await asyncio.gather(*(store(start + i, vectors[i]) for i in range(count)))
        if (start // chunk) % 200 == 0:
            print(f"  {label}: {start + count:,}/{n:,} filler entries", file=sys.stderr, flush=True)
    return time.perf_counter() - started


async def timed(run: Callable[[str], Awaitable[str]], prompts: Sequence[str], samples: Samples) -> None:
    for prompt in prompts:
        started = time.perf_counter()
        kind = await run(prompt)
        samples.add(kind, (time.perf_counter() - started) * 1000)


async def throughput(run: Callable[[str], Awaitable[str]], prompts: Sequence[str], concurrency: int) -> float:
    queue = list(prompts)
    started = time.perf_counter()

    async def worker() -> None:
        while queue:
            await run(queue.pop())

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(prompts) / (time.perf_counter() - started)


async def used_memory(cache: SemanticCache) -> int:
    return int((await cache.redis.info("memory"))["used_memory"])


async def warm_up(run: Callable[[str], Awaitable[str]]) -> None:
    """Steady state before measuring: the embedder's first calls and the client's connections are slower."""
    for i in range(100):
        await run(f"warm-up question {i} about nothing in particular")


async def forget_embeddings(cache: SemanticCache) -> None:
    keys = [key async for key in cache.redis.scan_iter(match="nearhit:emb:*", count=1000)]
    if keys:
        await cache.redis.delete(*keys)


async def bench_size(url: str, embedder: LocalEmbedder, size: int, quick: bool) -> list[dict[str, Any]]:
    from redisvl.extensions.cache.llm import SemanticCache as RedisVLCache
    from redisvl.utils.vectorize import CustomVectorizer

    pairs = [p for p in load_questions() if p["same_answer"]]
    rng = random.Random(size)
    workload = [("exact", p["a"]) for p in pairs] + [("paraphrase", p["b"]) for p in pairs]
    rng.shuffle(workload)
    if quick:
        workload = workload[:200]
    misses = miss_questions(100 if quick else 300)
    n_filler = max(0, size - len(pairs))
    rows = []

    # --- nearhit -----------------------------------------------------------------------------------------
    settings = load_settings(redis_url=url, index_name=f"bench_{size}", guards=True)
    cache = await bootstrap.open_cache(settings, embedder)
    base_memory = await used_memory(cache)

    async def nh_store(i: int, vector: np.ndarray) -> None:
        await cache.store(f"filler question {i}", "filler answer " * 40, SCOPE, vector=vector)

    fill_s = await fill(nh_store, n_filler, embedder.dimension, "nearhit")
    for p in pairs:
        await cache.store(p["a"], f"answer to: {p['a']}", SCOPE)
    memory = (await used_memory(cache) - base_memory) / size

    decision_ms: list[float] = []

    async def nh_lookup(prompt: str) -> str:
        result = await cache.lookup(prompt, SCOPE)
        if result.match == "semantic" and "decision" in result.timings_ms:
            decision_ms.append(result.timings_ms["decision"])  # guards + features + score, every candidate
        return result.match or "miss"

    await warm_up(nh_lookup)
    decision_ms.clear()
    samples = Samples()
    await timed(nh_lookup, [q for _, q in workload] + misses, samples)
    samples.ms["decision"] = list(decision_ms)
    mixed = [q for _, q in workload]
    await forget_embeddings(cache)  # so throughput pays for every paraphrase's embedding, as RedisVL does
    rps_1 = await throughput(nh_lookup, mixed, 1)
    await forget_embeddings(cache)
    rps_16 = await throughput(nh_lookup, mixed, 16)
    embed_ms = []
    for q in misses[:100]:
        started = time.perf_counter()
        await embedder.embed([q + " (fresh)"])
        embed_ms.append((time.perf_counter() - started) * 1000)
    rows.append(
        {
            "system": "nearhit",
            "size": size,
            "samples": samples,
            "rps_1": rps_1,
            "rps_16": rps_16,
            "memory": memory,
            "fill_s": fill_s,
            "embed_p50": statistics.median(embed_ms),
        }
    )
    await drop_index(cache.redis, cache.spec.name, delete_entries=True)
    await cache.close()

    # --- RedisVL SemanticCache ---------------------------------------------------------------------------
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    await client.flushdb()
    base = int((await client.info("memory"))["used_memory"])

    async def aembed(text: str, **_: Any) -> list[float]:
        return (await embedder.embed([text]))[0].tolist()  # type: ignore[no-any-return]

    vectorizer = CustomVectorizer(embed=lambda text, **_: embedder.encode([text])[0].tolist(), aembed=aembed)
    rvl = RedisVLCache(
        name=f"rvl_{size}", redis_url=url, vectorizer=vectorizer, distance_threshold=1 - THRESHOLD, overwrite=True
    )

    async def rvl_store(i: int, vector: np.ndarray) -> None:
        unit = vector / np.linalg.norm(vector)
        await rvl.astore(f"filler question {i}", "filler answer " * 40, vector=unit.tolist())

    rvl_fill_s = await fill(rvl_store, n_filler, embedder.dimension, "redisvl")
    for p in pairs:
        await rvl.astore(p["a"], f"answer to: {p['a']}")
    rvl_memory = (int((await client.info("memory"))["used_memory"]) - base) / size
    known = {p["a"] for p in pairs}

    async def rvl_lookup(prompt: str) -> str:
        found = await rvl.acheck(prompt=prompt)
        if not found:
            return "miss"
        return "exact" if prompt in known and found[0]["prompt"] == prompt else "semantic"

    await warm_up(rvl_lookup)
    rvl_samples = Samples()
    await timed(rvl_lookup, [q for _, q in workload] + misses, rvl_samples)
    rows.append(
        {
            "system": "RedisVL SemanticCache",
            "size": size,
            "samples": rvl_samples,
            "rps_1": await throughput(rvl_lookup, mixed, 1),
            "rps_16": await throughput(rvl_lookup, mixed, 16),
            "memory": rvl_memory,
            "fill_s": rvl_fill_s,
            "embed_p50": rows[0]["embed_p50"],
        }
    )
    await rvl.adelete()
    await client.aclose()
    return rows


def decision_per_candidate(rounds: int = 3) -> str:
    """The decision alone on fow-cache's DEV question pairs: guards, features and score for one candidate,
    cold (the per-text analysis caches cleared, as for a first-seen prompt) and warm."""
    from nearhit.decision import Decision
    from nearhit.evaluation import split_of
    from nearhit.guards.clauses import split_question
    from nearhit.guards.code import code_tokens
    from nearhit.guards.content import content_words, overlap
    from nearhit.guards.languages import detect
    from nearhit.guards.text import analyse

    decision = Decision()
    pairs = [p for p in load_questions() if split_of(p["id"]) == "dev"]
    times: dict[str, list[float]] = {"decision, cold": [], "decision, warm": [], "guards as vetoes, cold": []}
    for _ in range(rounds):
        for p in pairs:
            for label, run in (
                ("decision, cold", decision.judge),
                ("decision, warm", decision.judge),
                ("guards as vetoes, cold", decision.guards.first_rejection),
            ):
                if label.endswith("cold"):
                    for cached in (analyse, split_question, code_tokens, detect, content_words, overlap):
                        cached.cache_clear()
                started = time.perf_counter()
                run(p["b"], p["a"], 0.9)
                times[label].append((time.perf_counter() - started) * 1000)
    lines = [f"per candidate, {len(pairs)} dev question pairs x {rounds} (cold: text analysis not cached)"]
    for label, values in times.items():
        lines.append(
            f"  {label:<24} p50 {percentile(values, 50) or 0:.3f} ms  p99 {percentile(values, 99) or 0:.3f} ms"
        )
    return "\n".join(lines)


def table(rows: list[dict[str, Any]]) -> str:
    def cell(samples: Samples, kind: str) -> str:
        values = samples.ms.get(kind, [])
        if not values:
            return "-"
        return f"{percentile(values, 50) or 0:.2f} / {percentile(values, 99) or 0:.2f} (n={len(values)})"

    lines = [
        "| entries | system | exact hit p50 / p99 ms | semantic hit p50 / p99 ms | miss p50 / p99 ms "
        "| lookups/s (1 / 16 in flight) | memory per entry | embed p50 ms | decision p50 / p99 ms (semantic) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['size']:,} | {row['system']} | {cell(row['samples'], 'exact')} | "
            f"{cell(row['samples'], 'semantic')} | {cell(row['samples'], 'miss')} | "
            f"{row['rps_1']:,.0f} / {row['rps_16']:,.0f} | {row['memory'] / 1024:.2f} KiB | {row['embed_p50']:.2f} "
            f"| {cell(row['samples'], 'decision')} |"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="index sizes to test")
    parser.add_argument("--quick", action="store_true", help="a shorter workload (smoke run)")
    args = parser.parse_args()
    if any(size < 400 for size in args.sizes):
        parser.error("--sizes: each size must be at least 400 (the workload stores 300 pairs)")

    embedder = LocalEmbedder()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="nearhit-bench-") as data:
        server, _ = redis_server.ensure_running(Path(data))
        print(f"embedded Redis at {server.url}", file=sys.stderr)
        try:
            for size in args.sizes:
                rows += await bench_size(server.url, embedder, size, args.quick)
        finally:
            redis_server.stop(Path(data))
    print(table(rows))
    print()
    print(decision_per_candidate())


if __name__ == "__main__":
    asyncio.run(main())
