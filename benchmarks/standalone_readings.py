"""A question standing alone against a follow-up that leans on its turns: the follow-up read with its referent
resolved from the turns, offline, on the pairs whose one side is a single question and the other a conversation.

For each such dev pair (as the service reads each side: ``conversation_retold.looked_up``) it records three cosines
against the single question: the follow-up alone (``question``), the story told as one question (``story``,
:func:`conversation.told_as_one`, what the told-as-one path compares), and the follow-up with its pointing-back word
filled in by the single question's words the turns say (``resolved``, :func:`referent.resolved`); and the checks on
each: the told-as-one story's (:func:`conversation.differs_from_one`, the told guards) and the resolved follow-up's
(:func:`conversation.states_more`, :func:`conversation.other_referent`, the guards at its similarity).

Trap evidence for the same reading: every dev trap with turns on both sides (context_swap, referent_swap,
detail_swap, constraint_added, correction, ...) with one side written as one message as a person writes it
(``told_as_one_probe.as_written``, both ways), the other kept as the conversation: a story whose thing, detail or
condition is another reads as a single question against that conversation. Dev splits only; the default embedder,
no Redis.

    PYTHONPATH=src:benchmarks python benchmarks/standalone_readings.py --sets fit --out fit.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/standalone_readings.py --count fit.jsonl --served base.txt
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from conversation_misses import chosen_sets
from conversation_retold import looked_up
from followup_representations import Vectors
from nearhit.cache import context_match, conversation, referent
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import Pair
from nearhit.guards import GuardSet
from told_as_one_probe import as_written

THRESHOLD = 0.76
"""The conversation sets' lookup threshold (``nearhit eval``'s, as ``reworded_readings.THRESHOLD``)."""


def sides(pair: Pair, telling: str | None) -> Iterator[tuple[str, conversation.Context, str, str]]:
    """The pair's (label, conversation's context, its follow-up, the single question) as the service reads them:
    as it is when one side is a single question, or with side ``telling`` written as one message."""
    a, b = pair.a, pair.b
    if telling is not None:
        if not (a.history and b.history) or any(r not in ("user", "assistant") for s in (a, b) for r, _ in s.history):
            return
        a, b = (as_written(a), b) if telling == "a" else (a, as_written(b))
    (ca, qa), (cb, qb) = looked_up(a), looked_up(b)
    if (ca is None) == (cb is None):
        return
    context, followup, single = (ca, qa, qb) if ca is not None else (cb, qb, qa)  # type: ignore[assignment]
    assert context is not None
    yield telling or "pair", context, followup, single


async def rows(names: tuple[str, ...], vectors: Vectors, guards: GuardSet, tellings: bool) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    told_guards = context_match.told_guards(guards)
    for name in names:
        for pair in dataset.load(name, "dev"):
            kinds: list[str | None] = ["a", "b"] if tellings and not pair.same_answer else [None]
            for telling in kinds:
                for label, context, followup, single in sides(pair, telling):
                    story = conversation.told_as_one(context, followup)
                    filled = referent.resolved(context, followup, single)
                    texts = [single, followup, story, *([filled] if filled else [])]
                    vs = await vectors.of(texts)
                    sims = [float(np.dot(vs[0], v)) for v in vs[1:]]
                    row: dict[str, Any] = {
                        "set": name,
                        "id": pair.id,
                        "category": pair.category,
                        "same": pair.same_answer,
                        "label": label,
                        "single": single,
                        "followup": followup,
                        "resolved": filled,
                        "question": sims[0],
                        "story": sims[1],
                        "resolved_sim": sims[2] if filled else None,
                        "story_check": conversation.differs_from_one(story, single, conversation.last_answer(context))
                        or _vetoed(told_guards, story, single, sims[1]),
                        "resolved_check": _resolved_check(filled, single, sims[2], guards) if filled else "none",
                        "pointer": referent.POINTER.search(followup) is not None,
                    }
                    found.append(row)
    return found


def _vetoed(guards: GuardSet, mine: str, other: str, similarity: float) -> str | None:
    verdict = guards.first_rejection(mine, other, similarity, told=True)
    return None if verdict is None else f"{verdict.guard}: {verdict.reason}"


def _resolved_check(filled: str, single: str, similarity: float, guards: GuardSet) -> str | None:
    """As :func:`referent.after_same_turns` judges a resolved follow-up against the other question."""
    why = conversation.states_more(filled, single) or conversation.other_referent(filled, single)
    if why is not None:
        return why
    verdict = guards.first_rejection(filled, single, similarity)
    return None if verdict is None else f"{verdict.guard}: {verdict.reason}"


def count(path: str, served: dict[str, bool]) -> None:
    found = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    print(f"{path}: {Counter((r['label'], r['same']) for r in found)}")
    for floor in (0.76, 0.80, 0.85, 0.88):
        gained: Counter[tuple[str, str, bool]] = Counter()
        for r in found:
            if served.get(r["id"]) and r["label"] == "pair":
                continue
            if r["resolved_sim"] is not None and r["resolved_sim"] >= floor and r["resolved_check"] is None:
                gained[r["label"], r["category"], r["same"]] += 1
        print(f"  resolved >= {floor}: {sorted(gained.items())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    parser.add_argument("--out", help="write the rows here (JSONL)")
    parser.add_argument("--tellings", action="store_true", help="the traps with turns on both sides, one written")
    parser.add_argument("--vectors", default="/tmp/standalone_readings.pkl", help="a pickle of vectors kept")
    parser.add_argument("--count", help="a rows file: what the resolved reading serves more")
    parser.add_argument("--served", help="with --count: a conversation_misses.py --pairs file")
    args = parser.parse_args()
    if args.count:
        served: dict[str, bool] = {}
        if args.served:
            for line in Path(args.served).read_text(encoding="utf-8").splitlines():
                served[line.split()[0]] = line.split()[1] == "served"
        count(args.count, served)
        return
    vectors = Vectors(Path(args.vectors))
    found = asyncio.run(rows(chosen_sets(args.sets), vectors, GuardSet.default(), args.tellings))
    vectors.save()
    if args.out:
        Path(args.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in found), encoding="utf-8")
    print(Counter((r["label"], r["category"], r["same"]) for r in found))


if __name__ == "__main__":
    main()
