"""What reading a stored conversation's side at store time saves a lookup, and what keeping it costs (issue 14, lt47).

``replay RECS``: the context stage replayed (``context_replay.py record``'s inputs, every per-text cache emptied each
round) three ways per round: cold (as a new entry is met now), with each near row's side read first by
:func:`conversation.read_side` (what ``SemanticCache.store`` does in the background), and with each near row's whole
lookup read first (its own turns matched against itself: the most a reading of the stored side could save); the
fastest round's p25 / p50 / p75 and sum. ``cost``: :func:`conversation.read_side` timed cold on fow-cache's 180 dev
conversations (what the background pays per conversation stored). ``field``: a field of the side's readings (the user's
and the assistant's turns' tokens, stems and names, JSON) written on each stored entry and returned with the KNN's
ten rows, against the KNN as it is, paired; and its size and decoding time (what keeping the readings in the entry
would cost every lookup).

    cd benchmarks && PYTHONPATH=../src:.. python context_replay.py record /tmp/recs.pkl
    PYTHONPATH=../src:.. python stored_side_reading.py replay /tmp/recs.pkl --rounds 5
    PYTHONPATH=../src:.. python stored_side_reading.py cost
    PYTHONPATH=../src:.. python stored_side_reading.py field
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import pickle
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from context_replay import _asked
from conversation_latency import fresh_mark
from nearhit.cache import context_match, conversation, entry
from nearhit.cache import index as idx
from nearhit.cache.conversation_lookup import CONTEXT_CANDIDATES
from nearhit.cache.results import LookupResult
from nearhit.config import load_settings
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request
from nearhit.guards.text import analyse
from tests.support.readings import forget_readings

MODES = ("cold", "side read", "whole lookup read")


def _near(rows: list[Any], floor: float | None) -> list[dict[str, str]]:
    return [f for _, f in rows if floor is None or entry.similarity(f) >= floor]


def _read_whole(fields: dict[str, str], dimension: int) -> None:
    """The row's own turns and question matched against itself: every reading of its side made."""
    context = conversation.stored(fields.get(entry.CONTEXT, ""))
    if context is None:
        return
    own = _asked(fields.get("prompt", "x"), context.turns)
    own.vector = np.zeros(dimension, dtype=np.float32)
    own.context_vector = context_match.vector_of(fields.get(entry.CONTEXT_VECTOR, ""), dimension)
    result = LookupResult(match=None, threshold=0.76, scope_id="s")
    context_match.match(result, own, [("k", dict(fields))], dimension)


def replay(path: Path, rounds: int) -> None:
    records = pickle.loads(path.read_bytes())
    fastest = {mode: [float("inf")] * len(records) for mode in MODES}
    for _ in range(rounds):
        for mode in MODES:
            forget_readings()
            for n, (prompt, history, vector, context_vector, rows, floor, threshold) in enumerate(records):
                query = _asked(prompt, history)
                query.vector = np.frombuffer(vector, dtype=np.float32)
                query.context_vector = np.frombuffer(context_vector, dtype=np.float32) if context_vector else None
                rows = copy.deepcopy(rows)
                for fields in _near(rows, floor):
                    if mode == "side read" and fields.get(entry.CONTEXT):
                        conversation.read_side(fields[entry.CONTEXT])
                    elif mode == "whole lookup read":
                        _read_whole(fields, len(query.vector))
                result = LookupResult(match=None, threshold=threshold, scope_id="s")
                started = time.perf_counter()
                _ = query.context_text
                if floor is not None and query.context is not None and conversation.comparable(query.context):
                    rows, _later = context_match.split_under(rows, floor)
                context_match.match(result, query, rows, len(query.vector))
                fastest[mode][n] = min(fastest[mode][n], (time.perf_counter() - started) * 1000)
    print(f"| stored side before the stage | p25 | p50 | p75 | sum of {len(records)} |\n|---|---|---|---|---|")
    for mode, values in fastest.items():
        p25, p50, p75 = statistics.quantiles(values, n=4)
        print(f"| {mode} | {p25:.3f} | {p50:.3f} | {p75:.3f} | {sum(values):.1f} |")


def cost() -> None:
    pairs = [p for p in dataset.load("conversations", "dev") if p.a.history]
    raws = [conversation.Context(tuple(p.a.history)).to_json() for p in pairs]
    best = [float("inf")] * len(raws)
    for _ in range(3):
        forget_readings()
        for n, raw in enumerate(raws):
            started = time.perf_counter()
            conversation.read_side(raw)
            best[n] = min(best[n], (time.perf_counter() - started) * 1000)
    q = statistics.quantiles(best, n=10)
    print(f"read_side, {len(raws)} stored sides cold (ms): p50 {statistics.median(best):.3f}, p90 {q[8]:.3f}, "
          f"max {max(best):.2f}, sum {sum(best):.0f}")  # fmt: skip


def _side_field(raw: str) -> str:
    context = conversation.Context.from_json(raw)
    assert context is not None
    parts = []
    for said in (context.users, context.assistants):
        text = analyse(conversation._written_alone(said)[0])
        parts.append([text.tokens, text.stems, sorted(text.entities)])
    return json.dumps(parts, separators=(",", ":"))


def _with(command: list[Any], name: bytes) -> list[Any]:
    at = command.index(b"RETURN")
    count = int(command[at + 1])
    fields = [*command[at + 2 : at + 2 + count], name]
    return [*command[: at + 1], str(len(fields)).encode(), *fields, *command[at + 2 + count :]]


async def field() -> None:
    pairs = [p for p in dataset.load("conversations", "dev") if p.a.history]
    run = fresh_mark()
    sizes, decodes = [], []
    async with scratch_cache(load_settings()) as cache:
        for pair in pairs:
            query = request(cache, f"t{run}", pair.a)
            key = await cache.store(query, "an answer")
            if query.context is not None:
                value = _side_field(query.context.to_json())
                sizes.append(len(value))
                started = time.perf_counter()
                json.loads(value)
                decodes.append((time.perf_counter() - started) * 1000)
                await cache.redis.hset(key, "side_readings", value)
        await cache.background.drain()
        times: dict[str, list[float]] = {"as now": [], "with the field": []}
        for number in range(3):
            for pair in pairs:
                query = request(cache, f"t{run}", pair.b)
                vector = (await cache.embedder.embed([query.text]))[0]
                now = cache._scoped_knn(query, cache.spec, CONTEXT_CANDIDATES).command(vector.tobytes())
                commands = {"as now": now, "with the field": _with(now, b"side_readings")}
                for name in list(commands) if number % 2 else list(commands)[::-1]:
                    started = time.perf_counter()
                    idx.parse_search_reply(await cache.redis.execute_command(*commands[name]))
                    times[name].append((time.perf_counter() - started) * 1000)
    print(f"the field: {statistics.median(sizes):,.0f} characters p50 (max {max(sizes):,}), "
          f"json.loads {statistics.median(decodes):.4f} ms p50")  # fmt: skip
    for name, values in times.items():
        print(f"| KNN of ten rows, {name} | {statistics.median(values):.3f} ms p50 |")
    paired = [b - a for a, b in zip(times["as now"], times["with the field"], strict=True)]
    print(f"paired difference p50 {statistics.median(paired):+.3f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("replay", "cost", "field"))
    parser.add_argument("path", type=Path, nargs="?")
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    if arguments.what == "replay":
        if arguments.path is None:
            parser.error("replay needs the recorded inputs (context_replay.py record)")
        replay(arguments.path, arguments.rounds)
    elif arguments.what == "cost":
        cost()
    else:
        asyncio.run(field())
