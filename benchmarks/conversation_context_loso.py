"""How far the context thresholds would have to rise to cut the conversation traps served, chosen leave-one-set-out.

The pairs a ``conversation_misses.py --pairs`` run served are looked up again with ``CONTEXT_THRESHOLD`` and
``RETOLD_FLOOR`` at 0.999, so that each one whose earlier turns were matched by meaning is refused with the turns'
similarity in its reason. Raising the lowest context similarity served to a value cuts the pairs under it (a veto:
nothing missed is served more). Prints per value the should-hits lost and traps cut, pooled, then per set held out
the value chosen on the others (the highest losing at most ``PER_TRAP`` should-hits per trap cut) and the traps
that set still serves. With ``--reasons`` (the same run's ``--reasons`` file), also the pairs served under the
question's threshold, by the question's similarity and whether the two histories are the same turns. Dev splits only.

    python benchmarks/conversation_misses.py --pairs base.txt --reasons base.jsonl
    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/conversation_context_loso.py base.txt \
        --reasons base.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from dataclasses import dataclass

from conversation_misses import each_lookup
from nearhit import evaluation
from nearhit.cache import conversation
from nearhit.cache.keys import exact_text
from nearhit.evaluation.dataset import CONVERSATION_SETS, Turn

GRID = (0.72, 0.74, 0.76, 0.78, 0.80, 0.82, 0.84, 0.86, 0.88, 0.90, 0.92, 0.94, 0.96, 0.98)
PER_TRAP = 1
_SIMILARITY = re.compile(r"similarity (\d\.\d+) <")


@dataclass(frozen=True)
class Served:
    set: str
    same_answer: bool
    context: float


async def matched(served: set[str]) -> list[Served]:
    """The served pairs whose turns were matched by meaning, with the turns' similarity."""
    conversation.CONTEXT_THRESHOLD = conversation.RETOLD_FLOOR = 0.999
    rows = []
    async for name, pair, _, _, result in each_lookup(served):
        found = [float(m.group(1)) for c in result.candidates if (m := _SIMILARITY.search(c.reason or ""))]
        if found:
            rows.append(Served(name, pair.same_answer, max(found)))
    return rows


def cut(rows: list[Served], value: float) -> tuple[int, int]:
    """Should-hits lost and traps cut if nothing under ``value`` were served."""
    under = [row for row in rows if row.context < value]
    return sum(row.same_answer for row in under), sum(not row.same_answer for row in under)


def under_threshold(reasons: str, threshold: float) -> None:
    """The served pairs whose served candidate is under ``threshold``, by the question's similarity."""
    pairs = {pair.id: pair for name in CONVERSATION_SETS for pair in evaluation.load(name, "dev")}
    print(f"\n| served under {threshold} | question similarity | same turns | set pair |\n|---|---|---|---|")
    rows = []
    with open(reasons, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            served = [c[0] for c in row["candidates"] if c[1] not in ("rejected_by_guard", "below_threshold")]
            if row["served"] and served and max(served) < threshold:
                pair = pairs[row["id"]]
                same = _normalised(pair.a.history) == _normalised(pair.b.history)
                rows.append((max(served), "should-hit" if pair.same_answer else "trap", same, pair.id))
    for similarity, kind, same, pair_id in sorted(rows):
        print(f"| {kind} | {similarity:.3f} | {same} | {pair_id} |")


def _normalised(history: tuple[Turn, ...]) -> list[tuple[str, str]]:
    return [(role, exact_text(text)) for role, text in history]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pairs", help="a conversation_misses.py --pairs file (its served pairs are looked up again)")
    parser.add_argument("--reasons", help="the same run's --reasons file: the pairs served under the threshold")
    parser.add_argument("--threshold", type=float, default=0.76, help="the question's threshold (the default's)")
    args = parser.parse_args()
    if args.reasons:
        under_threshold(args.reasons, args.threshold)
    with open(args.pairs, encoding="utf-8") as lines:
        served = {line.split()[0] for line in lines if line.split()[1] == "served"}
    rows = asyncio.run(matched(served))
    print(f"{len(rows)} served pairs whose earlier turns were matched by meaning\n")
    print("| lowest context similarity served | should-hits lost | traps cut |\n|---|---|---|")
    for value in GRID:
        print(f"| {value:.2f} | {' | '.join(str(n) for n in cut(rows, value))} |")
    print("\n| set held out | chosen on the others | its should-hits lost | its traps cut | its traps still served |")
    print("|---|---|---|---|---|")
    for name in sorted({row.set for row in rows}):
        others = [row for row in rows if row.set != name]
        chosen = max([GRID[0]] + [v for v in GRID if cut(others, v)[0] <= PER_TRAP * cut(others, v)[1]])
        held = [row for row in rows if row.set == name]
        lost, removed = cut(held, chosen)
        print(f"| {name} | {chosen:.2f} | {lost} | {removed} | {sum(not r.same_answer for r in held) - removed} |")


if __name__ == "__main__":
    main()
