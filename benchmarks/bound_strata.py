"""Is any part of what the static decision serves clean enough to serve before the index's own labels say so?

The error-bounded cache's first pass explores (withholds to learn) every candidate the guards let through until
its own labels confirm the region the prior opened (``nearhit.cache.bounded``). Serving some of them sooner
would lower first-pass explorations only if they are wrong well under the bound. This counts, on the DEV splits
of the single-question sets, what the guards let through at the static threshold or above (pair mode: each
``b`` against its own ``a``), right and wrong: per set, and pooled over the sets the shipped prior was not
counted on, split by structural signals the cache has at lookup time (similarity; every guard quiet, i.e. none
reads half a difference; the calibrated decision's score). The one-sided 95% Wilson upper bound of each cell's
wrong rate says whether serving it could keep a 2% bound. The test split is never loaded.

    .venv/bin/python benchmarks/bound_strata.py          # ~1-5 min: embeds every dev pair once
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nearhit.cache import bounded
from nearhit.cache.keys import normalise
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.decision import Decision
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation.dataset import load
from nearhit.evaluation.prior_count import DATASETS, default_embedder
from nearhit.guards import GuardSet
from nearhit.guards.text import expand_short_forms

SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 20)))
FROM = (0.76, 0.85, 0.95)


@dataclass(frozen=True)
class Served:
    """A dev pair the guards let through at the static threshold or above."""

    dataset: str
    similarity: float
    right: bool
    quiet: bool
    score: float


def served(dataset: str, embedder: LocalEmbedder, guards: GuardSet, decision: Decision) -> list[Served]:
    pairs = load(dataset, "dev")
    a = embedder.encode([expand_short_forms(normalise(p.a.prompt)) for p in pairs])
    b = embedder.encode([expand_short_forms(normalise(p.b.prompt)) for p in pairs])
    kept = []
    for pair, cosine in zip(pairs, (a * b).sum(axis=1), strict=True):
        similarity = float(cosine)
        query, cached = pair.b.prompt, pair.a.prompt
        if similarity < DEFAULT_SIMILARITY_THRESHOLD or guards.first_rejection(query, cached, similarity) is not None:
            continue
        score = decision.judge(query, cached, similarity).score
        kept.append(Served(dataset, similarity, pair.same_answer, guards.quiet(query, cached), score))
    return kept


def cell(rows: list[Served]) -> str:
    wrong = sum(not r.right for r in rows)
    return f"{len(rows) - wrong} / {wrong} (≤ {100 * bounded.wilson_upper(wrong, len(rows)):.1f}%)"


def main() -> None:
    embedder, guards = default_embedder(), GuardSet.default()  # as the cache embeds (typos repaired)
    decision = Decision(guards)
    rows = [row for dataset in SETS for row in served(dataset, embedder, guards, decision)]
    print("| set | the static decision serves: right / wrong (95% upper bound of the wrong rate) |\n|---|---|")
    for dataset in SETS:
        print(f"| {dataset} | {cell([r for r in rows if r.dataset == dataset])} |")
    fresh = [r for r in rows if r.dataset not in DATASETS]
    strata: dict[str, Callable[[Served], bool]] = {
        "all": lambda r: True,
        "every guard quiet": lambda r: r.quiet,
        "some guard reads half a difference": lambda r: not r.quiet,
        "decision score >= 0.9": lambda r: r.score >= 0.9,
        "decision score >= 0.95": lambda r: r.score >= 0.95,
    }
    print(f"\nPooled over the {len(SETS) - len(DATASETS)} sets the prior was not counted on:\n")
    print("| stratum | " + " | ".join(f"similarity >= {low:.2f}" for low in FROM) + " |\n|---|---|---|---|")
    for name, keep in strata.items():
        cells = [cell([r for r in fresh if keep(r) and r.similarity >= low]) for low in FROM]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
