"""Every judgement of a conversation told as one question against a single question, on the dev splits, with
the floor taken away: what a rule on the told-as-one similarity (and on signals beside it) would serve.

Each pair runs through the real cache as ``nearhit eval`` runs it, with ``ONE_QUESTION_THRESHOLD`` at 0, and
every call of ``context_match._serves`` is recorded (the telling, the single question, their similarity,
whether the checks after the floor let it through). A pair served by its own entry is recorded as such. Dev
splits only (the test splits are never loaded). Writes JSON lines for ``told_as_one_fit.py``.

    python benchmarks/told_as_one_probe.py --out /tmp/told.jsonl
    python benchmarks/told_as_one_probe.py --joined --out /tmp/joined.jsonl   # a's story told in one message
    python benchmarks/told_as_one_probe.py --joined b --out /tmp/joined_b.jsonl   # b's: the other direction
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from nearhit import evaluation
from nearhit.cache import context_match, conversation, entry
from nearhit.cache.results import LookupResult
from nearhit.cli._common import settings
from nearhit.cli.eval_cmd import _configured
from nearhit.evaluation.dataset import CONVERSATION_SETS, Pair, Side
from nearhit.evaluation.runner import judge_with, scratch


def joined(pairs: list[Pair], side: str = "a") -> list[Pair]:
    """The pairs whose sides are both conversations, with ``side`` told in one message (its user turns, then its
    question): a story told at once against the same story, or another, told over turns. ``a`` told meets the
    conversation ``b`` looked up (:func:`context_match.as_one_question`); ``b`` told, a single question looked up,
    meets ``a``'s twin (:func:`context_match.from_story`). Every category is kept: a detail, a condition, a
    referent or the question swapped is then a trap of this path, a reworded history a should-hit."""
    return [
        replace(pair, a=_at_once(pair.a)) if side == "a" else replace(pair, b=_at_once(pair.b))
        for pair in pairs
        if pair.a.history
        and pair.b.history
        and all(role in ("user", "assistant") for each in (pair.a, pair.b) for role, _ in each.history)
    ]


def _at_once(side: Side) -> Side:
    return Side(" ".join([*(text for role, text in side.history if role == "user"), side.prompt]))


async def probe(told: str | None = None) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    original = context_match._serves

    def recorded(result: Any, told: str, single: str, doc_id: str, fields: Any, guards: Any, answer: str = "") -> bool:
        before = result.match
        served = original(result, told, single, doc_id, fields, guards, answer)
        calls.append(
            {
                "told": told,
                "single": single,
                "answer": answer,
                "similarity": entry.similarity(fields),
                "checks": served,
                "tells_no_more": conversation.tells_no_more(told, single, answer),
                "threshold": result.threshold,
            }
        )
        if served and before is None:
            result.match = None
        return False  # every telling and every candidate is judged

    context_match._serves = recorded  # type: ignore[assignment]
    conversation.ONE_QUESTION_THRESHOLD = 0.0
    rows = []
    transform = None if told is None else functools.partial(joined, side=told)
    async for name, pair, result in each_dev_pair(transform, calls.clear):
        rows.append(
            {
                "set": name,
                "id": pair.id,
                "category": pair.category,
                "same": pair.same_answer,
                "own": result.match is not None and not calls,
                "calls": list(calls),
            }
        )
    return rows


async def each_dev_pair(
    transform: Callable[[list[Pair]], list[Pair]] | None, before: Callable[[], None]
) -> AsyncIterator[tuple[str, Pair, LookupResult]]:
    """Each conversation set's dev pairs (``transform``-ed) through the real cache as ``nearhit eval`` runs them:
    the set's name, the pair and its lookup's result (``before`` is called before each lookup)."""
    async with evaluation.scratch_cache(settings()) as cache:
        sets = evaluation.guard_sets(_configured(cache), decision=cache.decision, guards=cache.guards)
        judge_with(cache, next(iter(sets.values())))
        for name in CONVERSATION_SETS:
            pairs = evaluation.load(name, "dev")
            pairs = transform(pairs) if transform else pairs
            async with scratch(cache, pairs) as asks:
                for pair, ask in zip(pairs, asks, strict=True):
                    before()
                    yield name, pair, await cache.lookup(ask())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--joined", nargs="?", const="a", choices=("a", "b"), help="both sides conversations, this side told at once"
    )
    args = parser.parse_args()
    rows = asyncio.run(probe(args.joined))
    Path(args.out).write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


if __name__ == "__main__":
    main()
