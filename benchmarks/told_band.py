"""The band a reworded follow-up after the very same turns is served in by the second look after the answer
(:func:`conversation_lookup.after_the_answer`), moved: the cache's own lookups with the three marks of
:mod:`nearhit.cache.context_match` set otherwise for one run, or the fit pairs counted in a band without Redis.

``--run``: ``conversation_misses.py`` (its own arguments after ``--``) with ``AFTER_ANSWER_THRESHOLD``,
``AFTER_ANSWER_STORY_FLOOR`` and ``STORY_THRESHOLD`` set to ``--after``, ``--story-floor`` and ``--story`` (read by
the second look at each lookup, so a run sees them). ``--band``: of the fit dev pairs whose two sides have the very
same turns, how many of each category sit in the band the marks open beyond the shipped ones (the questions alone
at least ``AFTER_ANSWER_FLOOR`` alike; told after the answer at least ``--story-floor`` and under ``--after``; told
as one question at least ``--story`` and under the shipped ``STORY_THRESHOLD``), whatever a check or a guard later
says: the traps in a band opened, not only those served.

    PYTHONPATH=src python benchmarks/told_band.py --story 0.82 --run -- --sets fit --ids ids.txt --pairs s82.txt
    PYTHONPATH=src python benchmarks/told_band.py --story 0.82 --band     # ~6 min on 2 shared cores at load ~8
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter

import numpy as np

import conversation_misses
from nearhit.cache import context_match, conversation
from nearhit.cache.keys import normalise
from nearhit.cli._common import settings
from nearhit.embeddings import build_embedder
from nearhit.evaluation import dataset

SHIPPED_STORY = context_match.STORY_THRESHOLD


def marks(after: float, story_floor: float, story: float) -> None:
    """Set the three marks the second look after the answer reads."""
    context_match.AFTER_ANSWER_THRESHOLD = after
    context_match.AFTER_ANSWER_STORY_FLOOR = story_floor
    context_match.STORY_THRESHOLD = story


def same_turns(pair: dataset.Pair) -> bool:
    return bool(pair.a.history) and [tuple(t) for t in pair.a.history] == [tuple(t) for t in pair.b.history]


async def band(after: float, story_floor: float, story: float) -> Counter[tuple[str, bool]]:
    """Per (category, should-hit), the fit pairs after the very same turns in the band opened (see the docstring)."""
    pairs = [p for name in conversation_misses.FIT for p in dataset.load(name, "dev") if same_turns(p)]
    texts: dict[str, list[str]] = {}
    for pair in pairs:
        context = conversation.Context(tuple(tuple(t) for t in pair.a.history))
        told = [
            (
                side.prompt,
                conversation.after_answer(context, side.prompt) or side.prompt,
                conversation.told_as_one(context, side.prompt),
            )
            for side in (pair.a, pair.b)
        ]
        texts[pair.id] = [normalise(text) for side in told for text in side]
    unique = sorted({text for row in texts.values() for text in row})
    embedder = build_embedder(settings())
    vectors: dict[str, np.ndarray] = {}
    for start in range(0, len(unique), 128):
        chunk = unique[start : start + 128]
        vectors.update(zip(chunk, np.asarray(await embedder.embed(chunk)), strict=True))
    counts: Counter[tuple[str, bool]] = Counter()
    for pair in pairs:
        a_alone, a_after, a_told, b_alone, b_after, b_told = (vectors[text] for text in texts[pair.id])
        alone, told_after, told = (float(x @ y) for x, y in ((a_alone, b_alone), (a_after, b_after), (a_told, b_told)))
        opened = (
            alone >= context_match.AFTER_ANSWER_FLOOR
            and story_floor <= told_after < after
            and story <= told < max(SHIPPED_STORY, story)
        )
        if opened:
            counts[pair.category, pair.same_answer] += 1
    return counts


def main() -> None:
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    own, rest = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--after", type=float, default=context_match.AFTER_ANSWER_THRESHOLD)
    parser.add_argument("--story-floor", type=float, default=context_match.AFTER_ANSWER_STORY_FLOOR)
    parser.add_argument("--story", type=float, default=context_match.STORY_THRESHOLD)
    parser.add_argument("--run", action="store_true", help="run conversation_misses.py with the marks set")
    parser.add_argument("--band", action="store_true", help="count the fit pairs in the band opened (no Redis)")
    args = parser.parse_args(own)
    if args.band:
        counts = asyncio.run(band(args.after, args.story_floor, args.story))
        print("| category | should-hit | pairs in the band |\n|---|---|---|")
        for (category, same), n in sorted(counts.items()):
            print(f"| {category} | {'yes' if same else 'trap'} | {n} |")
    if args.run:
        marks(args.after, args.story_floor, args.story)
        sys.argv = [sys.argv[0], *rest]
        conversation_misses.main()


if __name__ == "__main__":
    main()
