"""Lookup latency, recall and throughput: nearhit vs RedisVL's SemanticCache (FLAT and HNSW), same Redis, same
embedder, same data, same threshold; with the raw Redis floor beside them.

For each index size every system is filled with the same filler entries (random unit vectors: their only job
is to make the index that big) and the 300 should-hit question pairs of ``fow-cache`` (their ``a`` side).
The workload is the 300 exact repeats (``a``), the 300 paraphrases (``b``) and unrelated questions (misses),
shuffled and cut into rounds; in each round every system runs the same slice, in a rotating order, so a
load spike on the shared machine falls on all of them. Two passes:

- *with the embedding*: nearhit's embedding cache emptied first, RedisVL's ``acheck(prompt=...)``;
- *vector given*: the vector already known (nearhit's ``lookup(vector=...)`` with the vector it computes, its
  embedding cache warm too; RedisVL's ``acheck(vector=...)``), beside the floor: one ``HMGET`` of the entry
  (what an exact hit must read) and the raw ``FT.SEARCH`` KNN nearhit sends (same index, same scope filter,
  same fields, vector given).

Recall is served paraphrases / should-hit (300), with the number served a wrong answer (not their own ``a``).
Every system gets similarity 0.90 (RedisVL: distance 0.10; nearhit: ``lookup(threshold=0.90)``). Peers get
their best documented configuration: RedisVL's default FLAT index, and HNSW with nearhit's M and
EF_CONSTRUCTION (an index created from RedisVL's own schema with the algorithm changed, then
``SemanticCache(create_index=False)``). nearhit runs with its defaults (guards on), and with guards off.

At the largest size it then measures the KNN query itself on nearhit's index (vector given, the 300
paraphrases): the query a lookup sends at that size (its ``EF_RUNTIME`` follows the index's size), Redis's
default, ``HYBRID_POLICY BATCHES`` (with ``BATCH_SIZE``), ``EF_RUNTIME`` 10 to 400, fewer returned fields;
latency and paraphrase recall against an exact (FLAT) index over the same entries.

    python benchmarks/engine.py                           # 10,000 entries (~1.5 minutes on 2 shared cores)
    python benchmarks/engine.py --sizes 10000 100000 250000  # 100k: ~6 min; 250k: ~15 min (fills)
    python benchmarks/engine.py --sizes 2000 --quick      # a smoke run
    python benchmarks/engine.py --decision-only           # the time per candidate alone (~10 s)
    python benchmarks/engine.py --cold-lookup-only        # what the decision adds to a cold lookup (~1 min)
    python benchmarks/engine.py --cluster                 # + lookups on a local 3+3 cluster vs one node
    python benchmarks/engine.py --sizes 250000 --knn-only # nearhit's KNN variants vs an exact search, no peers
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import os
import random
import re
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
from redis.asyncio import Redis

from nearhit import redis_server, validate
from nearhit.cache import Scope, SemanticCache, entry
from nearhit.cache import index as idx
from nearhit.cache.keys import KeySpace, normalise
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap
from nearhit.stats import percentile
from stages import Stages  # run from benchmarks/

THRESHOLD = 0.90
SCOPE = Scope.build(model="gpt-4o", tenant="bench")
SUBJECTS = ["a bicycle", "the moon", "a tax return", "sourdough", "a router", "a violin", "a glacier", "an API"]
ASKS = ["How heavy is {}?", "Who invented {}?", "Where can I buy {}?", "Why is {} expensive?", "How old is {}?"]
MAX_SIZE = 250_000

# (kind expected, prompt, the pair's a: what a correct hit returns)
Item = tuple[str, str, str]


@dataclass
class Outcome:
    """What one lookup did: 'exact', 'semantic' or 'miss', and the stored prompt it returned (if any)."""

    match: str
    served_prompt: str | None = None


Lookup = Callable[[Item, bool], Awaitable[Outcome]]  # (item, vector given?) -> outcome
Before = Callable[["System"], Awaitable[None]]  # run before a system's slice of a round (not timed)


@dataclass
class System:
    name: str
    lookup: Lookup
    memory: float = 0.0  # bytes per entry
    fill_s: float = 0.0  # the filler, pipelined
    store_ms: list[float] = field(default_factory=list)  # the 300 pairs' stores, one at a time
    ms: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # pass -> expected kind -> ms
    served: dict[str, dict[str, int]] = field(default_factory=dict)  # pass -> {right, wrong, exact_ok}
    rps_16: list[tuple[int, float]] = field(default_factory=list)  # (lookups, seconds) per round

    by_round: dict[tuple[str, str, int], list[float]] = field(default_factory=dict)  # (pass, kind, round) -> ms

    def record(self, run: str, item: Item, ms: float, outcome: Outcome, round_no: int = 0) -> None:
        self.ms.setdefault(run, {}).setdefault(item[0], []).append(ms)
        self.by_round.setdefault((run, item[0], round_no), []).append(ms)
        counts = self.served.setdefault(run, {"right": 0, "wrong": 0, "exact_ok": 0, "miss_served": 0})
        if item[0] == "paraphrase" and outcome.match != "miss":
            counts["right" if outcome.served_prompt == item[2] else "wrong"] += 1
        elif item[0] == "exact" and outcome.match != "miss" and outcome.served_prompt == item[2]:
            counts["exact_ok"] += 1
        elif item[0] == "miss" and outcome.match != "miss":
            counts["miss_served"] += 1


async def store_pairs(cache: SemanticCache, pairs: list[dict[str, Any]], vectors: dict[str, np.ndarray]) -> list[float]:
    """The pairs' ``a`` stored through nearhit's own path one at a time, with the vector it would embed (computed
    once, as RedisVL is given its vector); returns each store's ms."""
    times = []
    for p in pairs:
        started = time.perf_counter()
        await cache.store(p["a"], f"answer to: {p['a']}", SCOPE, vector=vectors[normalise(p["a"])])
        times.append((time.perf_counter() - started) * 1000)
    return times


async def rvl_bulk_fill(rvl: Any, filler: np.ndarray, chunk: int = 1000) -> float:
    """RedisVL's filler written as its ``astore`` writes an entry (its ``CacheEntry``, its entry id, its TTL),
    through its own pipelined ``AsyncSearchIndex.load``, ``chunk`` entries to a call."""
    from redisvl.extensions.cache.llm.schema import CacheEntry
    from redisvl.extensions.constants import ENTRY_ID_FIELD_NAME

    started = time.perf_counter()
    index = await rvl._get_async_index()
    dtype = rvl._vectorizer.dtype
    for first in range(0, len(filler), chunk):
        data = [
            CacheEntry(entry_id=rvl._make_entry_id(filler_prompt(i), None), prompt=filler_prompt(i),
                       response=FILLER_ANSWER, prompt_vector=filler[i].tolist()).to_dict(dtype)
            for i in range(first, min(len(filler), first + chunk))
        ]  # fmt: skip
        await index.load(data=data, ttl=rvl._ttl, id_field=ENTRY_ID_FIELD_NAME, batch_size=chunk)
    return time.perf_counter() - started


async def warm_up(systems: Sequence[System]) -> None:
    warm = [("miss", f"warm-up question {i} about nothing in particular", "") for i in range(100)]
    for system in systems:
        for item in warm:
            await system.lookup(item, False)


async def embed_times(embedder: LocalEmbedder, texts: Sequence[str]) -> list[float]:
    """ms to embed each text alone (a text never embedded before in this run)."""
    times = []
    for text in texts:
        started = time.perf_counter()
        await embedder.embed([text + " (fresh)"])
        times.append((time.perf_counter() - started) * 1000)
    return times


def miss_questions(n: int) -> list[str]:
    rng = random.Random(7)
    return [rng.choice(ASKS).format(rng.choice(SUBJECTS)) + f" (case {i})" for i in range(n)]


async def embed_all(embedder: LocalEmbedder, texts: list[str]) -> dict[str, np.ndarray]:
    vectors: dict[str, np.ndarray] = {}
    for start in range(0, len(texts), 64):
        batch = texts[start : start + 64]
        for text, vector in zip(batch, await embedder.embed(batch), strict=True):
            vectors[text] = np.asarray(vector, dtype=np.float32)
    return vectors


