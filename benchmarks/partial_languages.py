"""Non-English pairs of the six dev splits: how often each side is detected as its labelled language, and
what ``NEARHIT_GUARDS_PARTIAL_MARGIN`` would cost in recall and save in wrong hits.

Each pair is judged as one lookup is, without the KNN step (as ``benchmarks/multilingual.py``): the cosine of
``b`` against its stored ``a`` (MiniLM, the default embedder), served when it reaches the threshold plus the
pair's margin (or the quiet band, where it applies) and no guard vetoes at that similarity. DEV splits only.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict

import numpy as np

from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import Pair
from nearhit.guards import GuardSet
from nearhit.guards.languages import detect

SETS = ("nearhit-v5", "nearhit-v4", "nearhit-v3", "nearhit-v2", "nearhit", "questions")
MARGINS = (0.0, 0.02, 0.05, 0.10, 0.15, 0.18)


def served(guards: GuardSet, pair: Pair, similarity: float, threshold: float) -> bool:
    """The outcome ``choose.by_guards`` gives one candidate."""
    query, cached = pair.b.prompt, pair.a.prompt
    margin = guards.margin(query, cached)
    if margin and similarity < threshold + margin:
        return False
    if similarity < threshold and not (similarity >= threshold - guards.quiet_margin and guards.quiet(query, cached)):
        return False
    return guards.first_rejection(query, cached, similarity) is None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, default=DEFAULT_SIMILARITY_THRESHOLD)
    args = parser.parse_args()
    pairs = [p for s in SETS for p in dataset.load(s, "dev") if p.lang and p.lang != "en"]
    detected: dict[str, Counter[str]] = defaultdict(Counter)
    for pair in pairs:
        labels = pair.lang.split("-") if pair.lang else []
        for label, side in zip((labels[0], labels[-1]), (pair.a.prompt, pair.b.prompt), strict=True):
            detected[label][detect(side)] += 1
    print(f"{len(pairs)} non-English pairs (dev splits of {', '.join(SETS)})\n")
    print("| labelled | sides | detected as labelled | detected otherwise |\n|---|---|---|---|")
    for label, found in sorted(detected.items()):
        other = ", ".join(f"{lang} {n}" for lang, n in found.most_common() if lang != label) or "-"
        print(f"| {label} | {sum(found.values())} | {found[label]} | {other} |")
    embedder = LocalEmbedder()
    a = np.asarray(embedder.encode([p.a.prompt for p in pairs]))
    b = np.asarray(embedder.encode([p.b.prompt for p in pairs]))
    similarities = (a * b).sum(axis=1)
    print(f"\nsame-language pairs, threshold {args.threshold}: served should-hits (recall) · served traps\n")
    languages = sorted({p.lang for p in pairs if p.lang is not None and "-" not in p.lang})
    print("| partial margin | " + " | ".join(languages) + " | all |")
    print("|---" * (len(languages) + 2) + "|")
    for margin in MARGINS:
        guards = GuardSet.default(partial_margin=margin)
        cells: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for pair, similarity in zip(pairs, similarities, strict=True):
            if pair.lang is None or "-" in pair.lang:
                continue
            cell = cells[pair.lang]
            hit = served(guards, pair, float(similarity), args.threshold)
            cell[0 if pair.same_answer else 2] += 1
            cell[1 if pair.same_answer else 3] += hit
        total = [sum(c[i] for c in cells.values()) for i in range(4)]
        row = " | ".join(f"{c[1]}/{c[0]} · {c[3]}/{c[2]}" for _, c in sorted(cells.items()))
        print(f"| {margin:.2f} | {row} | all {total[1]}/{total[0]} · {total[3]}/{total[2]} |")


if __name__ == "__main__":
    main()
