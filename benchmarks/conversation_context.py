"""Which representation of a conversation's earlier turns matches conversations best (no Redis, no LLM).

For each labelled conversation pair (a is cached, b asks), a hit is what the engine decides: the question
judged as a single question (similarity threshold + guards), then, unless b's question stands alone, the
contexts compared by :func:`nearhit.cache.conversation.differs` with the cosine of the two contexts'
embeddings computed from the representation under test. Prints recall and wrong hits per category.

    python benchmarks/conversation_context.py --dataset conversations --split dev

Representations: ``all`` (every earlier turn: the engine's), ``user`` (the user's turns only),
``last-exchange`` (the last user turn and the assistant's answer), and ``exact`` (the earlier turns hashed:
the behaviour before conversations were matched by meaning).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

from nearhit.cache.conversation import Context, context_of, differs
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.guards import GuardSet

THRESHOLD = 0.76  # the configured default question threshold

Represent = Callable[[Context], str]
REPRESENTATIONS: dict[str, Represent] = {
    "all": lambda c: c.text,
    "user": lambda c: "\n".join(t for r, t in c.turns if r == "user"),
    "last-exchange": lambda c: "\n".join(t for _, t in c.turns[-2:]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="conversations")
    parser.add_argument("--split", default="dev", choices=("dev", "test", "all"))
    args = parser.parse_args()
    pairs = dataset.load(args.dataset, args.split)
    embedder, guards = LocalEmbedder(), GuardSet.default()
    texts = sorted(
        {s.prompt for p in pairs for s in (p.a, p.b)}
        | {rep(Context(s.history)) for p in pairs for s in (p.a, p.b) if s.history for rep in REPRESENTATIONS.values()}
    )
    vectors: dict[str, np.ndarray] = {}
    for start in range(0, len(texts), 32):
        vectors.update(zip(texts[start : start + 32], embedder.encode(texts[start : start + 32]), strict=True))

    def cos(a: str, b: str) -> float:
        return float(np.dot(vectors[a], vectors[b]))

    categories = sorted({p.category for p in pairs}, key=lambda c: (not _should_hit(pairs, c), c))
    print(f"{args.dataset} ({args.split}): {len(pairs)} pairs, question threshold {THRESHOLD}, guards all\n")
    print(f"| representation | recall | wrong hits | {' | '.join(categories)} |")
    print(f"|---|---|---|{'---|' * len(categories)}")
    for name in ("exact", *REPRESENTATIONS):
        served: dict[str, list[int]] = {c: [0, 0] for c in categories}
        for pair in pairs:
            similarity = cos(pair.a.prompt, pair.b.prompt)
            hit = similarity >= THRESHOLD and guards.first_rejection(pair.b.prompt, pair.a.prompt, similarity) is None
            mine, cached = context_of(pair.b.history, pair.b.prompt), context_of(pair.a.history, pair.a.prompt)
            if name == "exact":
                hit = hit and pair.a.history == pair.b.history
            elif mine is not None:
                rep = REPRESENTATIONS[name]
                hit = (
                    hit
                    and cached is not None
                    and differs(pair.b.prompt, mine, cached, cos(rep(mine), rep(cached))) is None
                )
            elif cached is not None:
                hit = False  # b stands alone, a did not: a's answer was for its context
            served[pair.category][0] += hit
            served[pair.category][1] += 1
        should = [c for c in categories if _should_hit(pairs, c)]
        recall = sum(served[c][0] for c in should) / max(1, sum(served[c][1] for c in should))
        traps = [c for c in categories if c not in should]
        wrong = sum(served[c][0] for c in traps) / max(1, sum(served[c][1] for c in traps))
        cells = " | ".join(f"{served[c][0]}/{served[c][1]}" for c in categories)
        print(f"| {name} | {recall:.1%} | {wrong:.1%} | {cells} |")


def _should_hit(pairs: list[dataset.Pair], category: str) -> bool:
    return any(p.same_answer for p in pairs if p.category == category)


if __name__ == "__main__":
    main()
