"""Where a semantic lookup with a fresh embedding spends its time beyond the embedding (issue 18's target: the
lookup <= the embedding alone + 1 ms).

The 300 paraphrases of fow-cache's should-hit pairs are looked up, each with its stored embedding deleted first
(so the lookup embeds it), beside the same embedder on the same text (``embedder.embed``, through the same
micro-batcher and thread), the two in alternating order; the paired difference is what the target is about.
The lookup's own stage timings (``LookupResult.timings_ms``) say where it goes, and "unaccounted" is the
lookup's wall time outside its stages. Then the raw ``FT.SEARCH`` KNN (the lookup's own command), sent right
after an embedding and again back to back: what a KNN costs once Redis and the event loop have waited out
an embedding.

    python benchmarks/lookup_split.py                 # 10,000 entries (~1 minute)
    python benchmarks/lookup_split.py --size 2000 --guards off
    python benchmarks/lookup_split.py --ab near_cache_entries=0   # a second cache with one setting changed
    python benchmarks/lookup_split.py --size 2000 --breakdown     # and the time beyond the embedding, part by part
    python benchmarks/lookup_split.py --given --breakdown         # vector given: the lookup beyond the raw KNN

``--given`` (issue 18's engine target: the lookup with the vector given <= the raw KNN + 0.3 ms): every
paraphrase is looked up once untimed (its embedding stored, the guards' pair memo warm), then, in rounds, the
lookup with its vector stored (read in the exact read's round trip, then the KNN: two round trips), the lookup
with its vector passed (``lookup(vector=...)``: one round trip; a tree without it leaves the row out), the raw
``FT.SEARCH`` KNN it sends (one command, the engine's floor), that KNN through ``client.reads`` alone and with
the labels probe, and the exact read, each paraphrase's steps in a rotating order. ``--breakdown`` splits the
vector-passed lookup (the stored one on an older tree). Then each stored prompt is looked up as an exact hit
read from Redis without and with its vector: what the KNN sent beside the exact read costs an exact hit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import inspect
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from fow_cache.data import load_questions

from nearhit import redis_server
from nearhit.cache import Scope, SemanticCache, entry, semantic_cache
from nearhit.cache import index as idx
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap

try:
    from nearhit.cache.client import reads
except ImportError:  # a tree before client.reads (run with PYTHONPATH=<older tree>/src for a before/after)
    reads = None  # type: ignore[assignment]

SCOPE = Scope.build(model="gpt-4o", tenant="bench")
THRESHOLD = 0.90


def ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


async def fill(cache: Any, scope: Any, pairs: list[dict[str, str]], size: int) -> None:
    """``size`` entries in ``scope``: each pair's ``a`` with its answer, the rest random unit vectors (fillers)."""
    n_filler = max(0, size - len(pairs))
    filler = np.random.default_rng(42).standard_normal((n_filler, cache.embedder.dimension)).astype(np.float32)
    filler /= np.linalg.norm(filler, axis=1, keepdims=True)
    for start in range(0, n_filler, 64):
        stop = min(n_filler, start + 64)
        await asyncio.gather(
            *(cache.store(f"filler {i}", "x " * 40, scope, vector=filler[i]) for i in range(start, stop))
        )
    for pair in pairs:
        await cache.store(pair["a"], f"answer to: {pair['a']}", scope)


async def stored_embeddings(cache: Any) -> set[bytes]:
    """The keys of every embedding stored now (caches on one index share one key space)."""
    return set(await cache.redis.keys(f"{cache.spec.keys.root}:emb:*"))


