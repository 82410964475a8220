"""Where a conversation's second chances spend the event loop's CPU (issue 14, latency), unprofiled: per lookup the
loop thread's CPU (``time.thread_time``: the embedder's thread and a shared machine's other processes do not count)
in each second-chance stage and in the proof helpers they call (``_turn_chances``, ``_users_chances``,
``turns.readings``, ``_may_serve``, ``_may_match``: nested inside the stages, so not added to them), split by outcome
(the first look served, a second chance served, missed). The lookups are ``conversation_profile.py``'s: every ``a``
stored, each ``b`` with earlier turns looked up once, its first turn marked so nothing is embedded before
(``conversation_latency.marked``: until lt63 its question was marked too, split off as a user turn nobody sent).

    PYTHONPATH=src:benchmarks python benchmarks/chance_cpu.py conversations
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from conversation_latency import SECOND_CHANCES, embed_every_time, marked, run_mark
from nearhit.cache import context_match, conversation, learned_add, referent, turns
from nearhit.cache import conversation_lookup as cl
from nearhit.config import load_settings
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request

Spent = defaultdict[str, float]
"""CPU seconds by stage or helper (``helper in stage`` for a helper's share under the stage that called it)."""

STAGES = (
    (cl, "embed_ahead"),
    (cl, "after_the_answer"),
    (referent, "after_same_turns"),
    (cl, "turn_by_turn"),
    (cl, "user_turns"),
    (learned_add, "serve"),
    (cl, "as_one_question"),
)
HELPERS = (
    (cl, "_turn_chances"),
    (cl, "_users_chances"),
    (turns, "readings"),
    (cl, "_may_serve"),
    (cl, "_may_match"),
    (cl, "_judge"),
    (cl, "_matched_at_one"),
    (context_match, "reach"),
    (conversation, "differs"),
    (turns, "may_leave_out"),
)


def _timed_async(spent: Spent, stack: list[str], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        stack.append(name)
        try:
            return await function(*args, **kwargs)
        finally:
            stack.pop()
            spent[name] += time.thread_time() - started

    return timed


def _timed(
    spent: Spent, calls: Counter[str], stack: list[str], name: str, function: Callable[..., Any]
) -> Callable[..., Any]:
    depth = [0]

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        calls[f"{name} in {stack[-1] if stack else '?'}"] += 1
        if depth[0]:  # nested in itself (_users_chances inside _turn_chances is another name): counted once
            return function(*args, **kwargs)
        depth[0] += 1
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            taken = time.thread_time() - started
            spent[name] += taken
            spent[f"{name} in {stack[-1] if stack else '?'}"] += taken
            depth[0] -= 1

    return timed


async def measure(name: str, run: str) -> dict[str, list[tuple[Spent, Counter[str], float]]]:
    """Per outcome, each lookup's CPU seconds by stage and helper, helper calls, and its wall total (ms), its texts
    marked with ``run`` (:func:`run_mark`: the same lookups pass in every run)."""
    spent: Spent = defaultdict(float)
    calls: Counter[str] = Counter()
    stack: list[str] = []
    originals = [(module, attr, getattr(module, attr)) for module, attr in (*STAGES, *HELPERS)]
    by_outcome: dict[str, list[tuple[Spent, Counter[str], float]]] = defaultdict(list)
    async with scratch_cache(load_settings()) as cache:
        pairs = [p for p in dataset.load(name, "dev") if p.a.history and p.b.history]
        embed_every_time(cache)
        for pair in pairs:
            await cache.store(request(cache, f"c{run}", pair.a), "an answer")
        for module, attr, function in originals:
            wrapped = (
                _timed_async(spent, stack, attr, function)
                if asyncio.iscoroutinefunction(function)
                else _timed(spent, calls, stack, attr, function)
            )
            setattr(module, attr, wrapped)
        try:
            for pair in pairs:
                side = dataset.Side(*marked(pair.b, run))
                await cache.background.drain()
                spent.clear()
                calls.clear()
                started = time.thread_time()
                result = await cache.lookup(request(cache, f"c{run}", side))
                spent["lookup"] = time.thread_time() - started
                ran = [stage for stage in result.timings_ms if stage in SECOND_CHANCES]
                outcome = "missed" if not result.hit else "second chance" if ran else "first look"
                by_outcome[outcome].append((defaultdict(float, spent), Counter(calls), result.timings_ms["total"]))
        finally:
            for module, attr, function in originals:
                setattr(module, attr, function)
    return by_outcome


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", help="dev splits to store and look up")
    args = parser.parse_args()
    names = ["lookup", *(attr for _, attr in STAGES), *(attr for _, attr in HELPERS)]
    for n, name in enumerate(args.sets):
        by_outcome = asyncio.run(measure(name, run_mark(n)))
        print(f"\n## {name}: the loop's CPU ms (thread_time), by outcome\n")
        print("| outcome | lookups | wall p50 | " + " | ".join(names) + " |")
        print("|---|---|---|" + "---|" * len(names))
        for outcome, rows in sorted(by_outcome.items()):
            walls = [wall for *_, wall in rows]
            cells = []
            for stage in names:
                cells.append(f"{sum(spent[stage] for spent, _, _ in rows) * 1000 / len(rows):.2f}")
            print(f"| {outcome} | {len(rows)} | {statistics.median(walls):.1f} | " + " | ".join(cells) + " |")
        print("\nhelper calls and CPU ms a lookup (mean), by the stage that called them, by outcome\n")
        for outcome, rows in sorted(by_outcome.items()):
            total: Counter[str] = Counter()
            ms: Spent = defaultdict(float)
            for spent, counted, _ in rows:
                total.update(counted)
                for key, value in spent.items():
                    ms[key] += value
            shown = (f"{k} {v / len(rows):.1f} ({ms[k] * 1000 / len(rows):.2f} ms)" for k, v in sorted(total.items()))
            print(f"- {outcome}: " + ", ".join(shown))


if __name__ == "__main__":
    cli()
