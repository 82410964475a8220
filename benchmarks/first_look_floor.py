"""Where a conversation's first look spends what a single question's does not, part by part, and its floor.

Stores fow-cache's dev conversations and asks each last question alone and after its earlier turns, one at a time,
as ``conversation_latency.py`` does (the same marks, every embedding paid; ``--mark-first`` and ``--mark-after`` mark
the question instead, :func:`_marked`), and splits each first look (the embedding
left out) into its parts, each timed by a wrapper around the function that does it:

- ``exact``: the stage (its round trip and what precedes it), of which the embedder's input of each text whose
  stored vector it reads (short forms spelt out, typos repaired: ``embedding_store._embedder_input``);
- ``knn``: the stage, of which the round trip (Redis's search and the wait; the work done meanwhile taken out) and
  the reply's parsing (``index.parse_search_reply``);
- ``context``: the stage, of which the costliest comparison of two conversations' turns (``conversation.differs``,
  nearly always the pair's own stored side: the row the verdict rests on) as it ran, and the same call repeated at
  once with every per-text reading kept (the comparison alone, the asking side's first readings taken out);
- the judge (the guards for a conversation, the decision for a single question) and the rest.

The last line reads the conversation's figure again as if the asking side's turns had been read before (the costliest
comparison at its repeated cost): what a cache of the asking side's readings could give at most, where a chat's
earlier lookup had read them.

``--profile FILE``: a cProfile of the conversations' first looks alone (their requests built, as the CPU column counts
them; the single questions' and the turns before left out), written to ``FILE`` and its 40 costliest functions by
their own time printed (``pstats`` reads it again). The profiler slows what it watches, the conversations' columns
with it: take the figures from a run without it.

    PYTHONPATH=src python benchmarks/first_look_floor.py [--rounds 2] [--after-turn | --after-hit]
        [--mark-first | --mark-after] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from conversation_latency import FIRST_LOOK_STAGES, embed_every_time, fresh, marked, run_mark
from nearhit.cache import SemanticCache, conversation, embedding_store, semantic_cache
from nearhit.cache import index as idx
from nearhit.config import load_settings
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request

Spans = dict[str, float]

TURN, FIRST, AFTER = "turn", "first", "after"
"""Where a lookup's mark goes: a conversation's on its first turn, its question as the pair asks it, a single question's
after it (``conversation_latency.marked``, the default); before every prompt (``--mark-first``); after every prompt
(``--mark-after``, ``conversation_latency.py`` before lt62)."""


class Timed:
    """The wrappers around the parts, adding each call's ms to the lookup in progress (:attr:`spans`)."""

    def __init__(self) -> None:
        self.spans: Spans = defaultdict(float)
        self.reads = 0
        self.costliest: tuple[float, tuple[Any, ...], dict[str, Any]] | None = None

    def start(self) -> None:
        self.spans, self.reads, self.costliest = defaultdict(float), 0, None

    def install(self) -> None:
        self._wrap(embedding_store, "_embedder_input", "exact: embedder input")
        self._wrap(idx, "parse_search_reply", "knn: parse")
        read, differs = semantic_cache.reads, conversation.differs

        async def reads(*args: Any, meanwhile: Callable[[], None] | None = None, **options: Any) -> Any:
            name = "exact: round trip" if self.reads == 0 else "knn: round trip"
            self.reads += 1
            spent = [0.0]

            def timed_meanwhile() -> None:
                began = time.perf_counter()
                assert meanwhile is not None
                meanwhile()
                spent[0] += time.perf_counter() - began

            began = time.perf_counter()
            try:
                return await read(*args, meanwhile=timed_meanwhile if meanwhile else None, **options)
            finally:
                self.spans[name] += (time.perf_counter() - began - spent[0]) * 1000

        def timed_differs(*args: Any, **options: Any) -> str | None:
            began = time.perf_counter()
            verdict = differs(*args, **options)
            ms = (time.perf_counter() - began) * 1000
            self.spans["context: every comparison"] += ms
            if self.costliest is None or ms > self.costliest[0]:
                self.costliest = ms, args, options
            return verdict

        semantic_cache.reads = reads  # type: ignore[assignment]
        conversation.differs = timed_differs
        self._differs = differs

    def repeat_costliest(self) -> None:
        """The costliest comparison run again at once: every reading of both sides kept (the comparison alone)."""
        if self.costliest is None:
            return
        ms, args, options = self.costliest
        began = time.perf_counter()
        self._differs(*args, **options)
        self.spans["context: costliest comparison"] = ms
        self.spans["context: the same, readings kept"] = (time.perf_counter() - began) * 1000

    def _wrap(self, module: Any, name: str, span: str) -> None:
        function = getattr(module, name)

        def timed(*args: Any, **options: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **options)
            finally:
                self.spans[span] += (time.perf_counter() - began) * 1000

        setattr(module, name, timed)