async def forget_new_embeddings(cache: Any, filled: set[bytes]) -> None:
    """Delete the embeddings stored since the fill, without working out any text's key: ``key_for`` would put
    the text's embedder input (short forms, typo repair) in this tree's per-text cache before its lookup, and
    its lookup would then skip that work (as ``lookup_split.py`` and ``lookup_against.py`` did before 2026-12-02,
    eleventh session: the older tree's lookup paid it, this tree's did not)."""
    fresh = await stored_embeddings(cache) - filled
    if fresh:
        await cache.redis.delete(*fresh)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000, help="entries in the index (filler + the 300 pairs)")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the 300 paraphrases")
    parser.add_argument("--guards", choices=["on", "off"], default="on")
    parser.add_argument(
        "--ab",
        metavar="SETTING=VALUE",
        help="only: a second cache on the same index with this setting changed, lookups paired with the first's",
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also: the lookup's time beyond the embedding part by part (timers around the calls it makes)",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="with --breakdown: the event loop thread's CPU time per part (time.thread_time), not wall time",
    )
    parser.add_argument(
        "--given",
        action="store_true",
        help="the vector given (stored): the lookup beside the raw KNN it sends, not the embedding alone",
    )
    args = parser.parse_args()
    embedder = LocalEmbedder()
    pairs = [p for p in load_questions() if p["same_answer"]]
    with tempfile.TemporaryDirectory(prefix="nearhit-split-") as data:
        server, _ = redis_server.ensure_running(Path(data))
        try:
            common = {"redis_url": server.url, "index_name": "split", "guards": args.guards == "on"}
            settings = load_settings(**common, similarity_threshold=THRESHOLD)
            cache = await bootstrap.open_cache(settings, embedder)
            await fill(cache, SCOPE, pairs, args.size)
            if args.ab:
                name, _, value = args.ab.partition("=")
                changed = load_settings(**common, similarity_threshold=THRESHOLD, **{name: value})
                other = await bootstrap.open_cache(changed, embedder)
                await paired_caches(cache, other, args.ab, embedder, pairs, args.rounds)
                await other.close()
                await cache.close()
                return

            if args.given:
                await vector_given(
                    cache, pairs, args.rounds, Breakdown(cache, cpu=args.cpu) if args.breakdown else None
                )
                await cache.close()
                return

            alone: list[float] = []
            lookup: list[float] = []
            diffs: list[float] = []
            stages: dict[str, list[float]] = {}
            breakdown = Breakdown(cache, cpu=args.cpu) if args.breakdown else None
            redis_before = await command_stats(cache)
            await cache.background.drain()
            filled = await stored_embeddings(cache)
            for _ in range(args.rounds):
                for n, pair in enumerate(pairs):
                    text = normalise(pair["b"])
                    await cache.background.drain()  # the last lookup's write lands before this one starts
                    await forget_new_embeddings(cache, filled)
                    timed: dict[str, float] = {}
                    for which in ("alone", "lookup") if n % 2 == 0 else ("lookup", "alone"):
                        started = time.perf_counter()
                        if which == "alone":
                            await embedder.embed([text])
                        elif breakdown is not None:
                            with breakdown.lookup():
                                result = await cache.lookup(pair["b"], SCOPE, threshold=THRESHOLD)
                        else:
                            result = await cache.lookup(pair["b"], SCOPE, threshold=THRESHOLD)
                        timed[which] = ms_since(started)
                    alone.append(timed["alone"])
                    lookup.append(timed["lookup"])
                    diffs.append(timed["lookup"] - timed["alone"])
                    parts = {k: v for k, v in result.timings_ms.items() if k != "total"}
                    for name, ms in parts.items():
                        stages.setdefault(name, []).append(ms)
                    stages.setdefault("unaccounted", []).append(timed["lookup"] - sum(parts.values()))

            redis_after = await command_stats(cache)
            after: list[float] = []
            back_to_back: list[float] = []
            exact_reads: list[float] = []
            for pair in pairs:
                text = normalise(pair["b"])
                exact = [
                    ("HMGET", cache.keys.entry(SCOPE, text), *entry.ANSWER, "ttl"),
                    ("GET", cache.embeddings.key_for(text, SCOPE.tenant)),
                ]  # the lookup's first round trip, built untimed
                started = time.perf_counter()
                await reads(cache.redis, exact)
                exact_reads.append(ms_since(started))
                vector = (await embedder.embed([text]))[0]
                scoped = idx.scope_filter(SCOPE.search_id)
                query = idx.knn_query(vector.tobytes(), k=cache.candidates, filter_expression=scoped, spec=cache.spec)
                command = idx.search_command(cache.spec.name, query)  # what the lookup sends, built untimed
                for times in (after, back_to_back):
                    started = time.perf_counter()
                    await cache.redis.execute_command(*command)
                    times.append(ms_since(started))
            pipeline_us, reads_us = await two_reads_cpu(cache)
            short_forms = short_forms_cpu(normalise(pairs[0]["b"]))
            await cache.close()
        finally:
            redis_server.stop(Path(data))

    p50 = statistics.median
    print(
        f"{args.size:,} entries, guards {args.guards}, {len(diffs)} paraphrases; load average {os.getloadavg()[0]:.2f}"
    )
    print()
    print("| measure | p50 ms |")
    print("|---|---|")
    print(f"| the embedding alone (`embedder.embed`) | {p50(alone):.2f} |")
    print(f"| the lookup (embedding its prompt) | {p50(lookup):.2f} |")
    print(f"| **lookup − embedding, paired** | **{p50(diffs):.2f}** |")
    for name, values in stages.items():
        print(f"| stage: {name} | {p50(values):.3f} |")
    print(f"| raw KNN right after an embedding | {p50(after):.3f} |")
    print(f"| raw KNN back to back | {p50(back_to_back):.3f} |")
    print(f"| raw exact read (HMGET + GET, one write) | {p50(exact_reads):.3f} |")
    floor = [read + knn for read, knn in zip(exact_reads, after, strict=True)]
    print(f"| **the two round trips alone: raw exact read + raw KNN after an embedding** | **{p50(floor):.2f}** |")
    print()
    print(
        f"CPU per round trip of two reads (HMGET + GET), mean of 2,000: redis-py pipeline {pipeline_us:.0f} µs", end=""
    )
    print(f", packed by hand (`client.reads`) {reads_us:.0f} µs" if reads_us else "")
    if short_forms is not None:
        print(
            "CPU to spell out a lookup's prompt's short forms, alternated, mean of 5 x 2,000: three times "
            f"{short_forms[0]:.1f} µs, once then read back twice {short_forms[1]:.1f} µs"
        )
    if breakdown is not None:
        print()
        breakdown.print(redis_before, redis_after)