def filler_vectors(n: int, dim: int) -> np.ndarray:
    rng = np.random.default_rng(42)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)  # type: ignore[no-any-return]


PROBE = "nearhit benchmark: is this the embedder the stored vectors were computed with?"


def vectors_file(embedder: LocalEmbedder) -> Path:
    """Where the corpus's vectors are kept between runs: under nearhit's data dir (``NEARHIT_DATA_DIR``)."""
    return load_settings().data_dir / "bench" / f"engine-vectors-{embedder.model_name}.npz"


def read_vectors(path: Path, probe: np.ndarray) -> dict[str, np.ndarray]:
    """The vectors kept in ``path``, or none when it is missing or was computed by another embedder."""
    if not path.exists():
        return {}
    with np.load(path) as saved:
        if saved["probe"].shape != probe.shape or not np.allclose(saved["probe"], probe, atol=1e-4):
            return {}
        return dict(zip(saved["texts"].tolist(), saved["vectors"], strict=True))


async def corpus_vectors(
    embedder: LocalEmbedder, texts: Sequence[str], path: Path | None
) -> tuple[dict[str, np.ndarray], int]:
    """Each text's vector, embedded once per run and shared by every size and every system (nothing timed reads
    them: the timed embeddings are the "with the embedding" pass's own). With ``path``, kept there between runs,
    computed on this machine, never downloaded; thrown away when the embedder's vector for a probe text has
    changed (another model or runtime). Returns (the vectors, how many were embedded now)."""
    probe = np.asarray((await embedder.embed([PROBE]))[0], dtype=np.float32)
    known = read_vectors(path, probe) if path is not None else {}
    missing = sorted(set(texts) - known.keys())
    known |= await embed_all(embedder, missing)
    if path is not None and missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.partial.npz")
        np.savez(partial, probe=probe, texts=np.array(list(known)), vectors=np.stack(list(known.values())))
        partial.replace(path)
    return {text: known[text] for text in texts}, len(missing)


