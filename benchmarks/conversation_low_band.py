"""Contexts the rules pass under the turns' threshold: which are swaps, which are should-hits, and what second,
independent reading of the story would tell them apart (issue 14, twenty-ninth session, helper cs31).

For each dev pair whose two sides both carry a context as the service reads them: the turns' cosine (the local
embedder, as the lookup embeds them) and :func:`conversation.differs` at it. A pair the rules pass under
:data:`conversation.CONTEXT_THRESHOLD` passes by one of three paths (``path``): ``checks`` (told in another number
of turns, :func:`conversation._checks_decide`), ``retold`` (the same turns, over :data:`conversation.RETOLD_FLOOR`)
or ``reworded`` (the same turns or a dialogue, between :data:`conversation.REWORDED_FLOOR` and ``RETOLD_FLOOR``).
For those, and for every swap trap, the cosines of other parts of the two stories, each a candidate second check:

- ``users``: the user turns alone; ``assistants``: the assistant turns alone;
- ``first``: the first user turn on each side (where a swap names its thing);
- ``turn_min``: the least cosine of a user turn and its counterpart (the one in its place, same turns only).

And two vetoes read from them (``--table``): ``unanchored``, a pair passed by the ``reworded`` path whose user turns
share no number, date or name (``conversation_swaps.unanchored``; tried in the engine as ``conversation._anchored``,
commit d6317c73 on ``wip/cs31``), and ``same_replies``, a pair passed under the threshold whose assistant turns are
word for word the same, judged by its user turns' cosine against ``RETOLD_FLOOR`` instead of the whole (it would
embed at lookup). Neither is shipped: counted once on validation, neither fires on a served pair, and
``unanchored`` refuses the invented retellings of
``tests/cache/test_conversation_reworded_floor.py`` (benchmarks/README.md, cs31).

``--table`` joins a ``conversation_misses.py --pairs`` file (which pairs were served) and prints, per path, the
served traps and should-hits with their cosines, and for each reading and floor how many served traps and served
should-hits it would refuse in the band (a veto on a context passed under ``CONTEXT_THRESHOLD``).

Dev splits only (``--sets fit``: up to -v67 and fow-cache's; ``--sets validation``: -v68 .. -v73).

    PYTHONPATH=src:benchmarks python benchmarks/conversation_low_band.py --sets fit --rows fit_band.jsonl  # ~10 min
    PYTHONPATH=src:benchmarks python benchmarks/conversation_low_band.py --ids fit_band.jsonl > ids.txt
    PYTHONPATH=src:benchmarks python benchmarks/conversation_misses.py --sets fit --ids ids.txt --pairs fit.txt
    PYTHONPATH=src:benchmarks python benchmarks/conversation_low_band.py --table fit_band.jsonl --pairs fit.txt
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Sequence

import numpy as np

from conversation_misses import chosen_sets
from conversation_retold import compared
from conversation_swaps import unanchored
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder

SWAPS = ("context_swap", "detail_swap")
READINGS = ("users", "assistants", "first", "turn_min")
VETOES = {
    "unanchored": lambda row: row["path"] == "reworded" and row["unanchored"],
    "same_replies": lambda row: row["same_replies"] and row["users"] < cv.RETOLD_FLOOR,
}
FLOORS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)


def path(query: cv.Context, cached: cv.Context, similarity: float) -> str:
    """Which of the rules' paths passes a context under ``CONTEXT_THRESHOLD`` (see the module's docstring)."""
    if cv._checks_decide(query, cached, similarity, True):
        return "checks"
    return "retold" if similarity >= cv.RETOLD_FLOOR else "reworded"


def _said(context: cv.Context, role: str) -> list[str]:
    return [text for who, text in context.turns if who == role]


async def _cosine(embedder: LocalEmbedder, mine: str, theirs: str) -> float | None:
    if not mine or not theirs:
        return None
    vectors = await embedder.embed([normalise(mine), normalise(theirs)])
    return round(float(np.dot(vectors[0], vectors[1])), 4)


async def readings(embedder: LocalEmbedder, query: cv.Context, cached: cv.Context) -> dict[str, float | None]:
    """The cosines of the parts of the two stories (the module's docstring)."""
    users = _said(query, "user"), _said(cached, "user")
    found = {
        "users": await _cosine(embedder, "\n".join(users[0]), "\n".join(users[1])),
        "assistants": await _cosine(
            embedder, "\n".join(_said(query, "assistant")), "\n".join(_said(cached, "assistant"))
        ),
        "first": await _cosine(embedder, users[0][0] if users[0] else "", users[1][0] if users[1] else ""),
        "turn_min": None,
    }
    if cv._same_shape(query, cached):
        each = [await _cosine(embedder, a, b) for a, b in zip(*users, strict=True)]
        found["turn_min"] = min((c for c in each if c is not None), default=None)
    return found


async def rows(sets: Sequence[str]) -> list[dict[str, object]]:
    embedder = LocalEmbedder()
    found: list[dict[str, object]] = []
    for name in sets:
        async for pair, cached, asked, query, question, similarity in compared(name, embedder):
            verdict = cv.differs(question, query, cached, similarity, asked)
            row: dict[str, object] = {
                "id": pair.id,
                "set": name,
                "category": pair.category,
                "same": pair.same_answer,
                "turns": len(query.turns),
                "ctx_sim": round(similarity, 4),
                "differs": verdict,
            }
            low = verdict is None and similarity < cv.CONTEXT_THRESHOLD
            if low:
                row["path"] = path(query, cached, similarity)
                row["unanchored"] = unanchored(query, cached, similarity) is not None
                row["same_replies"] = bool(_said(query, "assistant")) and (
                    _said(query, "assistant") == _said(cached, "assistant")
                )
            if low or (pair.category in SWAPS and not pair.same_answer):
                row |= await readings(embedder, query, cached)
            found.append(row)
    return found


def _swap(row: dict[str, object]) -> bool:
    return row["category"] in SWAPS and not row["same"]


def _served(pairs: str) -> dict[str, bool]:
    with open(pairs, encoding="utf-8") as lines:
        return {line.split()[0]: line.split()[1] == "served" for line in lines if line.strip()}


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "  -  "


def table(path_: str, pairs: str) -> None:
    with open(path_, encoding="utf-8") as lines:
        found = [json.loads(line) for line in lines if line.strip()]
    served = _served(pairs)
    band = [row for row in found if "path" in row and served.get(row["id"])]
    print("served with the context passed under the threshold (id, whole, path, " + ", ".join(READINGS) + ")")
    for row in sorted(band, key=lambda r: (r["same"], r["path"], r["ctx_sim"])):
        kind = "should-hit" if row["same"] else "TRAP"
        cosines = " ".join(_fmt(row.get(r)) for r in READINGS)
        print(f"  {kind:10} {row['id']:40} {row['ctx_sim']:.3f} {row['path']:8} {cosines}")
    swaps = [row for row in found if row["category"] in SWAPS and not row["same"] and served.get(row["id"])]
    print(f"\nserved swap traps, any band: {len(swaps)}")
    for row in sorted(swaps, key=lambda r: r["ctx_sim"]):
        cosines = " ".join(_fmt(row.get(r)) for r in READINGS)
        print(f"  {row['id']:40} {row['ctx_sim']:.3f} {row.get('path', '>=0.8'):8} {cosines}")
    print("\n| veto, in the band | served traps refused | served should-hits refused |\n|---|---|---|")
    for name, fires in VETOES.items():
        hit = [row for row in band if fires(row)]
        traps = sum(not row["same"] for row in hit)
        print(
            f"| {name} | {traps} ({', '.join(r['id'] for r in hit if not r['same'])}) | {len(hit) - traps} "
            f"({', '.join(r['id'] for r in hit if r['same'])}) |"
        )
    print("\n| reading < floor, in the band | served traps refused | served should-hits refused |\n|---|---|---|")
    for reading in READINGS:
        for floor in FLOORS:
            under = [row for row in band if isinstance(row.get(reading), float) and row[reading] < floor]
            traps = sum(not row["same"] for row in under)
            print(f"| {reading} < {floor} | {traps} | {len(under) - traps} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"))
    parser.add_argument("--rows", help="write one JSON row per pair with a context on both sides")
    parser.add_argument("--table", metavar="ROWS", help="read a --rows file with a --pairs file")
    parser.add_argument("--ids", metavar="ROWS", help="print the ids to look up: passed in the band, or swaps passed")
    parser.add_argument("--pairs", help="with --table: a conversation_misses --pairs file (the served outcomes)")
    args = parser.parse_args()
    if args.table:
        table(args.table, args.pairs)
        return
    if args.ids:
        with open(args.ids, encoding="utf-8") as lines:
            found = [json.loads(line) for line in lines if line.strip()]
        print("\n".join(str(row["id"]) for row in found if "path" in row or (_swap(row) and row["differs"] is None)))
        return
    found = asyncio.run(rows(chosen_sets(args.sets or "fit")))
    with open(args.rows, "w", encoding="utf-8") as out:
        out.write("\n".join(json.dumps(row) for row in found) + "\n")


if __name__ == "__main__":
    main()