async def paired_caches(
    cache: SemanticCache,
    other: SemanticCache,
    change: str,
    embedder: LocalEmbedder,
    pairs: list[dict[str, str]],
    rounds: int,
) -> None:
    """Each paraphrase looked up by both caches (its stored embedding deleted before each) beside the embedding
    alone, in a rotating order: the change's cost or gain, paired within moments."""
    ms: dict[str, list[float]] = {"alone": [], "defaults": [], change: []}
    caches = {"defaults": cache, change: other}
    await cache.background.drain()
    filled = await stored_embeddings(cache)
    for n, pair in enumerate(pair for _ in range(rounds) for pair in pairs):
        text = normalise(pair["b"])
        order = list(ms)
        for which in order[n % 3 :] + order[: n % 3]:
            for each in caches.values():
                await each.background.drain()  # a pending write of this embedding lands before the delete
            await forget_new_embeddings(cache, filled)
            started = time.perf_counter()
            if which == "alone":
                await embedder.embed([text])
            else:
                await caches[which].lookup(pair["b"], SCOPE, threshold=THRESHOLD)
            ms[which].append(ms_since(started))
    p50 = statistics.median
    print(f"{len(ms['alone'])} paraphrases, paired; load average {os.getloadavg()[0]:.2f}")
    print()
    print("| cache | lookup p50 ms | **lookup − embedding alone, paired p50** |")
    print("|---|---|---|")
    for which in ("defaults", change):
        paired = [lookup - alone for lookup, alone in zip(ms[which], ms["alone"], strict=True)]
        print(f"| {which} | {p50(ms[which]):.2f} | **{p50(paired):.2f}** |")
    print(f"| (the embedding alone) | {p50(ms['alone']):.2f} | |")
    diff = [a - b for a, b in zip(ms["defaults"], ms[change], strict=True)]
    print(f"\ndefaults − {change}, paired: p50 {p50(diff):+.3f} ms")