PARTS = (
    "exact",
    "exact: embedder input",
    "exact: round trip",
    "exact: the rest",
    "knn",
    "knn: round trip",
    "knn: parse",
    "knn: the rest",
    "context",
    "context: every comparison",
    "context: costliest comparison",
    "context: the same, readings kept",
    "context: the rest",
    "judge",
    "first look less the embed",
    "first look's CPU (this thread)",
)


async def main(
    rounds: int, after_turn: bool, mark: str = TURN, after_hit: bool = False, profile: str | None = None
) -> None:
    after_turn = after_turn or after_hit
    profiler = cProfile.Profile() if profile else None
    before = "its turn before served by a hit" if after_hit else "its turn before stored"
    pairs = [p for p in dataset.load("conversations", "dev") if p.a.history]
    timed = Timed()
    timed.install()
    looks: dict[str, list[Spans]] = defaultdict(list)
    async with scratch_cache(load_settings()) as cache:
        embed_every_time(cache)
        for pair in pairs:
            await cache.store(request(cache, f"t{run_mark()}", pair.a), "an answer")
        for number in range(rounds):
            for index, pair in enumerate(pairs):
                run = run_mark(1 + 3 * number)
                looks["single question"].append(
                    await _look(cache, timed, dataset.Side(_marked(pair.b.prompt, f"{run}s", mark == FIRST), ()))
                )
                modes = (True, False) if (index + number) % 2 == 0 else (False, True)
                for read in modes if after_turn else (False,):
                    run = run_mark(2 + 3 * number + int(read))
                    asked = (
                        dataset.Side(*marked(pair.b, run))
                        if mark == TURN
                        else dataset.Side(_marked(pair.b.prompt, f"{run}c", mark == FIRST), fresh(pair.b.history, run))
                    )
                    if after_turn:
                        await _turn_before(cache, asked, read, after_hit)
                    name = (
                        (f"conversation, {before}" + (", read ahead" if read else "")) if after_turn else "conversation"
                    )
                    looks[name].append(await _look(cache, timed, asked, profiler))
    print(
        f"{len(pairs)} pairs x {rounds} rounds, one lookup at a time; p50 and mean ms of each part over every lookup "
        "(a part a lookup does not run: 0)\n"
    )
    names = list(looks)
    print(f"| part | {' | '.join(f'{name} p50 / mean' for name in names)} |")
    print(f"|---|{'---|' * len(names)}")
    for part in PARTS:
        cells = " | ".join("{:.3f} / {:.3f}".format(*_p50_mean(looks[name], part)) for name in names)
        print(f"| {part} | {cells} |")
    single = _p50_mean(looks["single question"], "first look less the embed")[0]
    print()
    for name in names[1:]:
        figure = _p50_mean(looks[name], "first look less the embed")[0]
        ceiling = statistics.median(
            spans["first look less the embed"]
            - spans.get("context: costliest comparison", 0.0)
            + spans.get("context: the same, readings kept", 0.0)
            for spans in looks[name]
        )
        print(
            f"{name}: first look less the embed p50 {figure:.3f} ms, {figure - single:+.3f} over the single question; "
            f"its costliest comparison at its repeated cost {ceiling:.3f} ms, {ceiling - single:+.3f}"
        )
    if profiler is not None and profile is not None:
        profiler.dump_stats(profile)
        print(f"\nThe conversations' first looks under cProfile ({profile}), by each function's own time:\n")
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)


