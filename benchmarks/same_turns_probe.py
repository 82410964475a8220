"""Conversations whose earlier turns are the same after normalising (user and assistant turns alike): how near
their last questions are, asked alone (what the cache compares) and told as one question (the user's turns,
then the question), should-hits against traps; and the same with only the pairs whose questions the
conversation checks let through (:func:`conversation.states_more`, :func:`conversation.other_referent`), and
of those, the pairs no default guard vetoes (judged at the question alone's similarity): how far a floor could
drop before the traps the guards miss are served.

Dev splits only (the test splits are never loaded); the default embedder, no Redis, no LLM:

    PYTHONPATH=src:benchmarks python benchmarks/same_turns_probe.py
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

from conversation_retold import looked_up
from nearhit.cache import context_match
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.guards import GuardSet

FLOORS = (0.95, 0.9, 0.88, 0.85, 0.8, 0.76, 0.68, 0.6, 0.0)


@dataclass(frozen=True)
class Row:
    pair: str
    same_answer: bool
    passes: bool
    unvetoed: bool
    alone: float
    told: float


def _turns(context: cv.Context) -> list[tuple[str, str]]:
    return [(role, normalise(text)) for role, text in context.turns]


def same_turn_pairs() -> Iterator[tuple[dataset.Pair, cv.Context, str, cv.Context, str]]:
    """Each dev pair whose sides are conversations after the same turns (normalised): the pair, then each side's
    context and question as the service reads them."""
    for name in dataset.CONVERSATION_SETS:
        for pair in dataset.load(name, "dev"):
            (a, qa), (b, qb) = looked_up(pair.a), looked_up(pair.b)
            if a is not None and b is not None and _turns(a) == _turns(b):
                yield pair, a, qa, b, qb


async def rows(embedder: LocalEmbedder, guards: GuardSet) -> list[Row]:
    found: list[Row] = []
    for pair, a, qa, b, qb in same_turn_pairs():
        texts = [qa, qb, cv.told_as_one(a, qa), cv.told_as_one(b, qb)]
        v = await embedder.embed([normalise(text) for text in texts])
        passes = cv.states_more(qb, qa) is None and cv.other_referent(qb, qa) is None
        alone = float(v[0] @ v[1])
        unvetoed = passes and guards.first_rejection(qb, qa, alone) is None
        found.append(Row(pair.id, pair.same_answer, passes, unvetoed, alone, float(v[2] @ v[3])))
    return found


def table(title: str, found: list[Row]) -> None:
    hits, traps = [r for r in found if r.same_answer], [r for r in found if not r.same_answer]
    print(f"\n{title}\n\n| at least | alone: should-hits | alone: traps | told: should-hits | told: traps |")
    print("|---|---|---|---|---|")
    for floor in FLOORS:
        cells = [sum(getattr(r, kind) >= floor for r in rows) for kind in ("alone", "told") for rows in (hits, traps)]
        counts = [f"{n}/{len(hits) if k % 2 == 0 else len(traps)}" for k, n in enumerate(cells)]
        print(f"| {floor:.2f} | {' | '.join(counts)} |")


async def main() -> None:
    found = await rows(LocalEmbedder(), GuardSet.default())
    table("Every pair after the same turns", found)
    table("Only the pairs the conversation checks let through", [r for r in found if r.passes])
    table("Only the pairs the checks let through and no guard vetoes", [r for r in found if r.unvetoed])
    leave_one_out(found)


MARGINS = (0.08, 0.10, 0.12, 0.14, 0.16, 0.17, 0.18, 0.19, 0.20, 0.22, 0.24)
THRESHOLD = 0.76


def leave_one_out(found: list[Row]) -> None:
    """``SAME_TURNS_MARGIN`` chosen on the other sets, read on the set left out: by should-hits less three per
    trap (the pairs the checks let through and no guard vetoes, at least the threshold less the margin); and
    no-trap, the widest margin from today's at which no other set serves a trap more than today, there and one
    step wider (never a margin right next to a trap), should-hits rising."""

    def served(rows: list[Row], margin: float) -> tuple[int, int]:
        reached = [r for r in rows if r.unvetoed and r.alone >= THRESHOLD - margin - 1e-9]
        return sum(r.same_answer for r in reached), sum(not r.same_answer for r in reached)

    def gain(rows: list[Row], margin: float) -> int:
        hits, traps = served(rows, margin)
        return hits - 3 * traps

    def no_trap(rows: list[Row]) -> float:
        sets = {r.pair.split("-")[0] for r in rows}
        today = {name: served([r for r in rows if r.pair.startswith(f"{name}-")], TODAY) for name in sets}
        wider = [m for m in MARGINS if m > TODAY]
        chosen = TODAY
        for k, margin in enumerate(wider):
            now = {name: served([r for r in rows if r.pair.startswith(f"{name}-")], margin) for name in sets}
            if any(now[name][1] > today[name][1] for name in sets) or k + 1 == len(wider):
                break
            after = {name: served([r for r in rows if r.pair.startswith(f"{name}-")], wider[k + 1]) for name in sets}
            more = sum(now[name][0] - today[name][0] for name in sets)
            if more > 0 and not any(after[name][1] > today[name][1] for name in sets):
                chosen = margin
        return chosen

    print(
        f"\n| left out | margin chosen | should-hits, traps at 0.08 | at the margin chosen | at today's {TODAY} "
        "| no-trap margin chosen | at it |\n|---|---|---|---|---|---|---|"
    )
    for prefix in sorted({r.pair.split("-")[0] for r in found}):
        out = [r for r in found if r.pair.split("-")[0] == prefix]
        rest = [r for r in found if r.pair.split("-")[0] != prefix]
        chosen = max(MARGINS, key=lambda m: (gain(rest, m), -m))
        safe = no_trap(rest)
        print(
            f"| {prefix} | {chosen:.2f} | {served(out, 0.08)} | {served(out, chosen)} | {served(out, TODAY)} "
            f"| {safe:.2f} | {served(out, safe)} |"
        )


TODAY = context_match.SAME_TURNS_MARGIN


if __name__ == "__main__":
    asyncio.run(main())