async def vector_given(
    cache: SemanticCache, pairs: list[dict[str, str]], rounds: int, breakdown: Breakdown | None
) -> None:
    """Each paraphrase's lookup with its vector stored, and passed (``lookup(vector=...)``, on a tree that takes
    one), beside the raw KNN it sends and the parts of its round trips, in a rotating order (a load spike falls
    on all of them); then what a vector passed costs an exact hit (:func:`exact_with_vector`)."""
    spec = cache.spec
    for pair in pairs:  # the vectors stored, the pair memo warm: what engine.py's vector-given pass times
        await cache.lookup(pair["b"], SCOPE, threshold=THRESHOLD)
    await cache.background.drain()
    ef = cache.ef_runtime(spec)
    knn = idx.scoped_knn(spec, spec.name, SCOPE.search_id, cache.candidates, ef)
    probe = cache.feedback.labels_probe()
    passes = "vector" in inspect.signature(cache.lookup).parameters
    steps: dict[str, list[float]] = {
        "the lookup (vector stored)": [],
        **({"the lookup (vector passed: `lookup(vector=...)`)": []} if passes else {}),
        "raw FT.SEARCH KNN (`execute_command`: engine.py's floor)": [],
        "KNN alone through `client.reads`": [],
        "labels probe + KNN (`client.reads`)": [],
        "exact read (HMGET + GET [+ EXISTS])": [],
    }
    names = list(steps)
    stored, passed, floor = names[0], names[1] if passes else None, names[1 + passes]
    timed_by = breakdown.lookup if breakdown is not None else contextlib.nullcontext
    diffs: dict[str, list[float]] = {stored: [], **({passed: []} if passed else {})}
    redis_before = await command_stats(cache)
    for n, pair in enumerate(pair for _ in range(rounds) for pair in pairs):
        text = normalise(pair["b"])
        vector = cache.embeddings.from_stored(await cache.redis.get(cache.embeddings.key_for(text, SCOPE.tenant)))
        assert vector is not None
        command = knn.command(vector[0].tobytes())  # built untimed, as the floor's
        exact: list[tuple[Any, ...]] = [
            ("HMGET", cache.keys.entry(SCOPE, text), *entry.ANSWER, "ttl"),
            ("GET", cache.embeddings.key_for(text, SCOPE.tenant)),
        ]
        mark = semantic_cache.conversation_lookup.twins_mark(cache.keys, cache.prepare(pair["b"], SCOPE))
        if mark:
            exact.append(("EXISTS", mark))
        timed: dict[str, float] = {}
        for name in names[n % len(names) :] + names[: n % len(names)]:
            started = time.perf_counter()
            if name == stored:
                with timed_by() if not passed else contextlib.nullcontext():
                    await cache.lookup(pair["b"], SCOPE, threshold=THRESHOLD)
            elif name == passed:
                with timed_by():
                    await cache.lookup(pair["b"], SCOPE, threshold=THRESHOLD, vector=vector[0])
            elif name == floor:
                idx.parse_search_reply(await cache.redis.execute_command(*command))
            elif name == names[-3]:
                await reads(cache.redis, [tuple(command)])
            elif name == names[-2]:
                await reads(cache.redis, [probe, tuple(command)])
            else:
                await reads(cache.redis, exact)
            timed[name] = ms_since(started)
        for name, ms in timed.items():
            steps[name].append(ms)
        for name, paired in diffs.items():
            paired.append(timed[name] - timed[floor])
    redis_after = await command_stats(cache)
    p50 = statistics.median
    print(f"{n + 1} paraphrases, vector given, rotated; load average {os.getloadavg()[0]:.2f}")
    print()
    print("| step (wall) | p50 ms | mean ms |")
    print("|---|---|---|")
    for name, values in steps.items():
        print(f"| {name} | {p50(values):.3f} | {statistics.mean(values):.3f} |")
    for name, paired in diffs.items():
        mean = statistics.mean(paired)
        print(f"| **{name.removeprefix('the ')} − raw KNN, paired** | **{p50(paired):.3f}** | {mean:.3f} |")
    if breakdown is not None:
        print()
        breakdown.print(redis_before, redis_after)
    if passes:
        print()
        await exact_with_vector(cache, pairs, rounds)


async def exact_with_vector(cache: SemanticCache, pairs: list[dict[str, str]], rounds: int) -> None:
    """What a vector passed costs an exact hit read from Redis (its near copy dropped first): the KNN sent in
    its round trip, which it does not need. Each stored prompt looked up without and with its vector, in turn;
    wall time and the event loop thread's CPU paired, and Redis's own time for the KNNs (``INFO commandstats``)."""
    vectors = {}
    for pair in pairs:
        (vectors[pair["a"]],) = await cache.embeddings.embed([normalise(pair["a"])], SCOPE.tenant)
    kinds = ["exact hit, no vector", "exact hit, vector passed"]
    wall: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
    before = await command_stats(cache)
    for n, pair in enumerate(pair for _ in range(rounds) for pair in pairs):
        for kind in kinds[n % 2 :] + kinds[: n % 2]:
            cache.near.clear()
            given = vectors[pair["a"]] if kind == kinds[1] else None
            started, thread = time.perf_counter(), time.thread_time()
            result = await cache.lookup(pair["a"], SCOPE, threshold=THRESHOLD, vector=given)
            wall[kind].append(ms_since(started))
            cpu[kind].append((time.thread_time() - thread) * 1000)
            assert result.match == "exact", result.match
    after = await command_stats(cache)
    calls, usec = (a - b for a, b in zip(after.get("FT.SEARCH", (0, 0)), before.get("FT.SEARCH", (0, 0)), strict=True))
    p50 = statistics.median
    print(f"{n + 1} exact hits read from Redis (near copy dropped), alternated; load {os.getloadavg()[0]:.2f}")
    print()
    print("| exact hit | wall p50 ms | loop CPU p50 ms |")
    print("|---|---|---|")
    for kind in kinds:
        print(f"| {kind} | {p50(wall[kind]):.3f} | {p50(cpu[kind]):.3f} |")
    paired = [b - a for a, b in zip(*wall.values(), strict=True)]
    paired_cpu = [b - a for a, b in zip(*cpu.values(), strict=True)]
    print(f"| **vector passed − none, paired** | **{p50(paired):+.3f}** | **{p50(paired_cpu):+.3f}** |")
    if calls:
        print(f"\nRedis's time per KNN an exact hit sent: {usec / calls:.0f} µs ({calls} calls)")


