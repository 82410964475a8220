"""What a conversation's miss pays its embedder beyond a hit (issue 14): per second chance, the embedder calls it
makes, their texts (how many, how many computed, not read from the embedding store) and their time, on the lookups of
``conversation_profile.py`` (every ``a`` stored, each ``b`` looked up once with a history never embedded before, its
first turn marked: ``conversation_latency.marked``; until lt63 its question was marked too, as
``conversation_profile.py``'s still is, which the lookup split off as a user turn nobody sent);
and the lookups' p50 apart for hits and misses (a hit should pay none of it).

    PYTHONPATH=src:benchmarks python benchmarks/miss_embeds.py conversations
    PYTHONPATH=src:benchmarks python benchmarks/miss_embeds.py conversations --exact

``--exact``: whether the local model gives a text the same vector alone and in a call with others (what lets one
call embed several stages' texts and keep each stage's verdicts): the set's prompts, turns and user turns, each
alone and in calls of 2, 3, 5, 8 and 17 texts of mixed lengths; the largest difference of a coordinate.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections import defaultdict
from typing import Any

import numpy as np

from conversation_latency import marked, only_this_runs_vectors, run_mark
from nearhit.cache import conversation
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request

Calls = dict[str, list[tuple[int, int, float]]]


def _caller() -> str:
    """The conversation stage that made the embedder call: the first frame of the cache's modules that names one."""
    frame: Any = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if (
            module.startswith("nearhit.cache.")
            and not module.endswith("embedding_store")
            and frame.f_code.co_name != "embedded"
        ):
            return f"{module.rsplit('.', 1)[1]}.{frame.f_code.co_name}"
        frame = frame.f_back
    return "?"


async def measure(names: list[str]) -> tuple[Calls, dict[str, list[float]], dict[str, list[float]]]:
    """The embedder calls per stage (texts, computed, ms), the totals of hits and misses, and each stage's times."""
    calls: Calls = defaultdict(list)
    totals: dict[str, list[float]] = defaultdict(list)
    stages: dict[str, list[float]] = defaultdict(list)
    async with scratch_cache(load_settings()) as cache:
        only_this_runs_vectors(cache)  # computed and read counted as on a root nothing ran on before
        store = cache.embeddings
        embed, compute = store.embed, store.compute
        computed = [0]

        async def counted_compute(texts: Any) -> Any:
            computed[0] += len(texts)
            return await compute(texts)

        async def counted_embed(texts: Any, keys: Any = None) -> Any:
            where, before, started = _caller(), computed[0], time.perf_counter()
            vectors = await embed(texts, keys)
            if texts:
                calls[where].append((len(texts), computed[0] - before, (time.perf_counter() - started) * 1000))
            return vectors

        for n, name in enumerate(names):
            pairs = [p for p in dataset.load(name, "dev") if p.a.history and p.b.history]
            run = run_mark(n)
            for pair in pairs:
                await cache.store(request(cache, f"p{run}", pair.a), "an answer")
            store.embed, store.compute = counted_embed, counted_compute  # type: ignore[method-assign]
            for pair in pairs:
                side = dataset.Side(*marked(pair.b, run))
                await cache.background.drain()
                result = await cache.lookup(request(cache, f"p{run}", side))
                totals["hit" if result.hit else "miss"].append(result.timings_ms["total"])
                for stage, ms in result.timings_ms.items():
                    stages[stage].append(ms)
            store.embed, store.compute = embed, compute  # type: ignore[method-assign]
    return calls, totals, stages


def exact(names: list[str], texts_at_most: int = 240) -> tuple[int, float]:
    """How many texts were embedded, and the largest difference of a coordinate between a text's vector alone and
    in a call of several (mixed lengths, shuffled with a fixed seed)."""
    texts: list[str] = []
    for name in names:
        for pair in dataset.load(name, "dev"):
            texts.append(normalise(pair.b.prompt))
            if pair.b.history:
                context = conversation.Context(tuple(pair.b.history))
                texts += [normalise(text) for _, text in context.turns] + [normalise(conversation.users_said(context))]
    random.Random(1).shuffle(texts)
    texts = texts[:texts_at_most]
    model = LocalEmbedder()
    alone = np.concatenate([model.encode([text]) for text in texts])
    worst = 0.0
    for size in (2, 3, 5, 8, 17):
        for start in range(0, len(texts), size):
            together = model.encode(texts[start : start + size])
            worst = max(worst, float(np.abs(together - alone[start : start + size]).max()))
    return len(texts), worst


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", help="dev splits to store and look up (any split: nothing is tuned)")
    parser.add_argument("--exact", action="store_true", help="only: a text's vector alone and in a call of several")
    args = parser.parse_args()
    if args.exact:
        count, worst = exact(args.sets)
        print(f"{count} texts, alone and in calls of 2-17: the largest difference of a coordinate {worst:g}")
        return
    calls, totals, stages = asyncio.run(measure(args.sets))
    print("| lookups | count | p50 ms | mean ms |\n|---|---|---|---|")
    for kind, times in sorted(totals.items()):
        print(f"| {kind} | {len(times)} | {statistics.median(times):.2f} | {statistics.fmean(times):.2f} |")
    print("\n| embedder calls of | calls | texts | computed | p50 ms a call | ms in all |\n|---|---|---|---|---|---|")
    for where, made in sorted(calls.items(), key=lambda kv: -sum(ms for *_, ms in kv[1])):
        texts, fresh_texts, ms = (sum(c[i] for c in made) for i in range(3))
        print(
            f"| {where} | {len(made)} | {texts} | {fresh_texts} | {statistics.median(c[2] for c in made):.2f} "
            f"| {ms:.0f} |"
        )
    print("\n| stage | lookups | p50 ms |\n|---|---|---|")
    for stage, times in stages.items():
        print(f"| {stage} | {len(times)} | {statistics.median(times):.2f} |")


if __name__ == "__main__":
    cli()
