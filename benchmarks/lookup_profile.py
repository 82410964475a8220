"""cProfile of the event loop's thread over semantic lookups of new prompts (issue 18): where a lookup's own CPU
goes, function by function, beside ``lookup_split.py --breakdown --cpu``'s parts.

The index is filled as ``lookup_split.py`` fills it; then each of fow-cache's 300 paraphrases is looked up once,
the profiler on around each lookup only. Every prompt is new: nothing of it is in any per-text cache (no
stored embedding is deleted, so no key is worked out before the lookup). The model runs in another thread and
is not in the profile; the wait for it and for Redis shows as ``select.epoll.poll``.

    python benchmarks/lookup_profile.py --size 2000
    python benchmarks/lookup_profile.py --size 10000 --sort cumulative --lines 60
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from fow_cache.data import load_questions

from lookup_split import THRESHOLD, fill  # run from benchmarks/: the same entries as lookup_split
from nearhit import redis_server
from nearhit.cache import Scope
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap


async def profile(size: int) -> tuple[cProfile.Profile, float]:
    """The profile of 300 lookups of new paraphrases, and their event loop thread's CPU per lookup (ms)."""
    embedder = LocalEmbedder()
    pairs = [pair for pair in load_questions() if pair["same_answer"]]
    with tempfile.TemporaryDirectory(prefix="nearhit-profile-") as scratch:
        server, _ = redis_server.ensure_running(Path(scratch))
        try:
            settings = load_settings(redis_url=server.url, index_name="profile", similarity_threshold=THRESHOLD)
            cache = await bootstrap.open_cache(settings, embedder)
            scope = Scope.build(model="gpt-4o", tenant="bench")
            await fill(cache, scope, pairs, size)
            await cache.lookup("warm up: how do i recieve the documnets", scope, threshold=THRESHOLD)
            profiler, cpu = cProfile.Profile(), 0.0
            for pair in pairs:
                await cache.background.drain()  # the last lookup's write lands outside the profile
                started = time.thread_time()
                profiler.enable()
                await cache.lookup(pair["b"], scope, threshold=THRESHOLD)
                profiler.disable()
                cpu += time.thread_time() - started
            await cache.close()
        finally:
            redis_server.stop(Path(scratch))
    return profiler, cpu / len(pairs) * 1000


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=2_000, help="entries in the index (filler + the 300 pairs)")
    parser.add_argument("--sort", default="tottime", help="a pstats sort key (tottime, cumulative, ...)")
    parser.add_argument("--lines", type=int, default=40, help="functions printed")
    args = parser.parse_args()
    profiler, cpu_ms = asyncio.run(profile(args.size))
    print(f"{args.size:,} entries, 300 new paraphrases: the loop's CPU {cpu_ms:.3f} ms a lookup (profiled)")
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)


if __name__ == "__main__":
    cli()
