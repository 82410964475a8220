"""Traps in the shape the standalone reading of :func:`nearhit.cache.referent.told_resolved` judges, made from the fit
dev splits' traps (a conversation against a conversation; no fit trap has one side a single question): one side's
conversation told as one message (its user turns, then its question: :func:`conversation.told_as_one`), stored or
asked against the other side's conversation. Kept: those whose follow-up points back and is filled in by the
single message's words the turns say (:func:`referent.resolved`), the story told as one question 0.50-0.82 alike
to the single message (the band the reading opens, with room for the cache's own telling). With ``--appended``,
those whose follow-up points at nothing and has the single message's words the turns say put before its question
mark instead (``referent._appended``: "how long does it take?"), the shape the fortieth session's reading opens
(rq47). Written as a JSONL file of dev pairs for ``conversation_misses.py --files``.

    PYTHONPATH=src python benchmarks/standalone_traps.py /tmp/traps.jsonl
    PYTHONPATH=src python benchmarks/standalone_traps.py /tmp/appended.jsonl --appended
    PYTHONPATH=src python benchmarks/conversation_misses.py --files /tmp/traps.jsonl --pairs after.txt
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import numpy as np

import conversation_misses
from nearhit.cache import conversation, referent
from nearhit.cache.keys import normalise
from nearhit.cli._common import settings
from nearhit.embeddings import build_embedder
from nearhit.evaluation import dataset, splits

TRAPS = (
    "context_swap",
    "referent_swap",
    "topic_shift",
    "detail_swap",
    "constraint_added",
    "correction",
    "last_question_trap",
    "intent_flip",
)
BAND = (0.50, 0.82)


def dev_id(base: str) -> str:
    """``base``, or it with the first suffix that puts it in the dev split (``--files`` reads the dev pairs)."""
    n, pair_id = 0, base
    while splits.split_of(pair_id) != "dev":
        n += 1
        pair_id = f"{base}-{n}"
    return pair_id


def made(appended: bool = False) -> list[tuple[dict[str, Any], str, str]]:
    """Each trap made, with its conversation told as one question and its single message (``appended``: the
    follow-ups that point at nothing, filled in all the same)."""
    out = []
    for name in conversation_misses.FIT:
        for pair in dataset.load(name, "dev"):
            if pair.category not in TRAPS or not (pair.a.history and pair.b.history):
                continue
            for n, (one, conv) in enumerate(((pair.a, pair.b), (pair.b, pair.a))):
                single = conversation.told_as_one(conversation.Context(one.history), one.prompt).replace("\n", " ")
                context = conversation.Context(conv.history)
                points = referent.POINTER.search(conv.prompt) is not None
                if points == appended or referent.resolved(context, conv.prompt, single) is None:
                    continue
                turns = [{"role": r, "content": c} for r, c in (*conv.history, ("user", conv.prompt))]
                told = conversation.told_as_one(context, conv.prompt)
                for stored_single in (True, False):
                    a, b = (single, turns) if stored_single else (turns, single)
                    item = {"id": dev_id(f"syn-{pair.id}-{n}{'s' if stored_single else 'c'}"), "a": a, "b": b}
                    out.append(({**item, "category": pair.category, "same_answer": False}, told, single))
    return out


async def in_band(traps: list[tuple[dict[str, Any], str, str]]) -> list[dict[str, Any]]:
    texts = sorted({normalise(t) for _, told, single in traps for t in (told, single)})
    embedder, vectors = build_embedder(settings()), {}
    for start in range(0, len(texts), 128):
        chunk = texts[start : start + 128]
        vectors.update(zip(chunk, np.asarray(await embedder.embed(chunk)), strict=True))
    return [
        item
        for item, told, single in traps
        if BAND[0] <= float(vectors[normalise(told)] @ vectors[normalise(single)]) < BAND[1]
    ]


def main() -> None:
    kept = asyncio.run(in_band(made(appended="--appended" in sys.argv[2:])))
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        out.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in kept)
    print(f"{len(kept)} traps in the band written to {sys.argv[1]}")


if __name__ == "__main__":
    main()
