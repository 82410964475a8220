"""Which of a conversation's second chances can serve, read before they embed (issue 14, latency): per set, the lookups
of ``conversation_profile.py`` (every ``a`` stored, each ``b`` with earlier turns looked up once, its first turn marked
so nothing is embedded before: ``conversation_latency.marked``; until lt63 its question was marked too, as
``conversation_profile.py``'s still is, which the lookup split off as a user turn nobody sent), split by outcome (the
first look served, a second chance served, missed), with the stage that served, the embedder calls each stage made, and,
for the lookups the first look did not serve, the candidates of ``turn_by_turn`` and ``user_turns`` as chosen from the
words and the floor alone (``_turn_candidates``, ``_users_candidates``) against those that may still serve once the
words' checks and the margin they would get are read at a cosine of 1 (``_turn_chances``, ``_users_chances``: what
``embed_ahead`` embeds for).

    PYTHONPATH=src:benchmarks python benchmarks/miss_proof.py conversations nearhit-conversations-v61
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter, defaultdict
from typing import Any

from conversation_latency import SECOND_CHANCES, embed_every_time, marked, run_mark
from miss_embeds import _caller
from nearhit.cache import conversation_lookup as cl
from nearhit.config import load_settings
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request

Tally = dict[str, Counter[str]]


async def measure(name: str, run: str) -> tuple[Tally, dict[str, list[float]]]:
    """One set's counts (by outcome: served by, embedder calls by stage, candidates read and left) and totals (ms),
    its texts marked with ``run`` (:func:`run_mark`: the same lookups pass in every run)."""
    tally: Tally = defaultdict(Counter)
    totals: dict[str, list[float]] = defaultdict(list)
    seen: Counter[str] = Counter()
    ahead = cl.embed_ahead

    async def counted_ahead(cache: Any, result: Any, query: Any, rows: Any, found: Any, *args: Any, **kw: Any) -> Any:
        guards, labelled, margins = kw["guards"], kw["labelled"], kw["margins"]
        turn = cl._turn_candidates(result, query, found, margins)
        users = cl._users_candidates(result, query, found, margins)
        started, cpu = time.perf_counter(), time.thread_time()
        turn_left = cl._turn_chances(result, query, found, guards, labelled=labelled, margins=margins)
        users_left = cl._users_chances(result, query, found, guards, labelled=labelled, margins=margins)
        seen["proof ms"] += round((time.perf_counter() - started) * 1000)
        seen["proof CPU ms"] += round((time.thread_time() - cpu) * 1000)  # the loop's own: load does not inflate it
        seen["turn_by_turn candidates"] += len(turn)
        seen["turn_by_turn candidates that may serve"] += len(turn_left)
        seen["user_turns candidates"] += len(users)
        seen["user_turns candidates that may serve"] += len(users_left)
        seen["lookups with a candidate"] += bool(turn or users)
        seen["lookups with one that may serve"] += bool(turn_left or users_left)
        return await ahead(cache, result, query, rows, found, *args, **kw)

    async with scratch_cache(load_settings()) as cache:
        store = cache.embeddings
        embed = store.embed
        calls: Counter[str] = Counter()

        async def counted_embed(texts: Any, keys: Any = None) -> Any:
            if texts:
                calls[_caller()] += 1
            return await embed(texts, keys)

        pairs = [p for p in dataset.load(name, "dev") if p.a.history and p.b.history]
        embed_every_time(cache)
        for pair in pairs:
            await cache.store(request(cache, f"m{run}", pair.a), "an answer")
        store.embed, cl.embed_ahead = counted_embed, counted_ahead  # type: ignore[method-assign]
        try:
            for pair in pairs:
                side = dataset.Side(*marked(pair.b, run))
                await cache.background.drain()
                calls.clear()
                seen.clear()
                result = await cache.lookup(request(cache, f"m{run}", side))
                ran = [stage for stage in result.timings_ms if stage in SECOND_CHANCES]
                outcome = "missed" if not result.hit else "second chance" if ran else "first look"
                tally[outcome]["lookups"] += 1
                if result.hit and ran:
                    tally[outcome][f"served by {ran[-1]}"] += 1
                tally[outcome].update({f"calls of {where}": n for where, n in calls.items()})
                tally[outcome].update(seen)
                totals[outcome].append(result.timings_ms["total"])
        finally:
            store.embed, cl.embed_ahead = embed, ahead  # type: ignore[method-assign]
    return tally, totals


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", help="dev splits to store and look up")
    args = parser.parse_args()
    for n, name in enumerate(args.sets):
        tally, totals = asyncio.run(measure(name, run_mark(n)))
        print(f"\n## {name}\n\n| outcome | count | p50 ms |\n|---|---|---|")
        for outcome, times in totals.items():
            print(f"| {outcome} | {len(times)} | {statistics.median(times):.1f} |")
            for key, n in sorted(tally[outcome].items()):
                if key != "lookups":
                    print(f"|   {key} | {n} | |")


if __name__ == "__main__":
    cli()
