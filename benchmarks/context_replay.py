"""A conversation's first-look context stage replayed on recorded inputs: a steadier yardstick than the whole lookup.

``conversation_latency.py``'s "first look less the embed" moves by tenths of a millisecond from run to run on this
shared machine (Redis, the embedder's threads and the other sessions' load all in it). ``record`` runs its conversation
lookups once (fow-cache's dev conversations, each ``a`` stored in one scope, each ``b`` looked up after its turns, the
first marked, as that benchmark does: ``conversation_latency.marked``; until lt63 its question was marked too, which the
lookup split off as a user turn nobody sent) and keeps what each lookup's context stage was given: the question and its
turns, its two vectors, the KNN rows and the servable floor. ``replay`` then runs the stage alone on those inputs
(``conversation.comparable``, ``context_match.split_under``, ``context_match.match``, and the context's normalised text
the exact read keys on), each round with every per-text cache of ``nearhit`` emptied first (every lookup cold, a
candidate's turns read again once met, as in the benchmark), and prints the p25 / p50 / p75 of each lookup's fastest
round, and the sum. No Redis, no embedder: run the same file on two trees, one after the other, to compare them.
``--outputs FILE`` writes what the stage decided (the rows kept, the refusals, every candidate and margin) for ``cmp``
between trees.

    PYTHONPATH=src:. python benchmarks/context_replay.py record /tmp/recs.pkl
    PYTHONPATH=/tmp/base/src:. python benchmarks/context_replay.py replay /tmp/recs.pkl --rounds 12 --outputs a.pkl
    PYTHONPATH=src:. python benchmarks/context_replay.py replay /tmp/recs.pkl --rounds 12 --outputs b.pkl
    cmp a.pkl b.pkl
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import pickle
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from conversation_latency import RUN_MARK, embed_every_time, marked
from nearhit.cache import context_match, conversation, semantic_cache
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import LookupResult
from nearhit.config import load_settings
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest
from tests.support.readings import forget_readings

Record = tuple[str, tuple[tuple[str, str], ...], bytes, bytes | None, list[Any], float | None, float]
"""A lookup's question, turns, vector, context vector, KNN rows (before the split), servable floor (None: not split)
and threshold."""


async def record() -> list[Record]:
    """Run ``conversation_latency.py``'s conversation lookups once, keeping each context stage's inputs."""
    seen: dict[str, Any] = {}
    split, match = context_match.split_under, context_match.match

    def splitting(rows: context_match.Rows, floor: float) -> tuple[context_match.Rows, context_match.Rows]:
        seen.update(rows=copy.deepcopy(rows), floor=floor)
        return split(rows, floor)

    def matching(result: LookupResult, query: Lookup, rows: context_match.Rows, *args: Any, **kwargs: Any) -> Any:
        if "rows" not in seen:
            seen.update(rows=copy.deepcopy(rows), floor=None)
        return match(result, query, rows, *args, **kwargs)

    semantic_cache.context_match.split_under = splitting  # type: ignore[assignment]
    semantic_cache.context_match.match = matching  # type: ignore[assignment]
    records: list[Record] = []
    pairs = [p for p in dataset.load("conversations", "dev") if p.a.history]
    run = RUN_MARK  # two recordings record the same stages (a random mark moved some lookups' turns' cosine)
    async with scratch_cache(load_settings()) as cache:
        embed_every_time(cache)  # each vector computed as in the first run, none read from an earlier one
        for pair in pairs:
            await cache.store(request(cache, f"t{run}", pair.a), "an answer")
        for pair in pairs:
            side = dataset.Side(*marked(pair.b, run))
            seen.clear()
            query = request(cache, f"t{run}", side)
            first = await cache.first_look(query)
            if "rows" in seen and query.vector is not None:
                context = query.context_vector.tobytes() if query.context_vector is not None else None
                records.append(
                    (side.prompt, side.history, query.vector.tobytes(), context, seen["rows"], seen["floor"],
                     first.result.threshold)
                )  # fmt: skip
    return records


def _asked(prompt: str, history: tuple[tuple[str, str], ...]) -> Lookup:
    messages = tuple(ChatMessage(role, content) for role, content in history)  # type: ignore[arg-type]
    query = AskRequest(prompt, tenant="t", history=messages).checked("default", 32_000).query
    assert query is not None
    return query


def replay(path: Path, rounds: int, outputs: Path | None) -> None:
    """Each recorded stage run ``rounds`` times (caches emptied before each round); the fastest round's times."""
    records: list[Record] = pickle.loads(path.read_bytes())
    fastest = [float("inf")] * len(records)
    decided: list[list[Any]] = []
    for _ in range(rounds):
        forget_readings()
        this: list[Any] = []
        for n, (prompt, history, vector, context_vector, rows, floor, threshold) in enumerate(records):
            query = _asked(prompt, history)
            query.vector = np.frombuffer(vector, dtype=np.float32)
            query.context_vector = np.frombuffer(context_vector, dtype=np.float32) if context_vector else None
            rows = copy.deepcopy(rows)
            result = LookupResult(match=None, threshold=threshold, scope_id="s")
            started = time.perf_counter()
            _ = query.context_text  # the exact read's key for the context's stored vector
            if floor is not None and query.context is not None and conversation.comparable(query.context):
                rows, _later = context_match.split_under(rows, floor)
            kept, _, refused, margins = context_match.match(result, query, rows, len(query.vector))
            fastest[n] = min(fastest[n], (time.perf_counter() - started) * 1000)
            this.append((len(kept), refused, [repr(c) for c in result.candidates], sorted(margins.items())))
        decided.append(this)
    if any(other != decided[0] for other in decided):
        raise SystemExit("the rounds decided differently")
    p25, p50, p75 = statistics.quantiles(fastest, n=4)
    print(f"{len(fastest)} stages, fastest of {rounds} rounds (ms): p25 {p25:.3f}, p50 {p50:.3f}, p75 {p75:.3f}, "
          f"sum {sum(fastest):.1f}")  # fmt: skip
    if outputs is not None:
        outputs.write_bytes(pickle.dumps(decided[0]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("record", "replay"))
    parser.add_argument("path", type=Path)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--outputs", type=Path)
    arguments = parser.parse_args()
    if arguments.what == "record":
        recorded = asyncio.run(record())
        arguments.path.write_bytes(pickle.dumps(recorded))
        print(f"{len(recorded)} context stages recorded in {arguments.path}")
    else:
        replay(arguments.path, arguments.rounds, arguments.outputs)
