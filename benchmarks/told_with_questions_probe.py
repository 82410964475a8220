"""The story told as one question with each short answer after the assistant's question it answers, for the
embedding: how the told-as-one cosine moves against the single message (a measured "no", svl32).

Every dev pair of ``--sets`` with one side a single message and the other a conversation: the telling as the lookup
embeds it (:func:`conversation.told_as_one`) and with each user turn of at most ``--words`` words that answers the
assistant's question told after that question ("How long was the first ferment? 8 days"), both embedded with the
local embedder against the single message. A pair is served offline when ``differs_from_one`` lets it through and
its cosine reaches its floor (the threshold 0.76 when ``tells_no_more``/``asks_no_more``, else 0.88; the guards are
not read). Dev splits only.

    python benchmarks/told_with_questions_probe.py --sets fit
"""

from __future__ import annotations

import argparse
import asyncio
import re
from collections import Counter

import numpy as np

from conversation_misses import chosen_sets
from nearhit.cache import conversation
from nearhit.cache.conversation import Context
from nearhit.cache.keys import normalise
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation.dataset import load

_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def with_questions(context: Context, question: str, words: int) -> str:
    """The telling with each short answer after the last question sentence of the assistant's turn before it."""
    told, before = [], ("", "")
    for role, content in context.turns:
        if role == "user":
            asked = [part for part in _SENTENCES.split(before[1].strip()) if part.rstrip().endswith("?")]
            short = before[0] == "assistant" and asked and len(content.split()) <= words
            told.append(f"{asked[-1]} {content}" if short else content)
        before = (role, content)
    return "\n".join([*told, question])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    parser.add_argument("--words", type=int, default=conversation.SHORT_TURN)
    args = parser.parse_args()
    rows = []
    for name in chosen_sets(args.sets):
        for pair in load(name, "dev"):
            if bool(pair.a.history) == bool(pair.b.history):
                continue
            side, single = (pair.a, pair.b) if pair.a.history else (pair.b, pair.a)
            context = conversation.context_of(side.history, side.prompt)
            if context is None:
                continue
            told = conversation.told_as_one(context, side.prompt)
            answer, answered = conversation.last_answer(context), conversation.asked_for(context)
            low = conversation.tells_no_more(told, single.prompt, answer) or conversation.asks_no_more(
                told, single.prompt, answer, answered
            )
            passes = conversation.differs_from_one(conversation.replies_read(told, answered), single.prompt, answer)
            floor = DEFAULT_SIMILARITY_THRESHOLD if low else conversation.ONE_QUESTION_THRESHOLD
            texts = (told, with_questions(context, side.prompt, args.words), single.prompt)
            rows.append((pair.category, pair.same_answer, passes is None, floor, texts))
    embedder = LocalEmbedder()
    served: Counter[tuple[str, str]] = Counter()
    for category, hit, passes, floor, texts in rows:
        told, asked, single = np.asarray(await embedder.embed([normalise(text) for text in texts]))
        if passes:
            served[(category, f"{hit} base")] += float(told @ single) >= floor
            served[(category, f"{hit} with questions")] += float(asked @ single) >= floor
    print("| category | should-hit, telling | served offline |\n|---|---|---|")
    for (category, kind), count in sorted(served.items()):
        print(f"| {category} | {kind} | {count} |")


if __name__ == "__main__":
    asyncio.run(main())
