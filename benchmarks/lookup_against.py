"""A semantic lookup with a fresh embedding, this tree against an older commit, in one process (issue 18's target:
the lookup <= the embedding alone + 1 ms).

The older commit's ``src/nearhit`` is extracted (``git archive``) and imported beside this tree's under another
name (``nearhit_rev``), so the two caches run side by side on one Redis index, one embedder and one event loop:
each of the 300 paraphrases of fow-cache's should-hit pairs is looked up by both trees and embedded alone, every
order of the three in turn, its stored embedding deleted before each lookup. Each tree keeps its own guards'
caches (they are module-level), so neither finds the other's analysis of a prompt. What is compared is each
lookup minus the embedding alone of the same text, moments apart: a machine whose load moves between runs
minutes apart (``lookup_split.py`` on each tree in turn) cannot show a change of a tenth of a millisecond; this
can.

    python benchmarks/lookup_against.py 8236b03 --size 2000 --rounds 2
    python benchmarks/lookup_against.py 8236b03 --size 2000 --exact   # exact hits: wall time and CPU, paired
    python benchmarks/lookup_against.py d3e9911 --size 2000 --set guards_prepare_while_embedding=true
    python benchmarks/lookup_against.py d3e9911 --size 2000 --both decision=true   # a setting in both trees
    python benchmarks/lookup_against.py d3e9911 --given               # vector given, each tree beside the raw KNN

With ``--exact``, each pair's stored prompt is looked up instead (an exact hit, read from Redis: the near
cache is off in both trees), and what is compared is the lookup's wall time and its thread's CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import itertools
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any

from fow_cache.data import load_questions

from lookup_split import fill, forget_new_embeddings, stored_embeddings  # run from benchmarks/: as lookup_split
from nearhit import redis_server
from nearhit.cache import Scope
from nearhit.cache import index as this_index
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap

THRESHOLD = 0.90
_IMPORT_RE = re.compile(r"\bnearhit(?=[.\s])")


def import_rev(rev: str, into: Path) -> ModuleType:
    """``rev``'s ``src/nearhit`` as the package ``nearhit_rev`` (its imports of itself renamed)."""
    archive = subprocess.run(["git", "archive", rev, "src/nearhit"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    package = into / "nearhit_rev"
    (into / "src" / "nearhit").rename(package)
    for source in package.rglob("*.py"):
        text = source.read_text()
        # "from nearhit.x import", "import nearhit.x", "from nearhit import", "nearhit.x" in strings (module paths)
        source.write_text(_IMPORT_RE.sub("nearhit_rev", text))
    sys.path.insert(0, str(into))
    return importlib.import_module("nearhit_rev")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rev", help="the older commit (any git revision)")
    parser.add_argument("--size", type=int, default=10_000, help="entries in the index (filler + the 300 pairs)")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the 300 paraphrases")
    parser.add_argument("--exact", action="store_true", help="exact hits (the stored prompts), near cache off")
    parser.add_argument(
        "--given", action="store_true", help="paraphrases with the vector given, beside the raw KNN (issue 18)"
    )
    parser.add_argument(
        "--uvloop", action="store_true", help="on uvloop's event loop, as the service runs (uvicorn's default)"
    )
    parser.add_argument("--set", action="append", default=[], help="NAME=VALUE: a setting of this tree's cache")
    parser.add_argument("--both", action="append", default=[], help="NAME=VALUE: a setting of both trees' caches")
    args = parser.parse_args()
    short = subprocess.run(["git", "rev-parse", "--short", args.rev], check=True, capture_output=True, text=True)
    with tempfile.TemporaryDirectory(prefix="nearhit-against-") as scratch:
        import_rev(args.rev, Path(scratch) / "rev")
        run = main(
            short.stdout.strip(),
            args.size,
            args.rounds,
            Path(scratch),
            exact=args.exact,
            this_only=dict(setting.split("=", 1) for setting in args.set),
            both=dict(setting.split("=", 1) for setting in args.both),
            given=args.given,
        )
        if args.uvloop:
            import uvloop

            uvloop.run(run)
        else:
            asyncio.run(run)


async def main(
    name: str,
    size: int,
    rounds: int,
    scratch: Path,
    *,
    exact: bool = False,
    this_only: dict[str, str] | None = None,
    both: dict[str, str] | None = None,
    given: bool = False,
) -> None:
    rev_bootstrap = importlib.import_module("nearhit_rev.service.bootstrap")
    rev_config = importlib.import_module("nearhit_rev.config")
    rev_keys = importlib.import_module("nearhit_rev.cache.keys")
    embedder = LocalEmbedder()
    pairs = [p for p in load_questions() if p["same_answer"]]
    data = scratch / "redis"
    server, _ = redis_server.ensure_running(data)
    try:
        common: dict[str, Any] = {
            "redis_url": server.url,
            "index_name": "against",
            "similarity_threshold": THRESHOLD,
            **({"near_cache_entries": 0} if exact else {}),
            **(both or {}),
        }
        this = await bootstrap.open_cache(load_settings(**common, **(this_only or {})), embedder)
        rev = await rev_bootstrap.open_cache(rev_config.load_settings(**common), embedder)
        scope = Scope.build(model="gpt-4o", tenant="bench")
        rev_scope = rev_keys.Scope.build(model="gpt-4o", tenant="bench")
        await fill(this, scope, pairs, size)
        caches = {"this tree": (this, scope), name: (rev, rev_scope)}
        if exact or given:
            await (vector_given(caches, pairs, rounds) if given else exact_hits(caches, pairs, rounds))
            await rev.close()
            await this.close()
            return
        beyond: dict[str, list[float]] = {which: [] for which in caches}
        cpu: dict[str, list[float]] = {which: [] for which in caches}  # the event loop's thread (not the model's)
        served: dict[str, int] = {which: 0 for which in caches}
        stages: dict[str, dict[str, list[float]]] = {which: {} for which in caches}
        # Every order of the three in turn: a rotation would run one tree right after the embedding alone (when
        # the model's threads have just left the cores) twice as often as the other.
        orders = list(itertools.permutations(["alone", *caches]))
        for cache, its_scope in caches.values():  # each tree's lazily built tables (its typo index) built untimed
            await cache.lookup("warm up: how do i recieve the documnets", its_scope, threshold=THRESHOLD)
            await cache.background.drain()
        filled = await stored_embeddings(this)
        for n, pair in enumerate(pair for _ in range(rounds) for pair in pairs):
            text = normalise(pair["b"])
            timed: dict[str, float] = {}
            for step in orders[n % len(orders)]:
                for cache, _ in caches.values():
                    await cache.background.drain()  # a pending write of this embedding lands before the delete
                await forget_new_embeddings(this, filled)
                started, started_cpu = time.perf_counter(), time.thread_time()
                if step == "alone":
                    await embedder.embed([text])
                else:
                    cache, its_scope = caches[step]
                    result = await cache.lookup(pair["b"], its_scope, threshold=THRESHOLD)
                    cpu[step].append((time.thread_time() - started_cpu) * 1000)
                    served[step] += result.match == "semantic"
                    for stage, ms in result.timings_ms.items():
                        stages[step].setdefault(stage, []).append(ms)
                timed[step] = (time.perf_counter() - started) * 1000
            for which in caches:
                beyond[which].append(timed[which] - timed["alone"])
        await rev.close()
        await this.close()
    finally:
        redis_server.stop(data)

    p50 = statistics.median
    count = len(beyond["this tree"])
    print(f"{size:,} entries, {count} paraphrases x 2 trees, alternating; load average {os.getloadavg()[0]:.2f}")
    print()
    names = ["exact", "knn", "guards"]
    print("| tree | **lookup − embedding alone, paired p50 ms** | mean | semantic hits | " + " | ".join(names) + " |")
    print("|---|---|---|---|" + "---|" * len(names))
    for which, values in beyond.items():
        cells = " | ".join(f"{p50(stages[which].get(stage, [0.0])):.3f}" for stage in names)
        print(f"| {which} | **{p50(values):.2f}** | {statistics.mean(values):.2f} | {served[which]} | {cells} |")
    diff = [a - b for a, b in zip(beyond["this tree"], beyond[name], strict=True)]
    print(f"\nthis tree − {name}, per paraphrase: p50 {p50(diff):+.3f} ms, mean {statistics.mean(diff):+.3f} ms")
    spent = [a - b for a, b in zip(cpu["this tree"], cpu[name], strict=True)]
    print(
        f"CPU of the event loop's thread per lookup (the model runs in another): this tree "
        f"{p50(cpu['this tree']):.3f}, {name} {p50(cpu[name]):.3f} ms p50; paired p50 {p50(spent):+.3f} ms, "
        f"mean {statistics.mean(spent):+.3f} ms"
    )


async def vector_given(caches: dict[str, tuple[Any, Any]], pairs: list[dict[str, str]], rounds: int) -> None:
    """Each paraphrase looked up by both trees with its vector given (passed where a tree's ``lookup`` takes one,
    else read from its embedding cache, warmed first) and the raw ``FT.SEARCH`` KNN the lookup sends (this
    tree's, ``execute_command``: ``engine.py``'s floor), every order of the three in turn: each lookup minus
    the floor moments apart, and the event loop thread's CPU per lookup."""
    this, scope = caches["this tree"]
    vectors = {}
    for pair in pairs:  # the stored vectors and the guards' pair memo warm, in both trees
        for cache, its_scope in caches.values():
            await cache.lookup(pair["b"], its_scope, threshold=THRESHOLD)
        (vectors[pair["b"]],) = await this.embeddings.embed([normalise(pair["b"])], scope.tenant)
    for cache, _ in caches.values():
        await cache.background.drain()
    knn = this_index.scoped_knn(this.spec, this.spec.name, scope.search_id, this.candidates, this.ef_runtime(this.spec))
    passes = {which: "vector" in inspect.signature(cache.lookup).parameters for which, (cache, _) in caches.items()}
    beyond: dict[str, list[float]] = {which: [] for which in caches}
    cpu: dict[str, list[float]] = {which: [] for which in caches}
    orders = list(itertools.permutations(["floor", *caches]))
    for n, pair in enumerate(pair for _ in range(rounds) for pair in pairs):
        vector = vectors[pair["b"]]
        command = knn.command(vector.tobytes())
        timed: dict[str, float] = {}
        for step in orders[n % len(orders)]:
            started, started_cpu = time.perf_counter(), time.thread_time()
            if step == "floor":
                this_index.parse_search_reply(await this.redis.execute_command(*command))
            else:
                cache, its_scope = caches[step]
                extra = {"vector": vector} if passes[step] else {}
                await cache.lookup(pair["b"], its_scope, threshold=THRESHOLD, **extra)
                cpu[step].append((time.thread_time() - started_cpu) * 1000)
            timed[step] = (time.perf_counter() - started) * 1000
        for which in caches:
            beyond[which].append(timed[which] - timed["floor"])
    p50 = statistics.median
    names = list(caches)
    print(f"{len(beyond[names[0]])} paraphrases x 2 trees, vector given; load average {os.getloadavg()[0]:.2f}")
    print()
    print("| tree | the vector | **lookup − raw KNN, paired p50 ms** | mean | loop CPU p50 ms |")
    print("|---|---|---|---|---|")
    for which in names:
        how = "passed (`lookup(vector=...)`)" if passes[which] else "read from its embedding cache"
        mean = statistics.mean(beyond[which])
        print(f"| {which} | {how} | **{p50(beyond[which]):.3f}** | {mean:.3f} | {p50(cpu[which]):.3f} |")
    for label, values in (("wall", beyond), ("CPU", cpu)):
        diff = [a - b for a, b in zip(values[names[0]], values[names[1]], strict=True)]
        mean = statistics.mean(diff)
        print(f"\n{label}: this tree − {names[1]}, per paraphrase: p50 {p50(diff):+.3f} ms, mean {mean:+.3f} ms")


async def exact_hits(caches: dict[str, tuple[Any, Any]], pairs: list[dict[str, str]], rounds: int) -> None:
    """Each stored prompt looked up by both trees in turn (alternating who goes first): wall and CPU time."""
    wall: dict[str, list[float]] = {which: [] for which in caches}
    cpu: dict[str, list[float]] = {which: [] for which in caches}
    names = list(caches)
    for n, pair in enumerate(pair for _ in range(rounds) for pair in pairs):
        for which in names[n % 2 :] + names[: n % 2]:
            cache, its_scope = caches[which]
            await cache.background.drain()
            started, started_cpu = time.perf_counter(), time.thread_time()
            result = await cache.lookup(pair["a"], its_scope, threshold=THRESHOLD)
            cpu[which].append((time.thread_time() - started_cpu) * 1000)
            wall[which].append((time.perf_counter() - started) * 1000)
            assert result.match == "exact", result.match
    p50 = statistics.median
    count = len(wall[names[0]])
    print(f"{count} exact hits x 2 trees (near cache off), alternating; load average {os.getloadavg()[0]:.2f}")
    print()
    print("| tree | exact hit p50 ms | mean | CPU p50 ms | CPU mean |")
    print("|---|---|---|---|---|")
    for which in names:
        print(
            f"| {which} | {p50(wall[which]):.3f} | {statistics.mean(wall[which]):.3f} | "
            f"{p50(cpu[which]):.3f} | {statistics.mean(cpu[which]):.3f} |"
        )
    for label, values in (("wall", wall), ("CPU", cpu)):
        diff = [a - b for a, b in zip(values[names[0]], values[names[1]], strict=True)]
        mean = statistics.mean(diff)
        print(f"\n{label}: this tree − {names[1]}, per prompt: p50 {p50(diff):+.3f} ms, mean {mean:+.3f} ms")


if __name__ == "__main__":
    cli()