async def _turn_before(cache: SemanticCache, asked: dataset.Side, read: bool, hit: bool = False) -> None:
    """The chat's turn before ``asked`` as the service runs it (looked up, its answer stored: the turns' last
    exchange), in a tenant of its own (its entry is no candidate of the lookups timed), the store's background work
    done before ``asked`` comes (the user reads the answer meanwhile); ``read``: the next turn read ahead or not.
    ``hit``: that turn stored without the read, then asked again and served (an exact hit), the next turn read ahead
    after the hit as the service reads it (``SemanticCache.read_next_turn_after``, the served text) or not."""
    (_, question), (_, answer) = asked.history[-2:]
    tenant = f"p{run_mark()}"
    before = request(cache, tenant, dataset.Side(question, asked.history[:-2]))
    cache.read_next_turn = read and not hit
    await cache.lookup(before)
    await cache.store(before, answer)
    await cache.background.drain()
    if hit:
        cache.read_next_turn = read
        again = request(cache, tenant, dataset.Side(question, asked.history[:-2]))
        served = await cache.lookup(again)
        assert served.answer is not None, "the turn before, asked again, is an exact hit"
        cache.read_next_turn_after(again, served.answer.response)
        await cache.background.drain()


async def _look(
    cache: SemanticCache, timed: Timed, side: dataset.Side, profiler: cProfile.Profile | None = None
) -> Spans:
    """One first look of ``side``, split into its parts (:data:`PARTS`), under ``profiler`` when given; its second
    chances run after."""
    timed.start()
    if profiler is not None:
        profiler.enable()
    cpu = time.thread_time()
    first = await cache.first_look(request(cache, f"t{run_mark()}", side))
    cpu = (time.thread_time() - cpu) * 1000
    if profiler is not None:
        profiler.disable()
    timed.repeat_costliest()
    stages = first.result.timings_ms
    spans = dict(timed.spans)
    spans.update({stage: stages.get(stage, 0.0) for stage in ("exact", "knn", "context")})
    spans["exact: the rest"] = (
        spans["exact"] - spans.get("exact: embedder input", 0.0) - spans.get("exact: round trip", 0.0)
    )
    spans["knn: the rest"] = spans["knn"] - spans.get("knn: round trip", 0.0) - spans.get("knn: parse", 0.0)
    spans["context: the rest"] = spans["context"] - spans.get("context: every comparison", 0.0)
    spans["judge"] = stages.get("guards", 0.0) + stages.get("decision", 0.0)
    spans["first look's CPU (this thread)"] = cpu
    spans["first look less the embed"] = sum(stages.get(stage, 0.0) for stage in FIRST_LOOK_STAGES)
    if first.pending:
        await first.finish()
    return spans


def _marked(prompt: str, mark: str, first: bool) -> str:
    """``prompt`` marked after it (as ``conversation_latency.py`` marked a conversation's question before lt62), or
    before it (``first``): after a question, "(mark)" is split off as a statement of its own (``AskRequest``'s
    ``split_statements``), a user turn the conversation's context then ends with; before it, not split, but the
    question's opening words are no longer read as its start (``conversation_latency.marked``)."""
    return f"({mark}) {prompt}" if first else f"{prompt} ({mark})"


def _p50_mean(looks: list[Spans], part: str) -> tuple[float, float]:
    values = [spans.get(part, 0.0) for spans in looks]
    return statistics.median(values), statistics.fmean(values)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="each pair asked this many times, marked apart")
    parser.add_argument(
        "--after-turn",
        action="store_true",
        help="each conversation asked after its chat's turn before it (looked up, stored), with that turn's store "
        "reading the next turn ahead and not (read_next_turn), alternated",
    )
    marks = parser.add_mutually_exclusive_group()
    marks.add_argument(
        "--mark-first",
        dest="mark",
        action="store_const",
        const=FIRST,
        default=TURN,
        help="each prompt's mark before it, not a conversation's on its first turn (its opening words then read "
        "otherwise)",
    )
    marks.add_argument(
        "--mark-after",
        dest="mark",
        action="store_const",
        const=AFTER,
        help="each prompt's mark after it, as before lt62 (after a question, the lookup splits it off as a user turn)",
    )
    parser.add_argument(
        "--after-hit",
        action="store_true",
        help="as --after-turn, the turn before stored without the read, then asked again and served by a hit, which "
        "reads the next turn ahead (as the service does) and not, alternated",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="a cProfile of the conversations' first looks, written to FILE (pstats)"
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.after_turn, arguments.mark, arguments.after_hit, arguments.profile))
