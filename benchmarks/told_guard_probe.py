"""What one guard refuses on the told-as-one path, offline: each conversation dev pair's tellings judged with and
without it.

A telling is a conversation told as one question (:func:`conversation.told_as_one`, and
:func:`conversation.told_with_answer` for a bare question) against a single question: the pairs whose one side has
no earlier turns as they are, and every pair whose two sides have turns with one side told in one message as a
person writes it (``told_as_one_probe.as_written``), both ways (the traps of this path). Each telling the story
checks pass (:func:`conversation.differs_from_one`) at or over its floor (``ONE_QUESTION_THRESHOLD``, or the
threshold where the story tells or asks no more) is judged by the path's guards (:func:`context_match.told_guards`
of the default set, the guard named put back) with and without the guard named; the tellings whose verdict moves
are counted by category and printed. Similarities are the local embedder's, no Redis. Dev splits only.

    python benchmarks/told_guard_probe.py direction
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Iterator

import numpy as np

from nearhit import evaluation
from nearhit.cache import context_match, conversation
from nearhit.cache.keys import normalise
from nearhit.cli._common import settings
from nearhit.embeddings import build_embedder
from nearhit.evaluation.dataset import CONVERSATION_SETS, Pair, Side
from nearhit.guards import GuardSet
from told_as_one_probe import as_written

Telling = tuple[Pair, str, str, str, str]
"""The pair, how it is told (plain, a told, b told), the conversation told as one, the single question, the answer."""


def _turns(side: Side) -> tuple[tuple[str, str], ...]:
    return tuple((role, text) for role, text in side.history if role != "system")


def tellings(pair: Pair) -> Iterator[Telling]:
    """Each telling of ``pair`` on the told-as-one path (see the module's docstring)."""
    a, b = _turns(pair.a), _turns(pair.b)
    if bool(a) != bool(b):
        cases = [("plain", a or b, (pair.a if a else pair.b).prompt, (pair.b if a else pair.a).prompt)]
    elif a:
        cases = [("a told", b, pair.b.prompt, as_written(pair.a).prompt)]
        cases.append(("b told", a, pair.a.prompt, as_written(pair.b).prompt))
    else:
        cases = []
    for mode, turns, question, single in cases:
        context = conversation.Context(turns)
        answer = conversation.last_answer(context)
        for told in (conversation.told_as_one(context, question), conversation.told_with_answer(context, question)):
            if told is not None:
                yield pair, mode, told, single, answer


async def _vectors(texts: list[str]) -> dict[str, np.ndarray]:
    embedder = build_embedder(settings())
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(texts), 256):
        batch = texts[start : start + 256]
        found.update(zip(batch, await embedder.embed(batch), strict=True))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("guard", help="the guard's name, e.g. direction")
    args = parser.parse_args()
    threshold = settings().similarity_threshold
    kept = [g for g in GuardSet.default().guards if g.name not in context_match.TOLD_APART or g.name == args.guard]
    with_it, without = GuardSet(kept), GuardSet([g for g in kept if g.name != args.guard])
    told = [
        telling
        for name in CONVERSATION_SETS
        for pair in evaluation.load(name, "dev")
        for telling in tellings(pair)
        if conversation.differs_from_one(telling[2], telling[3], telling[4]) is None
    ]
    vectors = asyncio.run(_vectors(sorted({normalise(text) for t in told for text in t[2:4]})))
    moved: Counter[str] = Counter()
    for pair, mode, story, single, answer in told:
        similarity = float(vectors[normalise(story)] @ vectors[normalise(single)])
        floor = conversation.ONE_QUESTION_THRESHOLD
        if conversation.tells_no_more(story, single, answer) or conversation.asks_no_more(story, single, answer):
            floor = min(floor, threshold)
        if similarity < floor:
            continue
        aside = conversation.dated_aside(story, single)
        verdict = with_it.first_rejection(story, single, similarity, dates_one_side=aside, told=True)
        if verdict is None or without.first_rejection(story, single, similarity, dates_one_side=aside, told=True):
            continue
        kind = "should-hit" if pair.same_answer else "TRAP"
        moved[f"{kind} {pair.category} ({mode})"] += 1
        print(f"{kind} {pair.id} ({mode}) {similarity:.3f} {verdict.reason}")
        print(f"    told:   {story!r}\n    single: {single!r}")
    print(f"\n| tellings {args.guard} alone refuses ({len(told)} pass the story checks) | count |\n|---|---|")
    for key, count in sorted(moved.items()):
        print(f"| {key} | {count} |")


if __name__ == "__main__":
    main()
