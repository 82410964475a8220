"""Judges of a detail changed in a retold user turn, measured on the pairs a run served: none is built.

Reads a ``conversation_misses.py --pairs`` run. For each pair with earlier turns on both sides in the same shape that
:func:`conversation.differs` lets through offline (the contexts' similarity taken as 1.0), three judges:

- a user turn kept in the same frame with its middle exchanged (:func:`story.framed_swap`, read by
  :func:`conversation.retold` only under ``CONTEXT_THRESHOLD``), and the cosine of the two middles' embeddings (a
  swap reads far apart, a rewording close);
- a content word affirmed in one side's user turns and negated in the other's (within ``WINDOW`` words after "not",
  "no", "never", ...: "haven't pushed yet" / "already pushed");
- a sentence of one side's user turns with a negation whose content words the other side never says ("No bank
  account here.").

``--all`` reads every dev pair, not only those served. Dev only.

    python benchmarks/conversation_misses.py --pairs base.txt
    PYTHONPATH=src:benchmarks python benchmarks/conversation_detail_swaps.py base.txt
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

from conversation_vetoes import _context
from nearhit import evaluation
from nearhit.cache import conversation as cv
from nearhit.cache import story
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation.dataset import CONVERSATION_SETS, Pair
from nearhit.guards.stemming import stem
from nearhit.guards.text import analyse

WINDOW = 3
"""How many words before a content word a negation may stand to negate it."""
_NEGATIONS = frozenset({"not", "no", "never", "without", "nothing", "none", "nor"})
_SENTENCES = re.compile(r"(?<=[.!?,;])\s+|\n")


def middles(mine: str, theirs: str) -> tuple[str, str] | None:
    """The middles two user turns exchange in the same frame (:func:`story.framed_swap`), else None."""
    if mine == theirs or story.framed_swap(mine, theirs) is None:
        return None
    a, b = analyse(mine).tokens, analyse(theirs).tokens
    start = story._shared_start(a, b)
    end = story._shared_start(a[start:][::-1], b[start:][::-1])
    return " ".join(a[start : len(a) - end]), " ".join(b[start : len(b) - end])


def polarity(text: str) -> tuple[set[str], set[str]]:
    """The stems of ``text``'s content words under a negation and those not."""
    tokens = analyse(text).tokens  # contractions split: "haven't" -> "have not"
    negated: set[str] = set()
    affirmed: set[str] = set()
    for n, token in enumerate(tokens):
        if token not in _NEGATIONS and cv._content([token]):
            (negated if _NEGATIONS.intersection(tokens[max(0, n - WINDOW) : n]) else affirmed).add(stem(token))
    return negated, affirmed


def negated_new(mine: str, other: str) -> str | None:
    """A sentence of ``mine`` with a negation whose content words ``other`` never says, else None."""
    said = {stem(token) for token in cv._content(analyse(other).tokens)}
    for sentence in _SENTENCES.split(mine):
        tokens = analyse(sentence).tokens
        content = {stem(token) for token in cv._content(tokens) if token not in _NEGATIONS}
        if _NEGATIONS.intersection(tokens) and content and not any(cv.same_stem(x, y) for x in content for y in said):
            return sentence
    return None


def _whole(pair_side: Pair, side: str) -> str:
    told = getattr(pair_side, side)
    return "\n".join([*(text for role, text in told.history if role != "system"), told.prompt])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pairs", help="a conversation_misses.py --pairs file")
    parser.add_argument("--all", action="store_true", help="every dev pair, not only those the run served")
    args = parser.parse_args()
    with open(args.pairs, encoding="utf-8") as lines:
        served = {line.split()[0] for line in lines if line.split()[1] == "served"}
    embedder = LocalEmbedder()
    swaps: list[tuple[float, Pair, str, str]] = []
    flips: Counter[bool] = Counter()
    negations: Counter[bool] = Counter()
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            if not (args.all or pair.id in served) or not (pair.a.history and pair.b.history):
                continue
            query, cached = _context(pair.b), _context(pair.a)
            if cv.differs(pair.b.prompt, query, cached, 1.0, pair.a.prompt) is not None:
                continue
            mine, theirs = cv._said_by(query, "user"), cv._said_by(cached, "user")
            (neg_a, pos_a), (neg_b, pos_b) = polarity(mine), polarity(theirs)
            flips[pair.same_answer] += bool((neg_a & pos_b - neg_b) | (neg_b & pos_a - neg_a))
            new = negated_new(mine, _whole(pair, "a")) or negated_new(theirs, _whole(pair, "b"))
            negations[pair.same_answer] += new is not None
            if not cv._same_shape(query, cached):
                continue
            turns = zip(query.turns, cached.turns, strict=True)
            found = next((m for (role, x), (_, y) in turns if role == "user" and (m := middles(x, y))), None)
            if found is not None:
                a, b = embedder.encode([normalise(found[0]), normalise(found[1])])
                swaps.append((float(a @ b), pair, *found))
    print("| middles' cosine | pair | trap | middle (asked) | middle (stored) |\n|---|---|---|---|---|")
    for cosine, pair, mine, theirs in sorted(swaps, key=lambda row: row[0]):
        print(f"| {cosine:.3f} | {pair.id} | {'' if pair.same_answer else '**trap**'} | {mine} | {theirs} |")
    print(f"\na word affirmed on one side, negated on the other: {flips[False]} traps, {flips[True]} should-hits")
    print(f"a negated sentence the other side never says: {negations[False]} traps, {negations[True]} should-hits")


if __name__ == "__main__":
    main()
