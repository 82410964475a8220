"""A reworded follow-up after the very same turns, judged with the turn it follows: how near two follow-ups read
alone (what the cache compares), and each told after the last user turn, the last assistant turn, or both
(the same text prepended on both sides, since the turns are the same), should-hits against traps; only the
pairs the conversation checks let through (:func:`conversation.states_more`, :func:`conversation.other_referent`)
and no default guard vetoes at the question alone's similarity. Then the rule "served if alone at least the
same-turns floor, or told with the turn at least X and alone at least Y", its counts per (X, Y) and chosen
leave-one-set-out.

Dev splits only (the test splits are never loaded); the default embedder, no Redis, no LLM:

    PYTHONPATH=src:benchmarks python benchmarks/followup_with_turn.py [--json rows.json]   # or --rows rows.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from dataclasses import asdict, dataclass

from nearhit.cache import context_match
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder
from nearhit.guards import GuardSet
from same_turns_probe import same_turn_pairs

THRESHOLD = 0.76
SAME_TURNS_FLOOR = THRESHOLD - context_match.SAME_TURNS_MARGIN
AFTER_ANSWER_THRESHOLD, AFTER_ANSWER_FLOOR = context_match.AFTER_ANSWER_THRESHOLD, context_match.AFTER_ANSWER_FLOOR
KINDS = ("alone", "user", "assistant", "both")


@dataclass(frozen=True)
class Row:
    pair: str
    category: str
    same_answer: bool
    passes: bool
    unvetoed: bool
    refused: str
    """What refuses the pair whatever its similarity: a check (states_more, other_referent) or a guard; "" none."""
    alone: float
    user: float
    assistant: float
    both: float


def _last(context: cv.Context, role: str) -> str:
    return next((text for r, text in reversed(context.turns) if r == role), "")


def tellings(context: cv.Context, question: str) -> list[str]:
    """The follow-up alone, after the last user turn, after the last assistant turn (what the cache embeds:
    :func:`conversation.after_answer`), after both."""
    user, assistant = _last(context, "user"), _last(context, "assistant")
    after = cv.after_answer(context, question) or question
    return [question, f"{user}\n{question}", after, f"{user}\n{assistant}\n{question}"]


async def rows(embedder: LocalEmbedder, guards: GuardSet) -> list[Row]:
    found: list[Row] = []
    for pair, a, qa, b, qb in same_turn_pairs():
        texts = tellings(a, qa) + tellings(b, qb)
        v = await embedder.embed([normalise(text) for text in texts])
        sims = [float(v[k] @ v[k + 4]) for k in range(4)]
        check = "states_more" if cv.states_more(qb, qa) else "other_referent" if cv.other_referent(qb, qa) else ""
        verdict = None if check else guards.first_rejection(qb, qa, sims[0])
        refused = check or (f"guard: {verdict.guard}" if verdict is not None else "")
        found.append(Row(pair.id, pair.category, pair.same_answer, not check, not refused, refused, *sims))
    return found


def served(found: list[Row], kind: str, floor: float, alone_floor: float) -> tuple[int, int]:
    """Should-hits and traps served beyond today's floor by ``kind`` at ``floor`` (alone at least ``alone_floor``)."""
    more = [
        r
        for r in found
        if r.unvetoed and r.alone < SAME_TURNS_FLOOR and getattr(r, kind) >= floor and r.alone >= alone_floor
    ]
    return sum(r.same_answer for r in more), sum(not r.same_answer for r in more)


def leave_one_out(found: list[Row]) -> None:
    """The told-after-the-answer floor and the alone floor chosen on the other sets (should-hits less three per
    trap; the highest floors among equals), read on the set left out."""
    grid = [(t / 100, a) for t in range(80, 96) for a in (0.0, 0.2, 0.3, 0.4)]

    def gain(rows: list[Row], floors: tuple[float, float]) -> tuple[int, float, float]:
        hits, traps = served(rows, "assistant", floors[0] - 1e-9, floors[1])
        return hits - 3 * traps, *floors

    print("\n| left out | floors chosen (told, alone) | should-hits, traps more on it |\n|---|---|---|")
    for prefix in sorted({r.pair.split("-")[0] for r in found}):
        rest = [r for r in found if r.pair.split("-")[0] != prefix]
        chosen = max(grid, key=lambda floors: gain(rest, floors))
        out = [r for r in found if r.pair.split("-")[0] == prefix]
        print(f"| {prefix} | {chosen} | {served(out, 'assistant', chosen[0] - 1e-9, chosen[1])} |")


