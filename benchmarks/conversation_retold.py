"""Which pairs the retold band reaches: the dev pairs whose contexts are between ``RETOLD_FLOOR`` and
``CONTEXT_THRESHOLD`` alike, by what :func:`nearhit.cache.conversation.retold` and then
:func:`~nearhit.cache.conversation.differs` make of them (no Redis, no LLM; dev splits only).

A trap the band reaches that only a later check (a word list, the facts) refuses is one rewording away from a
wrong hit; one refused by the shape of the turns (a turn added, a turn with words added, a detail swapped in
the same frame) is not.

    python benchmarks/conversation_retold.py
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import numpy as np

from conversation_sweep import SETS  # the conversation dev splits, named once (run from benchmarks/)
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import Pair, Side
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest

OUTCOMES = ("not retold: a turn added", "not retold: a turn changed", "retold, refused later", "retold, context passes")


def looked_up(side: Side) -> tuple[cv.Context | None, str]:
    """The side's context and question as the service reads them."""
    history = tuple(ChatMessage(role, content) for role, content in side.history)  # type: ignore[arg-type]
    request = AskRequest(side.prompt, history=history)._as_looked_up()
    return request.context(), request.prompt


Compared = tuple[Pair, cv.Context, str, cv.Context, str, float]
"""A dev pair both of whose sides are conversations: the pair, the stored side's context and question, the asked
side's, and the two contexts' cosine."""


async def compared(name: str, embedder: LocalEmbedder) -> AsyncIterator[Compared]:
    """The set's dev pairs both of whose sides are conversations, each with its contexts' cosine (the probes'
    common first step)."""
    for pair in dataset.load(name, "dev"):
        (cached, asked), (query, question) = looked_up(pair.a), looked_up(pair.b)
        if cached is None or query is None:
            continue
        vectors = await embedder.embed([normalise(cached.text), normalise(query.text)])
        yield pair, cached, asked, query, question, float(np.dot(vectors[0], vectors[1]))


async def reached(name: str, embedder: LocalEmbedder) -> Counter[tuple[str, str]]:
    """Per (should-hit or trap, outcome) how many of the set's dev pairs the band reaches."""
    found: Counter[tuple[str, str]] = Counter()
    async for pair, cached, _, query, question, similarity in compared(name, embedder):
        if not cv.RETOLD_FLOOR <= similarity < cv.CONTEXT_THRESHOLD:
            continue
        if not cv.retold(query, cached):
            outcome = OUTCOMES[0] if not cv._same_shape(query, cached) else OUTCOMES[1]
        else:
            outcome = OUTCOMES[2] if cv.differs(question, query, cached, similarity) else OUTCOMES[3]
        found["should-hit" if pair.same_answer else "trap", outcome] += 1
    return found


async def main() -> None:
    embedder = LocalEmbedder()
    print(f"| set (dev) | kind | {' | '.join(OUTCOMES)} |")
    print(f"|---|---|{'---|' * len(OUTCOMES)}")
    for name in SETS:
        found = await reached(name, embedder)
        for kind in ("should-hit", "trap"):
            print(f"| {name} | {kind} | {' | '.join(str(found[kind, o]) for o in OUTCOMES)} |")


if __name__ == "__main__":
    asyncio.run(main())
