"""How narrowly the context checks refuse a set's traps: per trap, which checks refuse it on their own (no
Redis, no LLM).

A trap refused by one check only is one rewording away from a wrong hit. For every pair of the chosen
families with a context on both sides (as the service reads it: facts before the last question go with the
earlier turns), each check of :mod:`nearhit.cache.conversation` is run alone: the contexts' similarity
below the threshold, other facts (numbers, dates, names), a change in the user's turns (when the rest are
the same words), another referent, and the constraint lexicon (:mod:`nearhit.cache.constraints`). Prints
how many traps 0, 1 and 2+ checks refuse, without and with the lexicon.

    python benchmarks/conversation_checks.py --dataset nearhit-conversations-v2 --split dev
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from nearhit.cache import constraints
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import Side
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest

FAMILIES = "context_swap,detail_swap,constraint_added"
CHECKS = ("similarity", "facts", "user turns", "referent")


def looked_up(side: Side) -> tuple[cv.Context | None, str]:
    """The side's context and question as the service reads them."""
    history = tuple(ChatMessage(role, content) for role, content in side.history)  # type: ignore[arg-type]
    request = AskRequest(side.prompt, history=history)._as_looked_up()
    return request.context(), request.prompt


def refusals(cached: cv.Context, query: cv.Context, question: str, asked: str, similarity: float) -> set[str]:
    """The checks that refuse ``query`` against ``cached`` each on its own."""
    mine, theirs = cv._said_by(query, "user"), cv._said_by(cached, "user")
    shape = cv._same_shape(query, cached)
    found = {
        "similarity": similarity < cv.CONTEXT_THRESHOLD,
        "facts": cv._different_facts(mine, theirs) is not None,
        "user turns": cv._changed_by_user(mine, theirs, question, same_shape=shape) is not None,
        "referent": cv.other_referent(question, asked) is not None,
        "lexicon": constraints.differ(mine, theirs) is not None,
    }
    return {name for name, refused in found.items() if refused}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="nearhit-conversations-v2")
    parser.add_argument("--split", default="dev", choices=("dev", "test", "all"))
    parser.add_argument("--families", default=FAMILIES)
    args = parser.parse_args()
    families = set(args.families.split(","))
    sides = []
    for pair in dataset.load(args.dataset, args.split):
        if pair.category in families and not pair.same_answer:
            (a, asked), (b, question) = looked_up(pair.a), looked_up(pair.b)
            if a is not None and b is not None:
                sides.append((a, b, question, asked))
    embedder = LocalEmbedder()
    vectors = embedder.encode([normalise(c.text) for a, b, _, _ in sides for c in (a, b)])
    before: Counter[int] = Counter()
    after: Counter[int] = Counter()
    for n, (a, b, question, asked) in enumerate(sides):
        similarity = float(np.dot(vectors[2 * n], vectors[2 * n + 1]))
        refused = refusals(a, b, question, asked, similarity)
        before[min(len(refused & set(CHECKS)), 2)] += 1
        after[min(len(refused), 2)] += 1
    print(f"{args.dataset} ({args.split} split): {len(sides)} traps of {args.families} with a context on both sides")
    print("refused by      0    1   2+")
    for label, counts in (("without lexicon", before), ("with lexicon", after)):
        print(f"{label:<15} " + " ".join(f"{counts[k]:>4}" for k in range(3)))


if __name__ == "__main__":
    main()
