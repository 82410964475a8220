"""How much of a conversation's KNN is its payload (issue 14, lt39): fow-cache's dev conversations stored in one
scratch scope (each ``a`` side, as ``conversation_latency.py`` stores them), then each ``b``'s own KNN (its
question's vector, its scope) run three ways, interleaved, the raw ``FT.SEARCH`` and its parse timed, each way first
after the question's embedding in turn (the first KNN after the model ran was ~0.1 ms slower: until lt63, the whole
conversation KNN always ran first, and its context vectors read ~0.12-0.23 ms dearer than they are): as a
conversation's lookup asks it (k = ``CONTEXT_CANDIDATES``, every returned field), the same without the context's
stored vector (``context_vector``, ~2 KB of base64 a row), and as a single question's (k = 3, every field). The
last column: the near rows' context vectors fetched apart (one pipelined HMGET of the rows at or above 0.60), the
round trip a narrower KNN would add back.

    PYTHONPATH=src:benchmarks python benchmarks/knn_payload.py
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from conversation_latency import fresh_mark
from nearhit.cache import entry
from nearhit.cache import index as idx
from nearhit.cache.conversation_lookup import CONTEXT_CANDIDATES
from nearhit.config import load_settings
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request

NEAR = 0.60
"""The servable floor at the default threshold (``context_match.servable_floor``)."""


def without(command: list[Any], field: str) -> list[Any]:
    """``command`` with ``field`` left out of its RETURN list."""
    at = command.index(b"RETURN")
    count = int(command[at + 1])
    fields = [f for f in command[at + 2 : at + 2 + count] if f != field.encode()]
    return [*command[: at + 1], str(len(fields)).encode(), *fields, *command[at + 2 + count :]]


async def main() -> None:
    pairs = [p for p in dataset.load("conversations", "dev") if p.a.history]
    run = fresh_mark()
    async with scratch_cache(load_settings()) as cache:
        for pair in pairs:
            await cache.store(request(cache, f"t{run}", pair.a), "an answer")
        await cache.background.drain()
        times: dict[str, list[float]] = {"k10": [], "k10 no context vector": [], "k3": [], "near HMGET": []}
        sizes: dict[str, list[int]] = {name: [] for name in times}
        first: dict[str, list[bool]] = {name: [] for name in times}  # each KNN: run first after the embedding
        for number, pair in enumerate(pairs):
            query = request(cache, f"t{run}", pair.b)
            vector = (await cache.embedder.embed([query.text]))[0]
            wide = cache._scoped_knn(query, cache.spec, CONTEXT_CANDIDATES).command(vector.tobytes())
            narrow = cache._scoped_knn(query, cache.spec, 3).command(vector.tobytes())
            commands = {"k10": wide, "k10 no context vector": without(wide, entry.CONTEXT_VECTOR), "k3": narrow}
            rows: list[tuple[str, dict[str, str]]] = []
            names = list(commands)
            for name in names[number % 3 :] + names[: number % 3]:  # each first after the embedding, in turn
                command = commands[name]
                started = time.perf_counter()
                reply = await cache.redis.execute_command(*command)
                parsed = idx.parse_search_reply(reply)
                times[name].append((time.perf_counter() - started) * 1000)
                first[name].append(name == names[number % 3])
                sizes[name].append(sum(len(k) + sum(map(len, f.values())) for k, f in parsed))
                rows = parsed if name == "k10 no context vector" else rows
            near = [key for key, fields in rows if entry.similarity(fields) >= NEAR]
            started = time.perf_counter()
            if near:
                pipe = cache.redis.pipeline(transaction=False)
                for key in near:
                    pipe.hmget(key, [entry.CONTEXT_VECTOR])
                await pipe.execute()
            times["near HMGET"].append((time.perf_counter() - started) * 1000)
    print(
        f"{len(pairs)} KNNs each, p50 / p90 ms (FT.SEARCH and its parse), the reply's characters p50, and the p50 of "
        "those run first after the embedding / after another KNN"
    )
    for name, values in times.items():
        q = statistics.quantiles(values, n=10)
        size = f"{statistics.median(sizes[name]):,.0f}" if sizes[name] else "-"
        after = "-"
        if first[name]:  # the KNNs (the HMGET runs after them)
            split = [[ms for ms, ran in zip(values, first[name], strict=True) if ran is was] for was in (True, False)]
            after = " / ".join(f"{statistics.median(part):.2f}" for part in split)
        print(f"| {name} | {statistics.median(values):.2f} / {q[8]:.2f} | {size} | {after} |")


if __name__ == "__main__":
    asyncio.run(main())
