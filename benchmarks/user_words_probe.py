"""The share of content words two conversations' user turns both say, for contexts refused as about something else.

For every pair of the conversation DEV splits whose two sides both carry a context (as the service reads them) and
whose context :func:`conversation.differs` refuses as about something else (the whole turns' cosine), but whose
story checks pass (``differs`` given a passing similarity, and :func:`conversation.other_referent`), with the
questions near enough for a second chance (``--floor``) and the user turns under ``USER_TURNS_THRESHOLD`` (else
:func:`conversation_lookup.user_turns` already reads them): the should-hits and traps at each
:func:`conversation.users_words_share` threshold, and the threshold chosen leave-one-set-out (the least grid value
with no trap of the other sets at or above it) counted on the set left out. ``--served-in PAIRS``: leave out the
pairs a ``conversation_misses.py --pairs`` run served (another second chance did). Default embedder, no Redis.

    PYTHONPATH=src:benchmarks python benchmarks/user_words_probe.py --served-in base.txt   # ~5 min on 2 shared cores
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from conversation_retold import looked_up
from nearhit.cache import conversation as cv
from nearhit.cache.conversation_lookup import USER_TURNS_THRESHOLD
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import CONVERSATION_SETS

GRID = [round(x, 2) for x in np.arange(0.40, 0.96, 0.02)]


@dataclass(frozen=True)
class Refused:
    set: str
    id: str
    category: str
    should_hit: bool
    share: float


async def refused(name: str, embedder: LocalEmbedder, floor: float) -> list[Refused]:
    """The set's dev pairs refused as about something else that the story checks would pass."""
    pairs = []
    for pair in dataset.load(name, "dev"):
        (cached, stored), (query, asked) = looked_up(pair.a), looked_up(pair.b)
        if cached is not None and query is not None:
            pairs.append((pair, cached, stored, query, asked))
    texts = sorted(
        {normalise(t) for _, c, s, q, a in pairs for t in (c.text, q.text, s, a, cv.users_said(c), cv.users_said(q))}
    )
    vectors = dict(zip(texts, await embedder.embed(texts), strict=True))

    def cosine(x: str, y: str) -> float:
        return float(np.dot(vectors[normalise(x)], vectors[normalise(y)]))

    rows = []
    for pair, cached, stored, query, asked in pairs:
        reason = cv.differs(asked, query, cached, cosine(cached.text, query.text), stored)
        if not (reason or "").startswith(cv.ABOUT_ELSE) or cosine(stored, asked) < floor:
            continue
        if cv.differs(asked, query, cached, 1.0, stored) or cv.other_referent(asked, stored):
            continue
        if cosine(cv.users_said(cached), cv.users_said(query)) >= USER_TURNS_THRESHOLD:
            continue
        share = cv.users_words_share(query, cached)
        rows.append(Refused(name, pair.id, pair.category, pair.same_answer, share))
    return rows


def passed(rows: list[Refused], threshold: float) -> tuple[int, int]:
    through = [r for r in rows if r.share >= threshold]
    return sum(r.should_hit for r in through), sum(not r.should_hit for r in through)


def _served(path: str) -> set[str]:
    """The pairs a ``conversation_misses.py --pairs`` file served."""
    return {line.split()[0] for line in Path(path).read_text().splitlines() if line.split()[1:2] == ["served"]}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--floor", type=float, default=0.60, help="the questions' least similarity (second chance)")
    parser.add_argument("--served-in", help="a conversation_misses.py --pairs file: leave out the pairs it served")
    args = parser.parse_args()
    served = _served(args.served_in) if args.served_in else set()
    embedder = LocalEmbedder()
    rows = [r for name in CONVERSATION_SETS for r in await refused(name, embedder, args.floor) if r.id not in served]
    print(
        f"{len(rows)} pairs: {sum(r.should_hit for r in rows)} should-hits, {sum(not r.should_hit for r in rows)} traps"
    )
    print("\n| share ≥ | should-hits | traps |\n|---|---|---|")
    for threshold in GRID:
        print(f"| {threshold:.2f} | {passed(rows, threshold)[0]} | {passed(rows, threshold)[1]} |")
    print("\n| set left out | threshold | should-hits | traps |\n|---|---|---|---|")
    hits = traps = 0
    for name in CONVERSATION_SETS:
        rest = [r for r in rows if r.set != name]
        threshold = min(t for t in GRID if passed(rest, t)[1] == 0)
        h, t = passed([r for r in rows if r.set == name], threshold)
        hits, traps = hits + h, traps + t
        print(f"| {name} | {threshold:.2f} | {h} | {t} |")
    print(f"| pooled | | {hits} | {traps} |")
    print("\nOver 0.5:", *(f"{r.id} {'hit' if r.should_hit else 'TRAP'} {r.share:.2f}" for r in rows if r.share >= 0.5))


if __name__ == "__main__":
    asyncio.run(main())
