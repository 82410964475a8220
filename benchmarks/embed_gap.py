"""Why a semantic lookup with its embedding costs more than the embedding alone plus the vector-given lookup
(issue 18: ``make bench`` measured the lookup 11.62 ms p50, the embedding alone 7.74, the vector-given lookup
1.45: ~2.4 ms not explained by the parts).

``engine.py`` times its two passes under different conditions: with the embedding, each nearhit chunk starts
with the guards' pair memo emptied (every pair judged afresh) and the lookup's embedding-store write lands in
the next lookup; vector given, every pair was judged before (the memo warm). Here each of fow-cache's 300
paraphrases runs every variant below in one process, in a rotating order, moments apart, with the wall time and
the event loop thread's CPU of each, and the model's own run (``encode``, in the embedder's thread):

- the embedding alone of the normalised prompt (``engine.py``'s floor), and of what the lookup embeds (its short
  forms spelt out);
- the lookup embedding its prompt (its stored vector deleted), the pair new to the guards (``engine.py``'s
  "with the embedding") and seen before;
- the lookup with the vector given, the pair new and seen (``engine.py``'s "vector given");
- the lookup embedding its prompt right after another's (``engine.py`` does not wait for the background between
  lookups): the previous lookup's embedding-store write sent at once, as each lookup's was at 7a5e348 (G), and
  left to wait for the period's write, as now (H).

    python benchmarks/embed_gap.py --size 2000
    python benchmarks/embed_gap.py --size 2000 --threads 1    # the local model on one intra-op thread
    python benchmarks/embed_gap.py --other-threads 1 --other guards_prepare_while_embedding=true
    python benchmarks/embed_gap.py --hand-offs 7a5e348   # only: the batcher and the store's write, against REV's

``--hand-offs REV``: only the two pieces of a lookup's path around the model, this tree's against REV's
(``lookup_against.import_rev``), alternated: each paraphrase embedded through either micro-batcher (the same
model), and a fresh vector written by either embedding store (what the next request on the loop pays).

``--other-threads`` / ``--other``: a second cache on the same index (its own embedder with that many intra-op
threads; a setting changed), whose embedding alone (A*) and lookup embedding its prompt, the pair new (C*), run
among the steps above: the change measured paired, as absolute times and as the gap to its own embedding alone.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np
from fow_cache.data import load_questions

from lookup_against import import_rev  # run from benchmarks/
from lookup_split import SCOPE, THRESHOLD, fill  # the same entries as lookup_split
from nearhit import redis_server
from nearhit.cache import SemanticCache
from nearhit.cache.embedding_store import _embedder_input
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap

Step = Callable[[], Awaitable[object]]


class ModelClock:
    """The model's own run per embedding (tokenizer + ONNX + pooling, in the embedder's thread), wall ms."""

    def __init__(self, embedder: LocalEmbedder) -> None:
        self.last = 0.0
        encode = embedder.encode

        def timed(texts: list[str]) -> np.ndarray:
            started = time.perf_counter()
            try:
                return encode(texts)
            finally:
                self.last = (time.perf_counter() - started) * 1000

        embedder._batcher._encode = timed  # type: ignore[assignment]


async def run(args: argparse.Namespace) -> None:
    embedder = LocalEmbedder(threads=args.threads)
    model = ModelClock(embedder)
    pairs = [p for p in load_questions() if p["same_answer"]]
    with tempfile.TemporaryDirectory(prefix="nearhit-gap-") as data:
        server, _ = redis_server.ensure_running(Path(data))
        try:
            common = {"redis_url": server.url, "index_name": "gap", "similarity_threshold": THRESHOLD}
            cache = await bootstrap.open_cache(load_settings(**common), embedder)
            await fill(cache, SCOPE, pairs, args.size)
            vectors = {}
            for pair in pairs:  # the vector nearhit computes for each prompt (its short forms spelt out)
                (vectors[pair["b"]],) = await cache.embeddings.embed([normalise(pair["b"])], SCOPE.tenant)
            await cache.background.drain()
            if args.hand_offs:
                await hand_offs(cache, embedder, pairs, args.hand_offs)
                await cache.close()
                return
            other = None
            if args.other_threads is not None or args.other:
                changed = dict(setting.split("=", 1) for setting in args.other)
                other_embedder = LocalEmbedder(threads=args.other_threads) if args.other_threads else embedder
                other = await bootstrap.open_cache(load_settings(**common, **changed), other_embedder)
            rows = await measure(cache, embedder, model, pairs, vectors, args.rounds, other)
            await cache.close()
            if other is not None:
                await other.close()
        finally:
            redis_server.stop(Path(data))
    report(rows, args)


async def measure(
    cache: SemanticCache,
    embedder: LocalEmbedder,
    model: ModelClock,
    pairs: list[dict[str, str]],
    vectors: dict[str, np.ndarray],
    rounds: int,
    other: SemanticCache | None = None,
) -> dict[str, dict[str, list[float]]]:
    assert cache.guards is not None
    memo = cache.guards.deciding_signals

    async def forget(text: str) -> None:
        await cache.redis.delete(cache.embeddings.key_for(text, SCOPE.tenant))

    def lookup(prompt: str, given: bool, which: SemanticCache = cache) -> Step:
        return lambda: which.lookup(prompt, SCOPE, threshold=THRESHOLD, vector=vectors[prompt] if given else None)

    def alone(text: str, which: LocalEmbedder | object = embedder) -> Step:
        return lambda: which.embed([text])  # type: ignore[attr-defined,no-any-return]

    rows: dict[str, dict[str, list[float]]] = {}
    for n, pair in enumerate(pair for _ in range(rounds) for pair in pairs):
        prompt, text = pair["b"], normalise(pair["b"])
        # (name, timed step, whether the background write is drained after it, untimed)
        steps: list[tuple[str, Step, bool]] = [
            ("A the embedding alone (normalised prompt: engine.py's floor)", alone(text), True),
            ("B the embedding alone (what the lookup embeds)", alone(_embedder_input(text)), True),
            ("C lookup, embedding, new pair (engine.py's with-embedding)", lookup(prompt, False), True),
            ("D lookup, embedding, pair seen", lookup(prompt, False), True),
            ("E lookup, vector given, new pair", lookup(prompt, True), True),
            ("F lookup, vector given, pair seen (engine.py's vector given)", lookup(prompt, True), True),
            (
                "G lookup, embedding, new pair, the last lookup's write sent at once (7a5e348)",
                lookup(prompt, False),
                False,
            ),
            (
                "H lookup, embedding, new pair, the last lookup's write waiting for its period",
                lookup(prompt, False),
                False,
            ),
        ]
        if other is not None:
            steps += [
                ("A* the embedding alone, the other embedder", alone(text, other.embedder), True),
                ("C* lookup, embedding, new pair, the other cache", lookup(prompt, False, other), True),
            ]
        shift = n % len(steps)
        for name, step, drain in steps[shift:] + steps[:shift]:
            await cache.background.drain()
            if other is not None:
                await other.background.drain()
            await forget(text)
            if "pair seen" in name:
                await cache.lookup(prompt, SCOPE, threshold=THRESHOLD, vector=vectors[prompt])
            elif "new pair" in name:
                memo.cache_clear()
                if other is not None and other.guards is not None:
                    other.guards.deciding_signals.cache_clear()
            if name[0] in "GH":  # the previous lookup's write, as engine.py leaves it (no drain between lookups)
                cache.embeddings.remember([text + " (last)"], vectors[prompt][None, :], SCOPE.tenant, None)
                if name[0] == "G":  # sent at once, each lookup's own write, as before the fill was batched
                    cache.background.run(cache.embeddings._fill())
            model.last = 0.0
            started, thread = time.perf_counter(), time.thread_time()
            result = await step()
            wall, cpu = (time.perf_counter() - started) * 1000, (time.thread_time() - thread) * 1000
            row = rows.setdefault(name, {})
            row.setdefault("wall", []).append(wall)
            row.setdefault("cpu", []).append(cpu)
            row.setdefault("model", []).append(model.last)
            timings = getattr(result, "timings_ms", {})
            for stage in ("exact", "embed", "knn", "guards"):
                row.setdefault(stage, []).append(timings.get(stage, 0.0))
            if drain:
                started = time.thread_time()
                await cache.background.drain()
                row.setdefault("write", []).append((time.thread_time() - started) * 1000)
    return rows


async def hand_offs(cache: SemanticCache, embedder: LocalEmbedder, pairs: list[dict[str, str]], rev: str) -> None:
    """This tree's micro-batcher and embedding-store write against ``rev``'s, each alternated per paraphrase."""
    from nearhit.background import Background

    with tempfile.TemporaryDirectory(prefix="nearhit-rev-") as scratch:
        import_rev(rev, Path(scratch))
        old_batcher = importlib.import_module("nearhit_rev.embeddings.batcher").MicroBatcher
        batchers = {"this tree": embedder._batcher, rev: old_batcher(embedder._batcher._encode)}  # the same model
        old_store = importlib.import_module("nearhit_rev.cache.embedding_store").EmbeddingStore(
            cache.redis, cache.keys, embedder, Background()
        )
        stores = {"this tree": cache.embeddings, rev: old_store}
        wall: dict[str, list[float]] = {f"embed, {k}": [] for k in batchers} | {f"write, {k}": [] for k in stores}
        cpu: dict[str, list[float]] = {k: [] for k in wall}
        for n, pair in enumerate(pairs):
            text = normalise(pair["b"])
            order = list(batchers) if n % 2 == 0 else list(batchers)[::-1]
            for which in order:
                started, thread = time.perf_counter(), time.thread_time()
                (vector,) = await batchers[which].embed([f"{text} ({which})"])
                wall[f"embed, {which}"].append((time.perf_counter() - started) * 1000)
                cpu[f"embed, {which}"].append((time.thread_time() - thread) * 1000)
            for which in order:
                started, thread = time.perf_counter(), time.thread_time()
                if which == rev:
                    await stores[which]._remember([f"{text} ({which})"], vector[None, :], None)
                else:  # one vector written at once (the lookups of a period share one write now)
                    stores[which].remember([f"{text} ({which})"], vector[None, :], SCOPE.tenant, None)
                    await stores[which]._fill()
                wall[f"write, {which}"].append((time.perf_counter() - started) * 1000)
                cpu[f"write, {which}"].append((time.thread_time() - thread) * 1000)
    p50 = statistics.median
    print(f"{len(pairs)} paraphrases, this tree against {rev}, alternated; load average {os.getloadavg()[0]:.2f}")
    print()
    print("| step | wall p50 ms | loop CPU p50 ms | this tree − " + rev + ", paired: wall p50 / loop CPU p50 ms |")
    print("|---|---|---|---|")
    for step in ("embed", "write"):
        for which in ("this tree", rev):
            key = f"{step}, {which}"
            paired = ""
            if which == rev:
                mine = f"{step}, this tree"
                dw = [a - b for a, b in zip(wall[mine], wall[key], strict=True)]
                dc = [a - b for a, b in zip(cpu[mine], cpu[key], strict=True)]
                paired = f"{p50(dw):+.3f} / {p50(dc):+.3f}"
            label = "embedding through the micro-batcher" if step == "embed" else "the store's write of one vector"
            print(f"| {label}, {which} | {p50(wall[key]):.3f} | {p50(cpu[key]):.3f} | {paired} |")


def report(rows: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> None:
    p50 = statistics.median
    n = len(next(iter(rows.values()))["wall"])
    print(
        f"{args.size:,} entries, {n} paraphrases, model threads {args.threads or 'default'}"
        f"{f' (the other: {args.other_threads})' if args.other_threads else ''}"
        f"{f', the other cache: {args.other}' if args.other else ''}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print()
    print(
        "| step | wall p50 ms | loop CPU p50 ms | model's run p50 ms | exact / embed / knn / guards stage p50 ms "
        "| background write drained after, loop CPU p50 ms |"
    )
    print("|---|---|---|---|---|---|")
    for name, row in rows.items():
        stages = " / ".join(f"{p50(row[s]):.3f}" for s in ("exact", "embed", "knn", "guards"))
        write = f"{p50(row['write']):.3f}" if "write" in row else "-"
        model = f"{p50(row['model']):.2f}" if any(row["model"]) else "-"
        print(f"| {name} | {p50(row['wall']):.3f} | {p50(row['cpu']):.3f} | {model} | {stages} | {write} |")
    print()
    print("| paired, per paraphrase | wall p50 ms | mean | loop CPU p50 ms |")
    print("|---|---|---|---|")
    names = {name.split(" ")[0]: name for name in rows}

    def paired(label: str, minus: str, plus: str, extra: str | None = None) -> None:
        def diff(key: str) -> list[float]:
            total = [b - a for a, b in zip(rows[names[minus]][key], rows[names[plus]][key], strict=True)]
            if extra is not None:
                total = [t - x for t, x in zip(total, rows[names[extra]][key], strict=True)]
            return total

        wall, cpu = diff("wall"), diff("cpu")
        print(f"| {label} | {p50(wall):+.3f} | {statistics.mean(wall):+.3f} | {p50(cpu):+.3f} |")

    paired("**C − A: engine.py's gap (lookup with embedding − embedding alone)**", "A", "C")
    paired("C − A − F: what the parts do not explain", "A", "C", "F")
    paired("B − A: the text the lookup embeds", "A", "B")
    paired("E − F: the guards' first look at the pair", "F", "E")
    paired("C − D: the same, embedding", "D", "C")
    paired("C − E − B: the embedding inside the lookup, beyond the embedding alone", "E", "C", "B")
    paired("G − C: the last lookup's embedding write sent at once, landing in this one (7a5e348)", "C", "G")
    paired("H − C: the last lookup's write waiting for its period (this tree)", "C", "H")
    paired("**H − G: the fill batched, in a lookup that follows another**", "G", "H")
    if "C*" in names:
        paired("A* − A: the other embedder, alone", "A", "A*")
        paired("C* − C: the other cache's lookup", "C", "C*")
        paired("**C* − A*: the other's gap (lookup − its embedding alone)**", "A*", "C*")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=2000, help="entries in the index (filler + the 300 pairs)")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the 300 paraphrases")
    parser.add_argument("--threads", type=int, default=None, help="the local model's intra-op threads")
    parser.add_argument("--hand-offs", metavar="REV", help="only: the batcher and the store's write against REV's")
    parser.add_argument("--other-threads", type=int, default=None, help="a second cache's model threads")
    parser.add_argument("--other", action="append", default=[], metavar="SETTING=VALUE", help="a second cache's")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    cli()