def no_trap(found: list[Row]) -> None:
    """Each of today's two floors (the told-after-the-answer one, the alone one) walked down from today's with the
    other kept, chosen on the other sets: the lowest at which no other set serves a trap more than today, there
    and one step lower (never a floor right next to a trap), should-hits rising; read on the set left out."""
    today = (AFTER_ANSWER_THRESHOLD, AFTER_ANSWER_FLOOR)
    grids = {
        "told": [(t / 100, today[1]) for t in range(round(today[0] * 100) - 1, 79, -1)],
        "alone": [(today[0], a) for a in (0.25, 0.2, 0.1, 0.0) if a < today[1]],
    }
    prefixes = sorted({r.pair.split("-")[0] for r in found})

    def per_set(rows: list[Row], floors: tuple[float, float]) -> dict[str, tuple[int, int]]:
        return {p: served([r for r in rows if r.pair.startswith(f"{p}-")], "assistant", *floors) for p in prefixes}

    for name, grid in grids.items():
        print(f"\n| left out ({name} floor walked) | no-trap floors chosen | today's | at them |\n|---|---|---|---|")
        for prefix in prefixes:
            rest = [r for r in found if not r.pair.startswith(f"{prefix}-")]
            base, chosen = per_set(rest, today), today
            for k, floors in enumerate(grid[:-1]):
                now, after = per_set(rest, floors), per_set(rest, grid[k + 1])
                if any(now[p][1] > base[p][1] for p in prefixes):
                    break
                more = sum(now[p][0] - base[p][0] for p in prefixes)
                if more > 0 and not any(after[p][1] > base[p][1] for p in prefixes):
                    chosen = floors
            out = [r for r in found if r.pair.startswith(f"{prefix}-")]
            print(f"| {prefix} | {chosen} | {served(out, 'assistant', *today)} | {served(out, 'assistant', *chosen)} |")


def stage(r: Row) -> str:
    """Where a pair after the same turns stops, as the cache judges it (the same-turns floor, then this rule)."""
    if r.refused:
        return r.refused
    if r.alone >= SAME_TURNS_FLOOR:
        return "served today"
    if r.alone >= AFTER_ANSWER_FLOOR and r.assistant >= AFTER_ANSWER_THRESHOLD:
        return "served after the answer"
    return "under both floors"


def report(found: list[Row]) -> None:
    hits, traps = [r for r in found if r.same_answer], [r for r in found if not r.same_answer]
    print(f"pairs after the same turns: {len(hits)} should-hits, {len(traps)} traps")
    print("\n| should-hits after the same turns, by category | where they stop | pairs |\n|---|---|---|")
    for (category, where), n in sorted(Counter((r.category, stage(r)) for r in hits).items()):
        print(f"| {category} | {where} | {n} |")
    print("\n| traps after the same turns | where they stop | pairs |\n|---|---|---|")
    for where, n in sorted(Counter(stage(r) for r in traps).items()):
        print(f"| (all) | {where} | {n} |")
    unvetoed = [r for r in found if r.unvetoed]
    print(
        f"checks pass, no guard vetoes: {sum(r.same_answer for r in unvetoed)} should-hits, "
        f"{sum(not r.same_answer for r in unvetoed)} traps; today (alone >= {SAME_TURNS_FLOOR:.2f}): "
        f"{sum(r.same_answer and r.alone >= SAME_TURNS_FLOOR for r in unvetoed)}, "
        f"{sum(not r.same_answer and r.alone >= SAME_TURNS_FLOOR for r in unvetoed)}"
    )
    print("\nunvetoed, under today's floor: each pair's similarities")
    for r in sorted(unvetoed, key=lambda r: -r.both):
        if r.alone < SAME_TURNS_FLOOR:
            print(
                f"  {'hit ' if r.same_answer else 'TRAP'} {r.pair:40} alone {r.alone:.3f} user {r.user:.3f} "
                f"assistant {r.assistant:.3f} both {r.both:.3f}"
            )
    print("\n| told with | at least | alone at least | should-hits more | traps more |\n|---|---|---|---|---|")
    for kind in KINDS[1:]:
        for floor in (0.95, 0.93, 0.9, 0.88, 0.85, 0.8):
            for alone_floor in (0.0, 0.3, 0.4, 0.5):
                h, t = served(found, kind, floor, alone_floor)
                print(f"| {kind} | {floor:.2f} | {alone_floor:.2f} | {h} | {t} |")
    leave_one_out(found)
    no_trap(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the rows here")
    parser.add_argument("--rows", help="read the rows from here (a --json file) instead of embedding them")
    args = parser.parse_args()
    if args.rows:
        with open(args.rows, encoding="utf-8") as saved:
            found = [Row(**row) for row in json.load(saved)]
    else:
        found = asyncio.run(rows(LocalEmbedder(), GuardSet.default()))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([asdict(r) for r in found], out)
    report(found)


if __name__ == "__main__":
    main()
