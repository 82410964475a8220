"""Every judgement of a conversation told as one question against a single question, on the dev splits, with
the floor taken away: what a rule on the told-as-one similarity (and on signals beside it) would serve.

Each pair runs through the real cache as ``nearhit eval`` runs it, with ``ONE_QUESTION_THRESHOLD`` at 0, and
every call of ``context_match._serves`` is recorded (the telling, the single question, their similarity,
whether the checks after the floor let it through). A pair served by its own entry is recorded as such. Dev
splits only (the test splits are never loaded). Writes JSON lines for ``told_as_one_fit.py``.

    python benchmarks/told_as_one_probe.py --out /tmp/told.jsonl
    python benchmarks/told_as_one_probe.py --joined --out /tmp/joined.jsonl   # a's story told in one message
    python benchmarks/told_as_one_probe.py --joined b --out /tmp/joined_b.jsonl   # b's: the other direction
    python benchmarks/told_as_one_probe.py --joined b --written --out /tmp/written_b.jsonl   # as a person writes it

``--written`` joins the turns the way a person writes one message (:func:`as_written`): each turn a sentence with
its punctuation and capital, "And", "Also," or "So" before some, the question last; without it the turns are
joined by spaces as they were typed (the older, harsher mode, kept for comparison).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import re
from collections.abc import AsyncIterator, Callable, Collection
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


def joined(pairs: list[Pair], side: str = "a", *, written: bool = False) -> list[Pair]:
    """The pairs whose sides are both conversations, with ``side`` told in one message (its user turns, then its
    question): a story told at once against the same story, or another, told over turns. ``a`` told meets the
    conversation ``b`` looked up (:func:`context_match.as_one_question`); ``b`` told, a single question looked up,
    meets ``a``'s twin (:func:`context_match.from_story`). Every category is kept: a detail, a condition, a
    referent or the question swapped is then a trap of this path, a reworded history a should-hit. ``written``:
    the telling as a person writes it (:func:`as_written`), else the turns joined by spaces."""
    tell = as_written if written else _at_once
    return [
        replace(pair, a=tell(pair.a)) if side == "a" else replace(pair, b=tell(pair.b))
        for pair in pairs
        if pair.a.history
        and pair.b.history
        and all(role in ("user", "assistant") for each in (pair.a, pair.b) for role, _ in each.history)
    ]


def _at_once(side: Side) -> Side:
    return Side(" ".join([*(text for role, text in side.history if role == "user"), side.prompt]))


_JOINERS = ("", "And ", "Also, ")
"""Put before the user's second, third, ... turn in turn: how one message runs its sentences on."""
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_LONE_I = re.compile(r"\bi\b")


def as_written(side: Side) -> Side:
    """``side`` told in one message as a person writes it: each user turn a sentence (a capital, a full stop
    unless it ends with one already), the second and later ones opened in turn by nothing, "And" or "Also,", the
    question last, opened by "So" after them and ended by "?" ("my 4yo has chickenpox" "spots came out 2 days
    ago" "can he catch it?" -> "My 4yo has chickenpox. And spots came out 2 days ago. So can he catch it?")."""
    turns = [*side.history, ("user", side.prompt)]
    answering = [before == "assistant" and asked.rstrip().endswith("?") for (before, asked) in [("", ""), *turns]]
    said = [
        (text.strip(), named)
        for (role, text), named in zip(turns[:-1], answering, strict=False)
        if role == "user" and text.strip()
    ]
    parts = [_sentence(text, _JOINERS[n % len(_JOINERS)] if n else "", named) for n, (text, named) in enumerate(said)]
    question = side.prompt.strip()
    if question and question[-1] not in ".!?":
        question += "?"
    opened = said and not question.casefold().startswith(("so ", "so,"))
    parts.append(_sentence(question, "So " if opened else "", answering[len(turns) - 1]))
    return Side(" ".join(parts))


def _sentence(text: str, joiner: str, answers: bool = False) -> str:
    """``text`` as sentences of one message: each sentence capitalised, a lone "i" written "I", a full stop
    at the end unless it has one; ``joiner`` before it, the first letter then lower-cased (unless "I", a
    name written in capitals, or a capital the writer gave the first word of an answer to the assistant's
    question: "Where in Texas?" "Houston." is a name, as ``conversation.answers`` reads it)."""
    kept = answers and text.strip()[:1].isupper()
    text = _LONE_I.sub("I", text.strip())
    if text[-1] not in ".!?":
        text += "."
    text = " ".join(part[:1].upper() + part[1:] for part in _SENTENCES.split(text))
    if joiner and not (kept or text[:2] == "I " or text[:2] == "I'" or text[1:2].isupper()):
        text = text[:1].lower() + text[1:]
    return joiner + text


async def probe(
    told: str | None = None, *, written: bool = False, only: set[str] | None = None
) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    original = context_match._serves

    def recorded(
        result: Any,
        told: str,
        single: str,
        doc_id: str,
        fields: Any,
        guards: Any,
        answer: str = "",
        answered: Collection[str] = (),
    ) -> bool:
        before = result.match
        served = original(result, told, single, doc_id, fields, guards, answer, answered)
        calls.append(
            {
                "told": told,
                "single": single,
                "answer": answer,
                "similarity": entry.similarity(fields),
                "checks": served,
                "tells_no_more": conversation.tells_no_more(told, single, answer),
                "asks_no_more": conversation.asks_no_more(told, single, answer, answered),
                "threshold": result.threshold,
            }
        )
        if served and before is None:
            result.match = None
        return False  # every telling and every candidate is judged

    context_match._serves = recorded  # type: ignore[assignment]
    conversation.ONE_QUESTION_THRESHOLD = 0.0
    rows = []
    transform = None if told is None else functools.partial(joined, side=told, written=written)
    if only is not None:
        transform = functools.partial(_only, only, transform)
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


def _only(ids: set[str], transform: Callable[[list[Pair]], list[Pair]] | None, pairs: list[Pair]) -> list[Pair]:
    return [pair for pair in (transform(pairs) if transform else pairs) if pair.id in ids]


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
            if not pairs:
                continue
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
    parser.add_argument("--written", action="store_true", help="with --joined: told as a person writes one message")
    parser.add_argument("--ids", help="only the pairs of these ids (a file, one a line): those a rule could change")
    args = parser.parse_args()
    only = set(Path(args.ids).read_text(encoding="utf-8").split()) if args.ids else None
    rows = asyncio.run(probe(args.joined, written=args.written, only=only))
    Path(args.out).write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


if __name__ == "__main__":
    main()
