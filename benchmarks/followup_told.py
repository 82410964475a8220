"""A reworded follow-up after the very same turns, read twice: told after the assistant's last turn (what
:func:`conversation_lookup.after_the_answer` compares, :data:`context_match.AFTER_ANSWER_THRESHOLD`) and as the
story told as one question (the user's turns, then the follow-up: :func:`conversation.told_as_one`, what a
conversation's twin holds). Neither alone separates a rewording from a question swapped after the same turns
(``topic_shift``, ``last_question_trap``): a trap reads close on one of them, rarely on both. Over the conversation
dev splits' pairs with both sides conversations after the very same turns, the question under the same-turns
floor (0.60) and the checks (:func:`conversation.states_more`, :func:`conversation.other_referent`) and the default
guards (at the question's own similarity) letting them through: should-hits and traps each (after, told) floor
adds beyond what the cache serves today (after the answer ≥ 0.88, or the referent filled in ≥ 0.76), the alone
floor 0.30 kept; then both floors chosen leave-one-set-out (the most should-hits on the other sets with no trap
there, at the floors and one grid step lower), read on the set left out. Dev splits only (the test splits are
never loaded); the default embedder, no Redis:

    PYTHONPATH=src:benchmarks python benchmarks/followup_told.py      # ~8 min on 2 shared cores at load ~14
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conversation_retold import looked_up
from followup_representations import Vectors
from nearhit.cache import context_match, referent
from nearhit.cache import conversation as cv
from nearhit.evaluation import dataset
from nearhit.guards import GuardSet

THRESHOLD = 0.76
SAME_TURNS_FLOOR = THRESHOLD - context_match.SAME_TURNS_MARGIN
AFTERS = [x / 100 for x in range(87, 69, -1)]
TOLDS = [x / 100 for x in range(70, 93)]


@dataclass(frozen=True)
class Row:
    pair: str
    category: str
    should_hit: bool
    alone: float
    after: float
    told: float
    today: bool


async def rows(vectors: Vectors, guards: GuardSet) -> list[Row]:
    found: list[Row] = []
    for name in dataset.CONVERSATION_SETS:
        for pair in dataset.load(name, "dev"):
            (ca, qa), (cb, qb) = looked_up(pair.a), looked_up(pair.b)
            if ca is None or cb is None or not context_match.same_turns(ca, cb):
                continue
            va, vb = await vectors.of([qa, qb])
            alone = float(va @ vb)
            if alone >= SAME_TURNS_FLOOR or cv.states_more(qb, qa) or cv.other_referent(qb, qa):
                continue
            if cv.differs(qb, cb, ca, 1.0, qa) is not None or guards.first_rejection(qb, qa, alone) is not None:
                continue
            ta, tb, oa, ob = await vectors.of(
                [
                    cv.after_answer(ca, qa) or qa,
                    cv.after_answer(cb, qb) or qb,
                    cv.told_as_one(ca, qa),
                    cv.told_as_one(cb, qb),
                ]
            )
            resolved = 0.0
            for mine, other in ((qb, qa), (qa, qb)):
                text = referent.resolved(cb, mine, other)
                if text is not None:
                    r = await vectors.of([text, other])
                    resolved = max(resolved, float(r[0] @ r[1]))
            after = float(ta @ tb)
            today = (after >= context_match.AFTER_ANSWER_THRESHOLD and alone >= context_match.AFTER_ANSWER_FLOOR) or (
                resolved >= THRESHOLD
            )
            found.append(Row(pair.id, pair.category, pair.same_answer, alone, after, float(oa @ ob), today))
    return found


def more(found: list[Row], rule: Callable[[Row], bool]) -> tuple[int, list[str]]:
    """Should-hits and the traps (their ids) ``rule`` serves beyond today's, the alone floor kept."""
    served = [r for r in found if not r.today and r.alone >= context_match.AFTER_ANSWER_FLOOR and rule(r)]
    return sum(r.should_hit for r in served), [r.pair for r in served if not r.should_hit]


def report(found: list[Row]) -> None:
    print(f"pairs: {sum(r.should_hit for r in found)} should-hits, {sum(not r.should_hit for r in found)} traps")
    print("\n| after the answer at least | told after the answer alone | and told as one ≥ 0.85 | ≥ 0.88 |")
    print("|---|---|---|---|")
    for x in (0.88, 0.86, 0.84, 0.82, 0.80, 0.78):
        cells = []
        for y in (0.0, 0.85, 0.88):
            hits, traps = more(found, lambda r, x=x, y=y: r.after >= x and r.told >= y)
            cells.append(f"+{hits}, {len(traps)} {' '.join(traps)}".strip())
        print(f"| {x:.2f} | {' | '.join(cells)} |")
    print("\n| left out | floors chosen (after, told) | should-hits, traps more on it |\n|---|---|---|")
    total = [0, 0]
    for prefix in sorted({r.pair.split("-")[0] for r in found}):
        rest = [r for r in found if r.pair.split("-")[0] != prefix]
        best: tuple[int, float, float] | None = None
        for x in AFTERS:
            for y in TOLDS:
                hits, traps = more(rest, lambda r, x=x, y=y: r.after >= x and r.told >= y)
                _, near = more(rest, lambda r, x=x, y=y: r.after >= x - 0.01 and r.told >= y - 0.01)
                if not traps and not near and (best is None or (hits, x, y) > best):
                    best = (hits, x, y)
        assert best is not None
        out = [r for r in found if r.pair.split("-")[0] == prefix]
        hits, traps = more(out, lambda r, x=best[1], y=best[2]: r.after >= x and r.told >= y)
        total[0], total[1] = total[0] + hits, total[1] + len(traps)
        print(f"| {prefix} | {best[1]:.2f}, {best[2]:.2f} | {hits}, {len(traps)} |")
    print(f"| all, held out | | {total[0]}, {total[1]} |")


async def main() -> None:
    vectors = Vectors(Path("/tmp/followup_told.pkl"))
    found = await rows(vectors, GuardSet.default())
    vectors.save()
    report(found)


if __name__ == "__main__":
    asyncio.run(main())