async def bulk_fill(cache: SemanticCache, filler: np.ndarray, start: int, stop: int, chunk: int = 1000) -> float:
    """Filler entries ``start``..``stop`` written as ``SemanticCache.store`` writes them (the same key and hash,
    ``entry.to_hash``; tested against it), ``chunk`` to a pipelined round trip instead of two round trips
    each: what makes 100,000 and 250,000 entries fit in a run. Only for the filler (never timed as a store)."""
    started = time.perf_counter()
    ttl = cache.default_ttl
    for first in range(start, stop, chunk):
        async with cache.redis.pipeline(transaction=False) as pipe:
            for i in range(first, min(stop, first + chunk)):
                query = cache.prepare(filler_prompt(i), SCOPE)
                key = cache.keys.entry(query.scope, query.text)
                pipe.delete(key)
                pipe.hset(key, mapping=filler_hash(query.prompt, query.scope, filler[i], ttl))  # type: ignore[arg-type]
                if ttl:
                    pipe.expire(key, ttl)
            await pipe.execute()
        if (first // chunk) % 20 == 0:
            print(f"  nearhit (pipelined): {min(stop, first + chunk):,}/{stop:,} filler entries", file=sys.stderr,
                  flush=True)  # fmt: skip
    return time.perf_counter() - started


def filler_prompt(i: int) -> str:
    return f"filler question {i}"


FILLER_ANSWER = "filler answer " * 40


def filler_hash(prompt: str, scope: Scope, vector: np.ndarray, ttl: int | None) -> dict[str, str | bytes | int | float]:
    checked = validate.vector(vector, len(vector))  # normalised again, as store checks a vector it is given
    return entry.to_hash(
        prompt=prompt,
        response=FILLER_ANSWER,
        scope=scope,
        vector=checked.tobytes(),
        prompt_tokens=0,
        completion_tokens=0,
        ttl=ttl,
    )


async def fill(store: Callable[[int], Awaitable[Any]], n: int, label: str) -> float:
    started = time.perf_counter()
    chunk = 64  # RedisVL's client pool refuses more in flight
    for start in range(0, n, chunk):
        await asyncio.gather(*(store(i) for i in range(start, min(n, start + chunk))))
        if (start // chunk) % 200 == 0:
            print(f"  {label}: {min(n, start + chunk):,}/{n:,} filler entries", file=sys.stderr, flush=True)
    return time.perf_counter() - started


async def used_memory(redis: Redis) -> int:
    return int((await redis.info("memory"))["used_memory"])


async def wait_indexed(redis: Redis, name: str) -> None:
    """Poll ``FT.INFO`` until a new index over existing keys has scanned them all."""
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        info = await idx.index_info(redis, name)
        if info is not None and str(info.get("indexing", b"0")) in {"0", "b'0'"}:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"index {name} still indexing")


async def forget_embeddings(cache: SemanticCache) -> None:
    keys = [key async for key in cache.redis.scan_iter(match=f"{cache.keys.root}:emb:*", count=5000)]
    if keys:
        await cache.redis.delete(*keys)


def rotated(systems: Sequence[System], round_no: int) -> list[System]:
    shift = round_no % len(systems)
    return [*systems[shift:], *systems[:shift]]


async def run_pass(
    systems: Sequence[System], items: list[Item], run: str, rounds: int, given: bool, before: Before
) -> None:
    """Each round: every system runs the same slice one lookup at a time, in a rotating order."""
    size = -(-len(items) // rounds)
    for r in range(rounds):
        chunk = items[r * size : (r + 1) * size]
        for system in rotated(systems, r):
            await before(system)
            for item in chunk:
                started = time.perf_counter()
                outcome = await system.lookup(item, given)
                system.record(run, item, (time.perf_counter() - started) * 1000, outcome, r)


async def run_throughput(systems: Sequence[System], items: list[Item], rounds: int, before: Before) -> None:
    """16 lookups in flight, with the embedding, in rounds like the latency passes."""
    size = -(-len(items) // rounds)
    for r in range(rounds):
        chunk = items[r * size : (r + 1) * size]
        for system in rotated(systems, r):
            await before(system)
            queue = list(chunk)
            started = time.perf_counter()

            async def worker(system: System = system, queue: list[Item] = queue) -> None:
                while queue:
                    await system.lookup(queue.pop(), False)

            await asyncio.gather(*(worker() for _ in range(16)))
            system.rps_16.append((len(chunk), time.perf_counter() - started))


def nearhit_lookup(which: SemanticCache, own: dict[str, np.ndarray]) -> Lookup:
    """nearhit's lookup; vector given, it is passed (``lookup(vector=...)``), as RedisVL's is, on a tree that
    takes one: ``own``, the vector nearhit computes for the prompt (:func:`own_vectors`), so it serves what it
    serves with its embedding cache warm, which an older tree reads instead."""
    passes = "vector" in inspect.signature(which.lookup).parameters

    async def lookup(item: Item, given: bool) -> Outcome:
        if given and passes:
            result = await which.lookup(item[1], SCOPE, threshold=THRESHOLD, vector=own[item[1]])
        else:
            result = await which.lookup(item[1], SCOPE, threshold=THRESHOLD)
        if result.match is None or result.answer is None:
            return Outcome("miss")
        return Outcome(result.match, result.answer.prompt)

    return lookup


async def own_vectors(cache: SemanticCache, items: list[Item], into: dict[str, np.ndarray]) -> None:
    """Each prompt's vector as nearhit embeds it (its short forms spelt out: ``engine.py``'s corpus vectors are of
    the normalised text), from its embedding cache: every prompt is looked up first."""
    for item in items:
        (into[item[1]],) = await cache.embeddings.embed([normalise(item[1])], SCOPE.tenant)


async def floor_systems(cache: SemanticCache, nvectors: dict[str, np.ndarray]) -> list[System]:
    """The floor: what Redis itself needs for the same reads (an exact hit's ``HMGET``, nearhit's raw KNN with
    the ``EF_RUNTIME`` a lookup sends at the index's size now: 200 from 150,000 documents, not the spec's 100)."""
    entry_fields, distance = returned_fields()
    info = await idx.index_info(cache.redis, cache.spec.name) or {}
    ef = cache.spec.ef_runtime_at(int(info.get("num_docs", 0)))

    async def hmget_floor(item: Item, given: bool) -> Outcome:
        values = await cache.redis.hmget(cache.keys.entry(SCOPE, normalise(item[1])), entry_fields)
        if values[1] is None:  # the response
            return Outcome("miss")
        return Outcome("exact", values[0].decode())

    async def knn_floor(item: Item, given: bool) -> Outcome:
        blob = nvectors[item[1]].tobytes()
        reply = await cache.redis.execute_command(
            "FT.SEARCH", cache.spec.name, *knn_args(blob, SCOPE.id, spec=cache.spec, ef_runtime=ef)
        )
        rows = idx.parse_search_reply(reply)
        if not rows or 1 - float(rows[0][1][distance]) < THRESHOLD:
            return Outcome("miss")
        return Outcome("semantic", rows[0][1]["prompt"])

    return [System("floor: Redis HMGET of the entry", hmget_floor), System("floor: raw FT.SEARCH KNN", knn_floor)]


async def knn_after_embedding(embedder: LocalEmbedder, knn: System, items: list[Item]) -> tuple[list[float], ...]:
    """The raw KNN (``knn``, the floor) timed alone right after an embedding of its prompt, then again back to back,
    ms. A cold lookup's KNN comes after its embedding (the model has just had the cores, Redis's index is out of
    the caches): slower than the back-to-back floor the vector-given table shows (eighteenth session, perf29)."""
    after: list[float] = []
    again: list[float] = []
    for item in items:
        await embedder.embed([normalise(item[1])])  # what nearhit embeds for it, not timed
        for into in (after, again):
            started = time.perf_counter()
            await knn.lookup(item, True)
            into.append((time.perf_counter() - started) * 1000)
    return after, again


# A spec for which ``knn_query`` adds no KNN attributes (FLAT takes none): the variants add their own.
BARE = idx.IndexSpec(name="bare", keys=KeySpace("bare"), dimension=2, algorithm="flat")


def knn_args(
    vector: bytes,
    scope_id: str,
    *,
    spec: idx.IndexSpec = BARE,
    attrs: str = "",
    prompt_only: bool = False,
    ef_runtime: int | None = None,
) -> list[Any]:
    """nearhit's own KNN query (``index.knn_query``, as a lookup builds it for ``spec``) as raw ``FT.SEARCH``
    arguments after the index name, with ``attrs`` (``HYBRID_POLICY``, ``EF_RUNTIME``...) added to the KNN
    clause and, with ``prompt_only``, only the prompt and the distance returned."""
    query = idx.knn_query(vector, k=3, filter_expression=idx.scope_filter(scope_id), spec=spec, ef_runtime=ef_runtime)
    args: list[Any] = list(query.get_args())
    distance = re.search(r" AS (\w+)\]", args[0])
    if distance is None:
        raise RuntimeError(f"unexpected KNN query: {args[0]}")
    if attrs:
        args[0] = args[0].replace(distance[0], f" {attrs}{distance[0]}")
    if prompt_only:
        at = args.index("RETURN")
        args[at : at + 2 + args[at + 1]] = ["RETURN", 2, "prompt", distance[1]]
    params: list[Any] = ["PARAMS", 2 * len(query.params)]
    for name, value in query.params.items():
        params += [name, value]
    return [*args, *params]


def knn_rows(reply: list[Any]) -> list[tuple[str, dict[str, str]]]:
    """A KNN reply's (key, fields) rows, every row kept: ``parse_search_reply`` leaves out a row that is no
    result to serve (no answer), so the prompt-and-distance variant counted none (2026-12-02, thirteenth session)."""
    rows = []
    for at in range(1, len(reply) - 1, 2):
        values = reply[at + 1]
        rows.append(
            (
                idx.as_text(reply[at]),
                {idx.as_text(values[i]): idx.as_text(values[i + 1]) for i in range(0, len(values), 2)},
            )
        )
    return rows


def returned_fields() -> tuple[list[str], str]:
    """(the entry fields a lookup reads back, the distance field), as nearhit's KNN query names them."""
    args = knn_args(b"", "x")
    at = args.index("RETURN")
    fields = [str(name) for name in args[at + 2 : at + 2 + args[at + 1]]]
    return fields[:-1], fields[-1]


@dataclass
class Workload:
    """The 300 should-hit pairs (``a`` stored), and the lookups: their exact repeats, their paraphrases, misses."""

    pairs: list[dict[str, Any]]
    misses: list[str]
    items: list[Item]

    def texts(self) -> list[str]:
        """Every text a run needs a vector for: each prompt as written (what RedisVL is given) and normalised
        (what nearhit embeds: for the floor, the KNN variants and the pairs' stores)."""
        raw = [item[1] for item in self.items]
        return list(dict.fromkeys([*raw, *(normalise(text) for text in raw)]))

    def shuffled(self, seed: int, quick: bool) -> list[Item]:
        items = list(self.items)
        random.Random(seed).shuffle(items)
        return items[:300] if quick else items


def workload(quick: bool) -> Workload:
    pairs = [p for p in load_questions() if p["same_answer"]]
    misses = miss_questions(100 if quick else 300)
    items: list[Item] = (
        [("exact", p["a"], p["a"]) for p in pairs]
        + [("paraphrase", p["b"], p["a"]) for p in pairs]
        + [("miss", q, "") for q in misses]
    )
    return Workload(pairs, misses, items)


async def bench_size(
    url: str,
    embedder: LocalEmbedder,
    size: int,
    work: Workload,
    vectors: dict[str, np.ndarray],
    stages: Stages,
    *,
    quick: bool,
    rounds: int,
    tune: bool,
    knn_only: bool = False,
) -> dict[str, Any]:
    from redisvl.extensions.cache.llm import SemanticCache as RedisVLCache
    from redisvl.extensions.cache.llm.schema import SemanticCacheIndexSchema
    from redisvl.index import AsyncSearchIndex
    from redisvl.utils.vectorize import CustomVectorizer

    pairs, misses = work.pairs, work.misses
    items = work.shuffled(size, quick)
    nvectors = {it[1]: vectors[normalise(it[1])] for it in work.items}  # what nearhit embeds for each prompt
    n_filler = max(0, size - len(pairs))
    filler = filler_vectors(n_filler, embedder.dimension)
    client = Redis.from_url(url)
    await client.flushdb()
    # A brute-force (FLAT) search of 250,000 entries on a loaded machine ran past Redis's default query timeout
    # (500 ms) and failed RedisVL's lookup, ending a 45-minute run: no limit on the benchmark's own Redis.
    await client.execute_command("FT.CONFIG", "SET", "TIMEOUT", "0")
    systems: list[System] = []

    # --- nearhit (guards on: its default) and nearhit with guards off, on the same index ------------------
    # A 2 s stall of Redis during a 250,000-entry fill on a loaded machine ended a 30-minute run: a fill may wait.
    settings = load_settings(
        redis_url=url, index_name=f"bench_{size}", guards=True, similarity_threshold=THRESHOLD, redis_timeout=30
    )
    cache = await bootstrap.open_cache(settings, embedder)
    plain = await bootstrap.open_cache(settings.model_copy(update={"guards": False}), embedder)
    base = await used_memory(client)

    with stages("fill: nearhit (pipelined filler, then the pairs one at a time)"):
        nh_fill = await bulk_fill(cache, filler, 0, n_filler)
        nh_store_ms = await store_pairs(cache, pairs, vectors)
    nh_memory = (await used_memory(client) - base) / size
    if knn_only:  # nearhit's KNN against an exact search, nothing else: what fits where the full run does not
        with stages("KNN variants vs an exact FLAT index"):
            tuning = await knn_variants(cache, pairs, nvectors, quick)
        print(f"  {size:,}: nearhit filled in {nh_fill:.0f} s", file=sys.stderr, flush=True)
        # The index only: deleting 100,000 entries with it ran past the client's timeout (the next size flushes).
        await idx.drop_index(cache.redis, cache.spec.name, delete_entries=False)
        await plain.redis.aclose()
        await cache.close()
        await client.aclose()
        return {"size": size, "tuning": tuning}

    own: dict[str, np.ndarray] = {}  # filled before the vector-given pass (own_vectors)
    systems.append(System("nearhit (guards on)", nearhit_lookup(cache, own), nh_memory, nh_fill, nh_store_ms))
    systems.append(System("nearhit (guards off)", nearhit_lookup(plain, own), nh_memory, nh_fill, nh_store_ms))

    # --- RedisVL SemanticCache, FLAT (its default) and HNSW ------------------------------------------------
    async def aembed(text: str, **_: Any) -> list[float]:
        return (await embedder.embed([text]))[0].tolist()  # type: ignore[no-any-return]

    vectorizer = CustomVectorizer(embed=lambda text, **_: embedder.encode([text])[0].tolist(), aembed=aembed)
    rvl_caches = []
    for algorithm in ("flat", "hnsw"):
        name = f"rvl_{algorithm}_{size}"
        if algorithm == "hnsw":
            schema = SemanticCacheIndexSchema.from_params(name, name, embedder.dimension, "float32")
            vector_field = schema.fields["prompt_vector"]
            attrs = vector_field.attrs.model_dump() | {
                "algorithm": "hnsw",
                "m": cache.spec.m,
                "ef_construction": cache.spec.ef_construction,
            }
            schema_dict = schema.to_dict()
            for entry in schema_dict["fields"]:
                if entry["name"] == "prompt_vector":
                    entry["attrs"] = {k: v for k, v in attrs.items() if v is not None}
            await AsyncSearchIndex(SemanticCacheIndexSchema.from_dict(schema_dict), redis_client=client).create(
                overwrite=True
            )
        rvl = RedisVLCache(
            name=name,
            redis_url=url,
            vectorizer=vectorizer,
            distance_threshold=1 - THRESHOLD,
            overwrite=algorithm == "flat",
            create_index=algorithm == "flat",
        )
        rvl_caches.append(rvl)
        base = await used_memory(client)

        with stages(f"fill: RedisVL {algorithm.upper()} (pipelined filler, then the pairs one at a time)"):
            rvl_fill = await rvl_bulk_fill(rvl, filler)
            rvl_store_ms = []
            for p in pairs:
                started = time.perf_counter()
                await rvl.astore(p["a"], f"answer to: {p['a']}", vector=vectors[p["a"]].tolist())
                rvl_store_ms.append((time.perf_counter() - started) * 1000)
        memory = (await used_memory(client) - base) / size

        def rvl_lookup(rvl: RedisVLCache = rvl) -> Lookup:
            async def lookup(item: Item, given: bool) -> Outcome:
                if given:
                    found = await rvl.acheck(vector=vectors[item[1]].tolist())
                else:
                    found = await rvl.acheck(prompt=item[1])
                if not found:
                    return Outcome("miss")
                served = found[0]["prompt"]
                return Outcome("exact" if served == item[1] else "semantic", served)

            return lookup

        name = f"RedisVL SemanticCache ({algorithm.upper()})"
        systems.append(System(name, rvl_lookup(), memory, rvl_fill, rvl_store_ms))

    floors = await floor_systems(cache, nvectors)

    async def embedding_alone(item: Item, given: bool) -> Outcome:
        await embedder.embed([normalise(item[1])])  # what nearhit embeds for this prompt, nothing else
        return Outcome("miss")

    embed_floor = System("floor: the embedding alone (same prompt)", embedding_alone)

    # --- measure ----------------------------------------------------------------------------------------
    with stages("warm-up (100 misses per system)"):
        await warm_up(systems)
    print(f"  {size:,}: with the embedding ({len(items)} lookups per system)…", file=sys.stderr, flush=True)

    async def forget(system: System) -> None:  # nearhit pays for every embedding in this pass, as RedisVL does
        if system.name.startswith("nearhit"):
            for each in (cache, plain):  # the vectors waiting for their period's write land before the delete
                await each.background.drain()
            await forget_embeddings(cache)
            if cache.guards is not None:  # and judges every pair afresh (the text analysis stays cached)
                cache.guards.deciding_signals.cache_clear()

    async def keep(system: System) -> None:
        return None

    with stages("lookups: with the embedding (5 systems)"):
        await run_pass([*systems, embed_floor], items, "embed", rounds, False, forget)
    print(f"  {size:,}: vector given…", file=sys.stderr, flush=True)
    with stages("lookups: vector given (6 systems)"):
        for item in items:  # every prompt's vector stored in nearhit's embedding cache (a no-op for exact hits)
            await cache.lookup(item[1], SCOPE, threshold=THRESHOLD)
        await own_vectors(cache, items, own)
        await run_pass([*systems, *floors], items, "given", rounds, True, keep)
    with stages("the raw KNN right after an embedding"):
        knn_after = await knn_after_embedding(embedder, floors[1], [it for it in items if it[0] == "paraphrase"])
    print(f"  {size:,}: 16 in flight…", file=sys.stderr, flush=True)
    with stages("lookups: 16 in flight (4 systems)"):
        await run_throughput(systems, [it for it in items if it[0] != "miss"], rounds, forget)
    embed_ms = await embed_times(embedder, misses[:100])
    load = os.getloadavg()[0]
    tuning: dict[str, Any] | None = None
    if tune:
        with stages("KNN variants vs an exact FLAT index"):
            tuning = await knn_variants(cache, pairs, nvectors, quick)
    # The next size flushes the database: deleting the entries one index at a time ran past the client's timeout
    # at 100,000 (and cost minutes at any size).
    for name in [rvl.index.name for rvl in rvl_caches] + [cache.spec.name]:
        await idx.drop_index(cache.redis, name, delete_entries=False)
    await plain.redis.aclose()
    await cache.close()
    await client.aclose()
    return {
        "size": size,
        "systems": systems,
        "floors": floors,
        "embed_floor": embed_floor,
        "knn_after_embedding": knn_after,
        "embed_p50": statistics.median(embed_ms),
        "load": load,
        "should_hit": len([it for it in items if it[0] == "paraphrase"]),
        "tuning": tuning,
    }


VARIANTS: list[tuple[str, str, bool]] = [  # (label, KNN attributes, prompt + distance only)
    ("Redis defaults (no attributes)", "", False),
    ("HYBRID_POLICY ADHOC_BF", "HYBRID_POLICY ADHOC_BF", False),
    ("HYBRID_POLICY BATCHES", "HYBRID_POLICY BATCHES", False),
    ("HYBRID_POLICY BATCHES BATCH_SIZE 10", "HYBRID_POLICY BATCHES BATCH_SIZE 10", False),
    ("HYBRID_POLICY BATCHES BATCH_SIZE 50", "HYBRID_POLICY BATCHES BATCH_SIZE 50", False),
    ("EF_RUNTIME 10", "EF_RUNTIME 10", False),
    ("EF_RUNTIME 50", "EF_RUNTIME 50", False),
    ("EF_RUNTIME 100", "EF_RUNTIME 100", False),
    ("BATCHES + EF_RUNTIME 10", "HYBRID_POLICY BATCHES EF_RUNTIME 10", False),
    ("BATCHES + EF_RUNTIME 50", "HYBRID_POLICY BATCHES EF_RUNTIME 50", False),
    ("BATCHES + EF_RUNTIME 100", "HYBRID_POLICY BATCHES EF_RUNTIME 100", False),
    ("BATCHES + EF_RUNTIME 200", "HYBRID_POLICY BATCHES EF_RUNTIME 200", False),
    ("BATCHES + EF_RUNTIME 400", "HYBRID_POLICY BATCHES EF_RUNTIME 400", False),
    ("BATCHES + EF_RUNTIME 50, distance + prompt only", "HYBRID_POLICY BATCHES EF_RUNTIME 50", True),
]


async def knn_variants(
    cache: SemanticCache, pairs: list[dict[str, Any]], vectors: dict[str, np.ndarray], quick: bool
) -> dict[str, Any]:
    """nearhit's KNN on its own HNSW index with other query attributes, against an exact FLAT index over the
    same entries (a second index on the same prefix). Queries interleaved: each paraphrase runs every variant
    in a shuffled order. Served = the nearest is the pair's own ``a`` at similarity >= the threshold."""
    flat = idx.IndexSpec(name=f"{cache.spec.name}_flat", keys=cache.keys, dimension=cache.spec.dimension,
                         algorithm="flat")  # fmt: skip
    from redisvl.index import AsyncSearchIndex

    client = cache.redis  # nearhit's own client (the replies it parses)
    _, distance = returned_fields()
    await AsyncSearchIndex(flat.schema(), redis_client=client).create(overwrite=True)
    await wait_indexed(client, flat.name)
    info = await idx.index_info(client, cache.spec.name) or {}
    docs = int(info.get("num_docs", 0))
    ef = cache.spec.ef_runtime_at(docs)  # what a lookup sends at this size (NEARHIT_HNSW_SMALL_INDEX, _LARGE_INDEX)
    lookup = idx.scoped_knn(cache.spec, cache.spec.name, SCOPE.search_id, 3, ef)

    def variant(name: str, attrs: str, prompt_only: bool) -> Callable[[bytes], list[Any]]:
        return lambda blob: ["FT.SEARCH", name, *knn_args(blob, SCOPE.id, attrs=attrs, prompt_only=prompt_only)]

    runs = [("exact FLAT index (reference)", variant(flat.name, "", False))]
    runs.append((f"nearhit's lookup at {docs:,} documents (BATCHES + EF_RUNTIME {ef})", lookup.command))
    runs += [(label, variant(cache.spec.name, attrs, prompt_only)) for label, attrs, prompt_only in VARIANTS]
    ms: dict[str, list[float]] = {label: [] for label, *_ in runs}
    served: dict[str, int] = dict.fromkeys(ms, 0)
    nearest: dict[str, int] = dict.fromkeys(ms, 0)
    top: dict[str, dict[str, list[str]]] = {label: {} for label in ms}
    own = {p["b"]: cache.keys.entry(SCOPE, normalise(p["a"])) for p in pairs}
    queries = [p["b"] for p in pairs][: 100 if quick else None]
    for warm in queries[:20]:
        for _, command in runs:
            await client.execute_command(*command(vectors[warm].tobytes()))
    for n, query in enumerate(queries):
        blob = vectors[query].tobytes()
        # A shuffled order per query: in a rotation the row after the exact FLAT scan (tens of ms) nearly always
        # ran right after it, and paid for it (the lookup's row measured ~1 ms over the same query's other row).
        for label, command in random.Random(n).sample(runs, len(runs)):
            args = command(blob)
            started = time.perf_counter()
            reply = await client.execute_command(*args)
            idx.parse_search_reply(reply)  # timed as a lookup reads it; counted below from every row
            ms[label].append((time.perf_counter() - started) * 1000)
            rows = knn_rows(reply)
            top[label][query] = [key for key, _ in rows]
            if rows and rows[0][0] == own[query]:
                nearest[label] += 1
                served[label] += 1 - float(rows[0][1][distance]) >= THRESHOLD
    await idx.drop_index(client, flat.name, delete_entries=False)
    reference = top[runs[0][0]]
    overlap = {
        label: sum(len(set(found[q]) & set(reference[q])) for q in queries)
        / max(1, sum(len(reference[q]) for q in queries))
        for label, found in top.items()
    }
    return {
        "ms": ms,
        "served": served,
        "nearest": nearest,
        "overlap": overlap,
        "n": len(queries),
        "load": os.getloadavg()[0],
    }


def decision_per_candidate(rounds: int = 1) -> str:
    """The decision alone on fow-cache's DEV question pairs: guards, features and score for one candidate,
    cold (the per-text analysis caches and the pair memos cleared, as for a first-seen prompt) and warm.

    A cold judgement is the guards' first look (their vetoes, ``first_rejection``) and then what the decision does
    beyond it on the same pair, its guards read from their memo, as ``Decision.judge`` runs them: both halves
    timed on one clearing, so the guards' line and the decision's see the same caches (the decision timed first,
    on caches this list leaves warm for the guards after it, was charged for them: 0.70 ms against 0.35)."""
    from nearhit.decision import Decision
    from nearhit.evaluation import split_of
    from nearhit.guards.clauses import split_question
    from nearhit.guards.code import code_tokens, name_tokens, prose_words
    from nearhit.guards.content import content_words, overlap
    from nearhit.guards.entities import _split_as_one
    from nearhit.guards.languages import _by_words, detect
    from nearhit.guards.text import analyse

    decision = Decision()
    guards = decision.guards
    pairs = [p for p in load_questions() if split_of(p["id"]) == "dev"]
    times: dict[str, list[float]] = {
        "decision, cold": [],
        "decision beyond the guards, cold": [],
        "decision, warm": [],
        "guards as vetoes, cold": [],
        "guards as vetoes, pair asked again": [],
    }
    caches = (analyse, split_question, code_tokens, name_tokens, prose_words, detect, _by_words, content_words)
    caches = (*caches, overlap, _split_as_one)
    for _ in range(rounds):
        for p in pairs:
            started, guarded, judged = _judged_cold(p, caches, decision)
            decision.judge(p["b"], p["a"], 0.9)
            again = time.perf_counter()
            guards.first_rejection(p["b"], p["a"], 0.9)
            asked = time.perf_counter()
            times["guards as vetoes, cold"].append((guarded - started) * 1000)
            times["decision beyond the guards, cold"].append((judged - guarded) * 1000)
            times["decision, cold"].append((judged - started) * 1000)
            times["decision, warm"].append((again - judged) * 1000)
            times["guards as vetoes, pair asked again"].append((asked - again) * 1000)
    # The loop above leaves the per-text caches it does not name (a text's joined words, its language's function
    # words, its quantities, its clauses told after...) filled by an earlier judgement of the same prompt: most of
    # ``make bench``'s pairs were looked up before this runs. Here every one is cleared, as for a prompt never seen.
    every = _text_caches()
    times["decision, cold, every text cache cleared"] = []
    for _ in range(rounds):
        for p in pairs:
            started, _, judged = _judged_cold(p, every, decision)
            times["decision, cold, every text cache cleared"].append((judged - started) * 1000)
    lines = [f"per candidate, {len(pairs)} dev question pairs x {rounds} (cold: text analysis not cached)"]
    for label, values in times.items():
        lines.append(
            f"  {label:<32} p50 {percentile(values, 50) or 0:.3f} ms  p99 {percentile(values, 99) or 0:.3f} ms"
        )
    return "\n".join(lines)


def _judged_cold(pair: dict[str, Any], caches: Sequence[Any], decision: Any) -> tuple[float, float, float]:
    """``caches`` and the pair memos cleared, the guards' first look at ``pair`` and then the decision on it, as
    ``Decision.judge`` runs them: the clock before, after the guards, after the decision."""
    guards = decision.guards
    for cached in (*caches, guards.deciding_signals, guards.signal_after, decision.pair_features):
        cached.cache_clear()
    started = time.perf_counter()
    guards.first_rejection(pair["b"], pair["a"], 0.9)
    guarded = time.perf_counter()
    decision.judge(pair["b"], pair["a"], 0.9)
    return started, guarded, time.perf_counter()


COLD_FILLER = 1_700
"""Filler entries beside the 300 pairs for :func:`decision_in_lookup` (2,000 in all: the decision's share does not
grow with the index, and a small fill keeps the line's ~1 minute)."""


READ_DURING = "decision, the prompt read during the KNN"
"""The variant :func:`decision_in_lookup` times beside the default: ``NEARHIT_GUARDS_READ_DURING_KNN=true``."""


async def decision_in_lookup(
    url: str,
    embedder: LocalEmbedder,
    work: Workload,
    vectors: dict[str, np.ndarray],
    rounds: int = 2,
    variants: dict[str, dict[str, Any]] | None = None,
) -> str:
    """What the decision adds to a cold semantic lookup (issue 13): each paraphrase looked up, never seen (its stored
    embedding deleted, every text cache and pair memo cleared before each lookup), by the cache with the decision
    (the default) and by the same cache with the threshold alone (guards off, hence no decision), interleaved
    one paraphrase at a time in a rotating order with the embedding alone; p50 of the paired differences. Wall
    time, the event loop thread's CPU and the process's (the model's threads too). ``variants``: more caches with
    these attributes of the decision's cache changed (``{name: {attribute: value}}``; by default the prompt read
    while Redis runs the KNN), each against the threshold alone too, and their results compared."""
    client = Redis.from_url(url)
    await client.flushdb()
    settings = load_settings(redis_url=url, index_name="bench_cold", guards=True, similarity_threshold=THRESHOLD)
    systems = {"decision": await bootstrap.open_cache(settings, embedder)}
    for name, changed in (variants if variants is not None else {READ_DURING: {"read_during_knn": True}}).items():
        systems[name] = await bootstrap.open_cache(settings, embedder)
        for attribute, value in changed.items():
            setattr(systems[name], attribute, value)
    systems["threshold alone"] = await bootstrap.open_cache(settings.model_copy(update={"guards": False}), embedder)
    cache = systems["decision"]
    assert cache.decision is not None and systems["threshold alone"].decision is None
    await bulk_fill(cache, filler_vectors(COLD_FILLER, embedder.dimension), 0, COLD_FILLER)
    await store_pairs(cache, work.pairs, vectors)
    memos = [*_text_caches()]  # and each cache's own pair memos
    for each in [each.decision for each in systems.values() if each.decision is not None]:
        guards = each.guards
        memos += [guards.deciding_signals, guards._all_signals, guards.signal_after, each.pair_features]
    paraphrases = [p["b"] for p in work.pairs]
    random.Random(11).shuffle(paraphrases)
    names = [*systems, "embedding alone"]
    wall: dict[str, list[float]] = {name: [] for name in names}
    loop_cpu: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    hits = dict.fromkeys(systems, 0)
    judged: list[bool] = []  # per lookup, in order: whether the decision scored a candidate
    outcomes: dict[str, list[tuple[Any, ...]]] = {name: [] for name in systems}
    for round_no in range(rounds):
        for i, text in enumerate(paraphrases):
            for name in rotated(names, i + round_no):
                for each in systems.values():
                    await each.background.drain()
                await forget_embeddings(cache)
                for memo in memos:
                    memo.cache_clear()
                clock, thread, process = time.perf_counter(), time.thread_time(), time.process_time()
                if name == "embedding alone":
                    await embedder.embed([normalise(text)])
                else:
                    result = await systems[name].lookup(text, SCOPE)
                    hits[name] += result.match == "semantic"
                    outcomes[name].append(_outcome(result))
                    if name == "decision":
                        judged.append(any(c.score is not None for c in result.candidates))
                wall[name].append((time.perf_counter() - clock) * 1000)
                loop_cpu[name].append((time.thread_time() - thread) * 1000)
                cpu[name].append((time.process_time() - process) * 1000)
    for each in systems.values():
        await each.close()
    await client.aclose()

    def gap(of: dict[str, list[float]], name: str, base: str, only: list[bool] | None = None) -> float:
        pairs = zip(of[name], of[base], only or [True] * len(of[name]), strict=True)
        return percentile([a - b for a, b, kept in pairs if kept], 50) or 0.0

    n = len(paraphrases) * rounds
    lines = [
        f"a cold semantic lookup (2,000 entries), {len(paraphrases)} paraphrases x {rounds}, each never seen (its "
        f"embedding and every text cache cleared); p50 of paired differences, ms (load {os.getloadavg()[0]:.2f}); "
        f"the decision scored a candidate in {sum(judged)} of {n}"
    ]
    for name in [name for name in systems if name != "threshold alone"]:
        for label, only in (("", None), (", where it scored one", judged)):
            wall_gap, loop_gap, cpu_gap = (gap(of, name, "threshold alone", only) for of in (wall, loop_cpu, cpu))
            lines.append(
                f"  {name} adds over the threshold alone{label}: wall {wall_gap:+.3f}, loop CPU {loop_gap:+.3f}, "
                f"CPU {cpu_gap:+.3f}"
            )
        same = "the same results as the decision" if outcomes[name] == outcomes["decision"] else "OTHER RESULTS"
        lines.append(f"    ({hits[name]}/{n} served; {same})")
        if name != "decision":
            apart = [gap(of, "decision", name, only) for of in (wall, loop_cpu) for only in (None, judged)]
            lines.append(
                f"    the decision minus it, paired: wall {apart[0]:+.3f} ({apart[1]:+.3f} where it scored one), "
                f"loop CPU {apart[2]:+.3f} ({apart[3]:+.3f})"
            )
    for name in systems:
        lines.append(
            f"  {name} over the embedding alone: wall {gap(wall, name, 'embedding alone'):+.3f} (p50 "
            f"{percentile(wall[name], 50) or 0:.3f} against {percentile(wall['embedding alone'], 50) or 0:.3f})"
        )
    return "\n".join(lines)


def _outcome(result: Any) -> tuple[Any, ...]:
    """What a lookup decided, for comparing two caches' results: the match, the entry, the numbers and the reasons."""
    picked = [(c.doc_id, c.similarity, c.outcome, c.guard, c.reason, c.score, c.margin) for c in result.candidates]
    served = result.answer.doc_id if result.answer is not None else None
    return result.match, served, result.similarity, result.score, result.rejected_by, result.rejection_reason, picked


_WORD_CACHES = frozenset({"stem", "_osa_distance", "spelling_of"})
"""Caches of a word or two (a stem, an edit distance, a spelling), not of a text: a new prompt's words were
mostly met in earlier prompts, so these stay filled in a cold judgement."""


def _text_caches() -> list[Any]:
    """The guards' and the decision's module-level caches of a text or a pair (their word lists, loaded once, and
    :data:`_WORD_CACHES` aside)."""
    found: dict[int, Any] = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith(("nearhit.guards", "nearhit.decision")):
            continue
        for value in vars(module).values():
            if (
                isinstance(value, functools._lru_cache_wrapper)
                and value.__module__ == name
                and value.cache_parameters()["maxsize"] is not None
                and value.__name__ not in _WORD_CACHES
            ):
                found[id(value)] = value
    return list(found.values())


def round_gaps(system: System, floor: System, run: str = "given", kind: str = "paraphrase") -> str:
    """The spread of ``system`` − ``floor`` over the rounds (p50 of each round's lookups, the two interleaved in
    that round): how far one run's single figure may move with the machine's load."""
    gaps = sorted(
        (percentile(values, 50) or 0) - (percentile(floor.by_round[key], 50) or 0)
        for key, values in system.by_round.items()
        if key[:2] == (run, kind) and key in floor.by_round
    )
    return f"{gaps[0]:+.2f} to {gaps[-1]:+.2f} ms over {len(gaps)} rounds" if gaps else "-"


def cell(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{percentile(values, 50) or 0:.2f} / {percentile(values, 99) or 0:.2f}"


def tables(results: list[dict[str, Any]]) -> str:
    lines = [
        "With the embedding (nearhit's embedding cache emptied; RedisVL `acheck(prompt=...)`); p50 / p99 ms",
        "",
        "| entries | system | exact hit | paraphrase | miss | paraphrase recall (served / should-hit; wrong) "
        "| lookups/s, 16 in flight | memory / entry | store p50 ms | filler s (pipelined) | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for res in results:
        for s in res["systems"]:
            ms, counts = s.ms["embed"], s.served["embed"]
            lookups = sum(n for n, _ in s.rps_16)
            seconds = sum(t for _, t in s.rps_16)
            lines.append(
                f"| {res['size']:,} | {s.name} | {cell(ms.get('exact', []))} | {cell(ms.get('paraphrase', []))} | "
                f"{cell(ms.get('miss', []))} | {counts['right']}/{res['should_hit']} "
                f"({counts['right'] / res['should_hit']:.0%}); {counts['wrong']} | {lookups / seconds:,.0f} | "
                f"{s.memory / 1024:.2f} KiB | {cell(s.store_ms)} | {s.fill_s:.0f} | {res['load']:.2f} |"
            )
        ms = res["embed_floor"].ms["embed"]
        lines.append(
            f"| {res['size']:,} | {res['embed_floor'].name} | {cell(ms.get('exact', []))} | "
            f"{cell(ms.get('paraphrase', []))} | {cell(ms.get('miss', []))} | - | - | - | - | - | {res['load']:.2f} |"
        )
    lines += [
        "",
        "Vector given (nearhit's `lookup(vector=...)`; RedisVL `acheck(vector=...)`), beside the Redis floor; "
        "p50 / p99 ms",
        "",
        "| entries | system | exact hit | paraphrase | miss | paraphrase recall (served / should-hit; wrong) "
        "| embed p50 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for res in results:
        for s in [*res["systems"], *res["floors"]]:
            ms, counts = s.ms["given"], s.served["given"]
            recall = (
                f"{counts['right']}/{res['should_hit']} ({counts['right'] / res['should_hit']:.0%}); {counts['wrong']}"
                if not s.name.startswith("floor: Redis HMGET")
                else "-"
            )
            lines.append(
                f"| {res['size']:,} | {s.name} | {cell(ms.get('exact', []))} | {cell(ms.get('paraphrase', []))} | "
                f"{cell(ms.get('miss', []))} | {recall} | {res['embed_p50']:.2f} |"
            )
    lines.append("")
    for res in results:  # issue 18's target: nearhit's paraphrase lookup ≤ the raw KNN + 0.3 ms, vector given
        knn = res["floors"][1]
        for s in res["systems"][:2]:
            gap = (percentile(s.ms["given"]["paraphrase"], 50) or 0) - (
                percentile(knn.ms["given"]["paraphrase"], 50) or 0
            )
            lines.append(
                f"{res['size']:,}: {s.name} paraphrase − raw FT.SEARCH KNN, vector given: {gap:+.2f} ms p50 "
                f"(per round: {round_gaps(s, knn)})"
            )
        after, again = res["knn_after_embedding"]
        lines.append(
            f"{res['size']:,}: raw FT.SEARCH KNN right after an embedding of its prompt {cell(after)} ms p50 / p99, "
            f"back to back {cell(again)} ({len(after)} paraphrases, one round)"
        )
    return "\n".join([*lines, *knn_tables(results)])


def knn_tables(results: list[dict[str, Any]]) -> list[str]:
    """The KNN variants' table of each size that measured them (the largest; every size with ``--knn-only``)."""
    lines: list[str] = []
    for res in results:
        tuning = res["tuning"]
        if tuning is None:
            continue
        reference = tuning["served"]["exact FLAT index (reference)"]
        lines += [
            "",
            f"nearhit's KNN at {res['size']:,} entries, vector given, {tuning['n']} paraphrases, k=3, scope filter "
            f"(load {tuning['load']:.2f})",
            "",
            "| KNN query | p50 / p99 ms | paraphrases served (own a nearest, sim >= 0.90) | vs exact FLAT "
            "| own a nearest (any similarity) | top-3 overlap with FLAT |",
            "|---|---|---|---|---|---|",
        ]
        for label, values in tuning["ms"].items():
            served = tuning["served"][label]
            lines.append(
                f"| {label} | {cell(values)} | {served} | {served / max(1, reference):.0%} | "
                f"{tuning['nearest'][label]} | {tuning['overlap'][label]:.0%} |"
            )
    return lines


async def cluster_vs_single(single_url: str, embedder: LocalEmbedder, size: int, rounds: int) -> str:
    """Lookup latency on the local 3+3 cluster (one index per tenant on its shard) against the single node,
    same entries (the 300 pairs and filler, over three tenants), same lookups, embeddings warm (so the Redis
    path is what differs), interleaved in rounds."""
    from nearhit import redis_cluster

    pairs = [p for p in load_questions() if p["same_answer"]]
    scopes = [Scope.build(model="gpt-4o", tenant=f"bench-{i}") for i in range(3)]
    filler = filler_vectors(max(0, size - len(pairs)), embedder.dimension)
    items = [
        (kind, text, i % 3) for i, p in enumerate(pairs) for kind, text in (("exact", p["a"]), ("paraphrase", p["b"]))
    ]
    random.Random(size).shuffle(items)
    times: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="nearhit-cluster-") as folder:
        topology = redis_cluster.start_cluster(Path(folder))
        caches: dict[str, SemanticCache] = {}
        try:
            for label, url in (("single node", single_url), ("3+3 cluster", topology.url)):
                settings = load_settings(redis_url=url, index_name=f"topo_{size}", similarity_threshold=THRESHOLD)
                cache = caches[label] = await bootstrap.open_cache(settings, embedder)

                async def store(i: int, cache: SemanticCache = cache) -> None:
                    await cache.store(f"filler {i}", "filler answer " * 40, scopes[i % 3], vector=filler[i])

                await fill(store, len(filler), label)
                for i, p in enumerate(pairs):
                    await cache.store(p["a"], f"answer to: {p['a']}", scopes[i % 3])
                for _, text, tenant in items:  # warm the embedding cache: the timed pass measures Redis
                    await cache.lookup(text, scopes[tenant], threshold=THRESHOLD)
            per_round = max(1, len(items) // rounds)
            for round_no, start in enumerate(range(0, len(items), per_round)):
                labels = list(caches)
                for label in labels[round_no % 2 :] + labels[: round_no % 2]:  # who goes first alternates
                    for kind, text, tenant in items[start : start + per_round]:
                        began = time.perf_counter()
                        await caches[label].lookup(text, scopes[tenant], threshold=THRESHOLD)
                        times.setdefault(label, {}).setdefault(kind, []).append((time.perf_counter() - began) * 1000)
        finally:
            for cache in caches.values():
                await cache.clear()
                await cache.close()
            redis_cluster.stop(topology)
    single = {kind: percentile(values, 50) or 0.0 for kind, values in times["single node"].items()}
    lines = [
        f"Lookup on a 3+3 cluster vs one node ({size:,} entries over 3 tenants, embeddings warm); p50 / p99 ms",
        "",
        "| topology | exact | paraphrase | p50 vs single node (exact, paraphrase) |",
        "|---|---|---|---|",
    ]
    for label, kinds in times.items():
        ratios = ", ".join(
            f"{(percentile(kinds[k], 50) or 0) / max(single[k], 1e-9):.2f}x" for k in ("exact", "paraphrase")
        )
        lines.append(f"| {label} | {cell(kinds['exact'])} | {cell(kinds['paraphrase'])} | {ratios} |")
    return "\n".join(lines)


async def bench_scale(
    url: str,
    embedder: LocalEmbedder,
    sizes: Sequence[int],
    work: Workload,
    vectors: dict[str, np.ndarray],
    stages: Stages,
    *,
    quick: bool,
    rounds: int,
) -> list[dict[str, Any]]:
    """nearhit alone (no peers) on one index grown from each size to the next (the filler pipelined, the pairs
    stored once the first size's filler is in): at each size, its lookup with the vector given beside the Redis
    floor, in rounds, and its KNN against an exact FLAT index over the same entries. Each size's tables are
    printed as soon as they are measured (a later size may not finish)."""
    client = Redis.from_url(url)
    await client.flushdb()
    await client.execute_command("FT.CONFIG", "SET", "TIMEOUT", "0")
    # The embedded Redis appends every write to its AOF; growing to 250,000 entries (~1.5 GB) would rewrite the
    # AOF (a fork and the whole dataset written) at 64, 128, 256 MB... in the middle of the fills and lookups.
    await client.config_set("auto-aof-rewrite-percentage", 0)
    settings = load_settings(
        redis_url=url, index_name="bench_scale", guards=True, similarity_threshold=THRESHOLD, redis_timeout=30
    )
    cache = await bootstrap.open_cache(settings, embedder)
    plain = await bootstrap.open_cache(settings.model_copy(update={"guards": False}), embedder)
    nvectors = {it[1]: vectors[normalise(it[1])] for it in work.items}
    filler = filler_vectors(max(0, max(sizes) - len(work.pairs)), embedder.dimension)
    filled, fill_s, results = 0, 0.0, []
    own: dict[str, np.ndarray] = {}  # each prompt's vector as nearhit embeds it (own_vectors)
    try:
        for size in sorted(sizes):
            target = max(0, size - len(work.pairs))
            with stages(f"fill to {size:,} (pipelined)"):
                fill_s += await bulk_fill(cache, filler, filled, target)
                if not filled:
                    await store_pairs(cache, work.pairs, vectors)
            filled = target
            items = work.shuffled(size, quick)
            systems = [
                System("nearhit (guards on)", nearhit_lookup(cache, own)),
                System("nearhit (guards off)", nearhit_lookup(plain, own)),
                *(await floor_systems(cache, nvectors)),
            ]
            with stages(f"{size:,}: lookups, vector given"):
                for item in items:  # every prompt's vector in nearhit's embedding cache (a no-op for exact hits)
                    await cache.lookup(item[1], SCOPE, threshold=THRESHOLD)
                await own_vectors(cache, items, own)
                await run_pass(systems, items, "given", rounds, True, no_setup)
            load = os.getloadavg()[0]
            with stages(f"{size:,}: KNN vs an exact FLAT index"):
                tuning = await knn_variants(cache, work.pairs, nvectors, quick)
            results.append({"size": size, "systems": systems, "tuning": tuning, "load": load, "fill_s": fill_s,
                            "should_hit": sum(it[0] == "paraphrase" for it in items)})  # fmt: skip
            print("\n".join([*scale_table(results[-1:]), *knn_tables(results[-1:])]), flush=True)
    finally:
        await idx.drop_index(cache.redis, cache.spec.name, delete_entries=False)  # the server is stopped next
        await plain.redis.aclose()
        await cache.close()
        await client.aclose()
    return results


async def no_setup(system: System) -> None:
    return None


def scale_table(results: list[dict[str, Any]]) -> list[str]:
    """Issue 18's two engine targets per size: nearhit's paraphrase lookup with the vector given against the raw
    ``FT.SEARCH`` KNN it sends (target: + 0.3 ms at most), and what its lookup's KNN serves against an exact
    FLAT search (target: 98% at least)."""
    lines = [
        "",
        "| entries | nearhit paraphrase lookup, vector given, p50 / p99 ms (guards on; off) | raw FT.SEARCH KNN "
        "p50 / p99 ms | lookup − KNN, p50 (target ≤ +0.3 ms); per round | served by the lookup's KNN / by exact FLAT "
        "(target ≥ 98%) | filled to size in s (pipelined) | load |",
        "|---|---|---|---|---|---|---|",
    ]
    for res in results:
        on, off, _, knn = (s.ms["given"]["paraphrase"] for s in res["systems"])
        spread = round_gaps(res["systems"][0], res["systems"][3])
        tuning = res["tuning"]
        reference = tuning["served"]["exact FLAT index (reference)"]
        lookup = next(label for label in tuning["served"] if label.startswith("nearhit's lookup"))
        gap = (percentile(on, 50) or 0) - (percentile(knn, 50) or 0)
        lines.append(
            f"| {res['size']:,} | {cell(on)}; {cell(off)} | {cell(knn)} | {gap:+.2f} ms; {spread} | "
            f"{tuning['served'][lookup]}/{reference} ({tuning['served'][lookup] / max(1, reference):.0%}) | "
            f"{res['fill_s']:.0f} | {res['load']:.2f} |"
        )
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000], help="index sizes (400 to 250,000)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds the workload is cut into (interleaving)")
    parser.add_argument("--quick", action="store_true", help="a shorter workload (smoke run)")
    parser.add_argument("--cluster", action="store_true", help="also time lookups on a local 3+3 cluster")
    parser.add_argument(
        "--decision-only", action="store_true", help="only the decision's and the guards' time per candidate"
    )
    parser.add_argument("--knn-only", action="store_true", help="only nearhit's KNN variants vs an exact search")
    parser.add_argument(
        "--cold-lookup-only", action="store_true", help="only what the decision adds to a cold semantic lookup "
        "(~1 minute)"
    )  # fmt: skip
    parser.add_argument(
        "--scale", action="store_true", help="nearhit alone, one index grown through the sizes: its lookup "
        "(vector given) vs the raw KNN, and its KNN vs an exact search, per size"
    )  # fmt: skip
    parser.add_argument(
        "--no-vectors-file", action="store_true", help="embed the corpus afresh (not read from or kept in "
        "<data dir>/bench)"
    )  # fmt: skip
    args = parser.parse_args()
    if args.decision_only:
        print(decision_per_candidate())
        return
    if any(size < 400 or size > MAX_SIZE for size in args.sizes):
        parser.error(f"--sizes: each size must be in [400, {MAX_SIZE:,}] (the workload stores 300 pairs)")
    if args.scale and (args.knn_only or args.cluster or args.cold_lookup_only):
        parser.error("--scale measures its own tables: not with --knn-only or --cluster")
    stages = Stages("engine.py")
    embedder = LocalEmbedder()
    work = workload(args.quick)
    with stages("embedding the corpus (once per run; kept between runs)"):
        path = None if args.no_vectors_file else vectors_file(embedder)
        vectors, embedded = await corpus_vectors(embedder, work.texts(), path)
    print(f"  corpus: {len(vectors):,} texts, {embedded:,} embedded now ({path or 'no file'})", file=sys.stderr)
    results = []
    with tempfile.TemporaryDirectory(prefix="nearhit-bench-") as data:
        server, _ = redis_server.ensure_running(Path(data))
        print(f"embedded Redis at {server.url}", file=sys.stderr)
        try:
            if args.scale:
                results = await bench_scale(server.url, embedder, args.sizes, work, vectors, stages,
                                            quick=args.quick, rounds=args.rounds)  # fmt: skip
            for size in [] if args.scale or args.cold_lookup_only else args.sizes:
                tune = size == max(args.sizes) or args.knn_only
                results.append(
                    await bench_size(
                        server.url,
                        embedder,
                        size,
                        work,
                        vectors,
                        stages,
                        quick=args.quick,
                        rounds=args.rounds,
                        tune=tune,
                        knn_only=args.knn_only,
                    )
                )
                if args.knn_only:  # each size's table as soon as it is measured: a later size may fail
                    print("\n".join(knn_tables(results[-1:])), flush=True)
            cold_lookup = None
            if not (args.scale or args.knn_only):
                with stages("what the decision adds to a cold semantic lookup"):
                    cold_lookup = await decision_in_lookup(server.url, embedder, work, vectors)
            topology_table = None
            if args.cluster:
                with stages("3+3 cluster vs one node"):
                    topology_table = await cluster_vs_single(server.url, embedder, min(args.sizes), args.rounds)
        finally:
            redis_server.stop(Path(data))
    if args.scale:
        print(f"\nthreshold {THRESHOLD}; {args.rounds} rounds; all sizes (load: 1 min, after each size's lookups)")
        print("\n".join(scale_table(results)))
    elif args.cold_lookup_only:
        print(cold_lookup)
    elif not args.knn_only:
        print(
            f"threshold {THRESHOLD} for every system; {args.rounds} rounds; load average (1 min) at the end of each "
            "size"
        )
        print()
        print(tables(results))
        if topology_table:
            print()
            print(topology_table)
        print()
        with stages("the decision per candidate"):
            print(decision_per_candidate())
        print(cold_lookup)
    print()
    print(stages.table())


if __name__ == "__main__":
    asyncio.run(main())