class Breakdown:
    """Where a lookup's time beyond the embedding goes: timers put around the calls the lookup makes (module
    functions and methods it reaches; a profiler's view without a profiler's cost on every other line), summed
    per lookup; "the lookup's own code" is the lookup's time outside every other row. Runs on an older tree too
    (``PYTHONPATH=<tree>/src``): a part it lacks is left out."""

    def __init__(self, cache: SemanticCache, *, cpu: bool = False) -> None:
        self.clock = time.thread_time if cpu else time.perf_counter
        self.per_lookup: dict[str, list[float]] = {}
        # The guards' pair memo: its misses are the pairs a lookup's guards read for the first time.
        self._memo = getattr(cache.guards, "deciding_signals", None)
        self.first_looks: list[int] = []
        self._spent: dict[str, float] = {}
        self._active = False
        self._trips = 0
        self.top = [
            "request checked + normalised",
            "exact key (scope + prompt digest)",
            "round trip 1: exact read (HMGET entry + GET stored embedding; with a vector passed, + KNN + probe)",
            "embedding (`_embed`: the model, via the embedding store)",
            "KNN query built (`scoped_knn` + its command)",
            "round trip 2: KNN + labels probe (FT.SEARCH + HMGET)",
            "KNN reply parsed",
            "embedding store write started (runs in the background)",
            "context and feedback checks",
            "guards judge the candidates",
            "counters (in process)",
        ]
        trip_names = [self.top[2], self.top[5]]
        self._wrap(semantic_cache, "reads", lambda: trip_names[min(self._trips, 1)], counts_trip=True)
        self._wrap(cache, "prepare", self.top[0])
        self._wrap(type(cache.keys), "entry", self.top[1])
        self._wrap(cache, "_embed", self.top[3])
        self._wrap(semantic_cache.idx, "scoped_knn", self.top[4])
        self._wrap(idx.ScopedKnn, "command", self.top[4])
        self._wrap(semantic_cache.idx, "parse_search_reply", self.top[6])
        self._wrap(cache.embeddings, "remember", self.top[7])
        self._wrap(semantic_cache.context_match, "match", self.top[8])
        self._wrap(semantic_cache.negatives, "refuse_by_feedback", self.top[8])
        self._wrap(semantic_cache.choose, "by_guards", self.top[9])
        self._wrap(semantic_cache.choose, "by_decision", self.top[9])
        self._wrap(cache, "_settle", self.top[10])

    def _wrap(self, owner: Any, name: str, part: str | Callable[[], str], counts_trip: bool = False) -> None:
        """Time ``owner.name`` (a function or method, sync or async) into ``part`` while a lookup runs."""
        original = getattr(owner, name, None)
        if original is None:
            return
        label = part if callable(part) else (lambda: part)

        def spent(started: float, which: str) -> None:
            if self._active:
                self._spent[which] = self._spent.get(which, 0.0) + self.clock() - started

        if inspect.iscoroutinefunction(original):

            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                which, started = label(), self.clock()
                try:
                    return await original(*args, **kwargs)
                finally:
                    spent(started, which)
                    self._trips += counts_trip

            setattr(owner, name, functools.wraps(original)(timed_async))
        else:

            def timed(*args: Any, **kwargs: Any) -> Any:
                which, started = label(), self.clock()
                try:
                    return original(*args, **kwargs)
                finally:
                    spent(started, which)

            setattr(owner, name, functools.wraps(original)(timed))

    @contextlib.contextmanager
    def lookup(self) -> Iterator[None]:
        """Time the parts of one lookup (the block), and what is left of it."""
        self._spent, self._trips, self._active = {}, 0, True
        misses = self._memo.cache_info().misses if self._memo is not None else 0
        started = self.clock()
        try:
            yield
        finally:
            self._active = False
            total = self.clock() - started
            if self._memo is not None:
                self.first_looks.append(self._memo.cache_info().misses - misses)
            for part in self.top:
                self.per_lookup.setdefault(part, []).append(self._spent.get(part, 0.0) * 1000)
            own = total - sum(self._spent.get(part, 0.0) for part in self.top)
            self.per_lookup.setdefault("the lookup's own code (result, timings, spans, awaits)", []).append(own * 1000)
            beyond = total - self._spent.get(self.top[3], 0.0)
            self.per_lookup.setdefault("**the lookup beyond its embedding**", []).append(beyond * 1000)

    def print(self, before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> None:
        p50, mean = statistics.median, statistics.mean
        what = "the event loop thread's CPU" if self.clock is time.thread_time else "wall time"
        print(f"| part of a semantic lookup (fresh embedding), {what} | p50 ms | mean ms |")
        print("|---|---|---|")
        for part, values in self.per_lookup.items():
            print(f"| {part} | {p50(values):.3f} | {mean(values):.3f} |")
        if self.first_looks:
            guards = self.per_lookup[self.top[9]]
            print()
            print("| pairs the guards read for the first time, per lookup | lookups | guards' part, p50 ms |")
            print("|---|---|---|")
            for looks in sorted(set(self.first_looks)):
                times = [ms for n, ms in zip(self.first_looks, guards, strict=True) if n == looks]
                print(f"| {looks} | {len(times)} | {p50(times):.3f} |")
        print()
        print("Redis's own time per command over the lookups (`INFO commandstats`):", end="")
        for command in ("FT.SEARCH", "HMGET", "GET"):
            calls, usec = (a - b for a, b in zip(after.get(command, (0, 0)), before.get(command, (0, 0)), strict=True))
            print(f" {command} {usec / calls:.0f} µs ({calls} calls);" if calls else "", end="")
        print()


async def command_stats(cache: SemanticCache) -> dict[str, tuple[int, int]]:
    """Calls and microseconds Redis has spent per command, so far."""
    raw = await cache.redis.info("commandstats")
    return {name.removeprefix("cmdstat_").upper(): (int(v["calls"]), int(v["usec"])) for name, v in raw.items()}


def short_forms_cpu(text: str) -> tuple[float, float] | None:
    """CPU of the event loop's thread per lookup to spell out its prompt's short forms for the stored vector's
    key, the embedder and the write after: three times, or once then read back (``_embedder_input``), alternated
    (None on a tree without it)."""
    try:
        from nearhit.cache.embedding_store import _embedder_input
    except ImportError:
        return None
    from nearhit.guards.text import expand_short_forms

    def spelt_three_times() -> None:
        for _ in range(3):
            expand_short_forms(text)

    def spelt_once() -> None:
        _embedder_input.cache_clear()
        for _ in range(3):
            _embedder_input(text)

    spent = {call: 0.0 for call in (spelt_three_times, spelt_once)}
    for _ in range(5):
        for call in spent:
            started = time.thread_time()
            for _ in range(2000):
                call()
            spent[call] += time.thread_time() - started
    three, once = (total / 10_000 * 1e6 for total in spent.values())
    return three, once


async def two_reads_cpu(cache: SemanticCache) -> tuple[float, float | None]:
    """CPU of the event loop's thread per round trip of two reads: a redis-py pipeline, and ``client.reads``
    (None on a tree without it)."""
    key, missing = cache.keys.entry(SCOPE, "a question"), "nearhit-split:nothing"

    async def pipeline() -> None:
        async with cache.redis.pipeline(transaction=False) as pipe:
            pipe.hmget(key, ["prompt", "response"])
            pipe.get(missing)
            await pipe.execute()

    async def packed() -> None:
        await reads(cache.redis, [("HMGET", key, "prompt", "response"), ("GET", missing)])

    found = []
    for call in (pipeline, packed) if reads is not None else (pipeline,):
        for _ in range(200):
            await call()
        started = time.thread_time()
        for _ in range(2000):
            await call()
        found.append((time.thread_time() - started) / 2000 * 1e6)
    return found[0], found[1] if len(found) > 1 else None


if __name__ == "__main__":
    asyncio.run(main())
