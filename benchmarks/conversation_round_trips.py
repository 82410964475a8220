"""How many round trips to Redis a conversation's lookup makes, by outcome and, beyond the first look, by stage and
by the commands each carried (issue 14: a miss's second chances waited on round trips one after another).

Stores fow-cache's dev conversations and looks each one up once as ``conversation_latency.py`` does (its question as
the pair asks it, its first turn marked: ``conversation_latency.marked``; until lt63 its question was marked too, which
the lookup split off as a user turn of its own); counts every command write the lookup's own task sends (not the
background's). The counts are exact, not timings: a tree's figure does not move with the machine's load, nor from run
to run (one mark, ``RUN_MARK``, in every run, every stored vector read as absent).

    PYTHONPATH=src:benchmarks python benchmarks/conversation_round_trips.py
"""

from __future__ import annotations

import asyncio
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import connection

from conversation_latency import RUN_MARK, SECOND_CHANCES, embed_every_time, marked
from nearhit.cache import conversation_lookup
from nearhit.config import load_settings
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request

STAGES = ("embed_ahead", "after_the_answer", "turn_by_turn", "user_turns", "as_one_question")
_COMMAND = re.compile(rb"\*\d+\r\n\$\d+\r\n([A-Za-z.]+)\r\n")


class Counted:
    """The round trips of one task, by the stage running and the commands sent together."""

    def __init__(self) -> None:
        self.stage = "first look"
        self.task: asyncio.Task[Any] | None = None
        self.trips: Counter[tuple[str, str]] = Counter()

    def install(self) -> None:
        send = connection.AbstractConnection.send_packed_command

        async def counted(conn: Any, command: Any, *args: Any, **kwargs: Any) -> None:
            if asyncio.current_task() is self.task:
                parts = command if isinstance(command, list | tuple) else [command]
                packed = b"".join(bytes(part) for part in parts)
                names = sorted({name.decode().upper() for name in _COMMAND.findall(packed)})
                self.trips[(self.stage, "+".join(names))] += 1
            await send(conn, command, *args, **kwargs)

        connection.AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]
        for name in STAGES:
            setattr(conversation_lookup, name, self.staged(name, getattr(conversation_lookup, name)))

    def staged(self, name: str, stage: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(*args: Any, **kwargs: Any) -> Any:
            before, self.stage = self.stage, name
            try:
                return await stage(*args, **kwargs)
            finally:
                self.stage = before

        return run


async def main() -> None:
    counted = Counted()
    counted.install()
    pairs = [p for p in dataset.load("conversations", "dev") if p.a.history]
    run = RUN_MARK
    totals: dict[str, list[int]] = defaultdict(list)
    kinds: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    async with scratch_cache(load_settings()) as cache:
        embed_every_time(cache)
        for pair in pairs:
            await cache.store(request(cache, f"t{run}", pair.a), "an answer")
        await cache.background.drain()
        counted.task = asyncio.current_task()
        for pair in pairs:
            counted.trips.clear()
            side = dataset.Side(*marked(pair.b, run))
            result = await cache.lookup(request(cache, f"t{run}", side))
            second = any(stage in result.timings_ms for stage in SECOND_CHANCES)
            outcome = (
                ("served by a second chance" if second else "served at the first look") if result.hit else "missed"
            )
            totals[outcome].append(sum(counted.trips.values()))
            kinds[outcome].update({key: n for key, n in counted.trips.items() if key[0] != "first look"})
    for outcome, trips in totals.items():
        print(f"{outcome}: {len(trips)} lookups, round trips a lookup: mean {statistics.fmean(trips):.2f}")
        for (stage, commands), n in sorted(kinds[outcome].items()):
            print(f"    {stage:16} {commands:28} {n / len(trips):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
