"""Where a conversation's lookup spends its milliseconds beyond the embedding (issue 14): each stage's time (the
``timings_ms`` a result carries) and a cProfile of the event loop's thread over the lookups.

Per dev split named, every pair's ``a`` is stored in one scope (as ``conversation_latency.py`` stores fow-cache's),
then each ``b`` with earlier turns is looked up once, its first turn marked so that no embedding and no per-text cache
knows it (every lookup pays what a new conversation pays; ``conversation_latency.marked``: until lt63 its question was
marked too, which the lookup split off as a user turn nobody sent). The model runs in another thread: it shows in the
profile as the wait (``select.epoll.poll``), not as its own functions.

    PYTHONPATH=src python benchmarks/conversation_profile.py conversations nearhit-conversations-v61
    PYTHONPATH=src python benchmarks/conversation_profile.py conversations --sort cumulative --lines 60
    PYTHONPATH=src python benchmarks/conversation_profile.py conversations --first-look --sort cumulative
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import time
from collections import defaultdict

from conversation_latency import SECOND_CHANCES, embed_every_time, marked, run_mark
from nearhit.config import load_settings
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request

STAGES = (
    "total",
    "exact",
    "embed",
    "knn",
    "context",
    "feedback",
    "guards",
    "embed_ahead",
    "after_answer",
    "resolved",
    "turn_by_turn",
    "user_turns",
    "learned",
    "as_one_question",
)


async def profile(
    names: list[str], *, on: bool = True, first_look: bool = False
) -> tuple[pstats.Stats | None, dict[str, list[float]], float, int]:
    """The profile of every set's conversation lookups (None unless ``on``), each stage's times (ms, over the
    lookups that ran it), the loop thread's CPU per lookup (ms) and how many lookups. ``first_look``: only the
    lookups served at the first look (no second-chance stage ran), each profiled on its own and kept if so."""
    stats, stages, cpu, looked = None, defaultdict(list), 0.0, 0
    async with scratch_cache(load_settings()) as cache:
        embed_every_time(cache)
        for n, name in enumerate(names):
            pairs = [p for p in dataset.load(name, "dev") if p.a.history and p.b.history]
            run = run_mark(n)
            for pair in pairs:
                await cache.store(request(cache, f"p{run}", pair.a), "an answer")
            for pair in pairs:
                side = dataset.Side(*marked(pair.b, run))
                await cache.background.drain()  # the last lookup's writes land outside the profile
                profiler = cProfile.Profile()
                started = time.thread_time()
                if on:
                    profiler.enable()
                result = await cache.lookup(request(cache, f"p{run}", side))
                if on:
                    profiler.disable()
                spent = time.thread_time() - started
                if first_look and not (result.hit and not set(result.timings_ms) & set(SECOND_CHANCES)):
                    continue
                cpu += spent
                looked += 1
                if on:
                    stats = pstats.Stats(profiler) if stats is None else stats.add(profiler)
                for stage, ms in result.timings_ms.items():
                    stages[stage].append(ms)
    return stats, stages, cpu / max(looked, 1) * 1000, looked


def table(stages: dict[str, list[float]], looked: int) -> str:
    """Per stage: how many lookups ran it, its p50 and mean over those, and its share of every lookup's total."""
    total = sum(stages["total"])
    lines = ["| stage | lookups | p50 ms | mean ms | share of the total |", "|---|---|---|---|---|"]
    for stage in (*STAGES, *sorted(set(stages) - set(STAGES))):
        times = stages.get(stage)
        if not times:
            continue
        share = f"{sum(times) / total:.1%}" if stage != "total" else "100%"
        lines.append(
            f"| {stage} | {len(times)}/{looked} | {statistics.median(times):.2f} | {statistics.fmean(times):.2f} "
            f"| {share} |"
        )
    return "\n".join(lines)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", help="dev splits to store and look up (fit sets only)")
    parser.add_argument("--sort", default="tottime", help="a pstats sort key (tottime, cumulative, ...)")
    parser.add_argument("--lines", type=int, default=40, help="functions printed")
    parser.add_argument("--callers", help="also print the callers of the functions matching this pattern")
    parser.add_argument("--plain", action="store_true", help="no profiler: the stages' times as a lookup takes them")
    parser.add_argument("--first-look", action="store_true", help="only the lookups served at the first look")
    args = parser.parse_args()
    stats, stages, cpu_ms, looked = asyncio.run(profile(args.sets, on=not args.plain, first_look=args.first_look))
    sets, how = ", ".join(args.sets), "not profiled" if args.plain else "profiled"
    print(f"{sets}: {looked} conversation lookups, the loop's CPU {cpu_ms:.2f} ms a lookup ({how})\n")
    print(table(stages, looked))
    if stats is None:
        return
    stats.sort_stats(args.sort).print_stats(args.lines)
    if args.callers:
        stats.print_callers(args.callers)


if __name__ == "__main__":
    cli()
