"""The multilingual cosine for pairs in one read language other than English, as the cache uses it. DEV only.

Every single-turn set's DEV split (the test split is never loaded), each pair judged as one lookup is (its ``a``
the only candidate; the embedder's input as the cache gives it; the calibrated decision, the default judge, from
its floor under the threshold). For a pair the cache re-scores (``cache.other_language.liftable``: one read
language other than English, a subject word in common that is no name) the similarity is the larger of MiniLM's
and USE multilingual's cosine (``max``); for comparison, the larger for every pair in one read language (``any``)
and USE's alone there (``use``); every other pair keeps MiniLM's. Nothing is fitted, so leave-one-set-out is the
per-set row. Then the rows per language and per category that any variant moves, and what refuses the traps.

    pip install -e '.[multilingual]'
    python benchmarks/other_language_cosine.py                 # ~5 minutes on a shared 2-core machine
    python benchmarks/other_language_cosine.py --sets nearhit-v20,nearhit-v21 --show
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from nearhit import evaluation
from nearhit.cache.embedding_store import _embedder_input
from nearhit.cache.keys import normalise
from nearhit.cache.other_language import OTHER_LANGUAGES, liftable
from nearhit.config import load_settings
from nearhit.decision import Decision
from nearhit.embeddings.multilingual import MultilingualEmbedder
from nearhit.evaluation import Pair
from nearhit.evaluation.prior_count import default_embedder
from nearhit.guards.languages import pair_language

SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 22)))
VARIANTS = ("minilm", "max", "any", "use")
"""MiniLM alone (before); the larger cosine where the cache lifts (``liftable``: a subject word in common);
the larger wherever the pair is in one read language (``any``, no subject word asked); USE alone there."""


FLOOR = load_settings().similarity_threshold - Decision().margin
"""Where the decision starts judging (0.76 - 0.10): under it the cache serves nothing."""


def _served(decision: Decision, pair: Pair, similarity: float) -> tuple[bool, str]:
    """As a lookup whose scope holds ``a`` alone: exact, or judged from the decision's floor."""
    if normalise(pair.a.prompt) == normalise(pair.b.prompt):
        return True, "exact"
    if similarity < FLOOR:
        return False, "under the floor"
    judgement = decision.judge(pair.b.prompt, pair.a.prompt, similarity)
    return judgement.served, judgement.rejected_by or "served"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS), help="comma list of single-turn sets (dev split)")
    parser.add_argument("--show", action="store_true", help="print each pair whose verdict a variant moves")
    args = parser.parse_args()
    decision = Decision()
    minilm, use = default_embedder(), MultilingualEmbedder()
    totals = {v: Counter[str]() for v in VARIANTS}
    by: dict[str, Counter[str]] = {v: Counter() for v in VARIANTS}
    refused: Counter[str] = Counter()
    shown: list[str] = []
    print("| dev split | in one read language (lifted) | MiniLM | max, subject (the cache) | max, any | USE alone |")
    print("|---|---|---|---|---|---|")
    for name in args.sets.split(","):
        pairs = evaluation.load(name, "dev")
        a = minilm.encode([_embedder_input(normalise(p.a.prompt), minilm.repairs_typos) for p in pairs])
        b = minilm.encode([_embedder_input(normalise(p.b.prompt), minilm.repairs_typos) for p in pairs])
        cosine = (a * b).sum(axis=1)
        languages = [pair_language(p.b.prompt, p.a.prompt) for p in pairs]
        other = [i for i, lang in enumerate(languages) if lang in OTHER_LANGUAGES]
        lift = {i for i in other if liftable(pairs[i].b.prompt, pairs[i].a.prompt)}
        use_cosine = np.full(len(pairs), np.nan)
        if other:
            ua = use.encode([normalise(pairs[i].a.prompt) for i in other])
            ub = use.encode([normalise(pairs[i].b.prompt) for i in other])
            use_cosine[other] = (ua * ub).sum(axis=1)
        cells = []
        for variant in VARIANTS:
            counts = Counter[str]()
            for i, pair in enumerate(pairs):
                similarity = float(cosine[i])
                if i in other and variant != "minilm" and (variant != "max" or i in lift):
                    lifted = float(use_cosine[i])
                    similarity = lifted if variant == "use" else max(similarity, lifted)
                served, outcome = _served(decision, pair, similarity)
                kind = "should-hit" if pair.same_answer else "trap"
                counts[kind] += 1
                counts[f"{kind} served"] += served
                if i in other:
                    for key in (f"{languages[i]} ({kind})", f"{pair.category} ({kind})", f"all ({kind})"):
                        by[variant][key] += served
                        by[variant][key + " all"] += 1
                    if variant == "max" and not pair.same_answer:
                        refused[outcome] += 1
                    if args.show and variant == "max" and served != _served(decision, pair, float(cosine[i]))[0]:
                        shown.append(
                            f"{name} {pair.id} {languages[i]} {pair.category} MiniLM {cosine[i]:.3f} "
                            f"USE {use_cosine[i]:.3f}: {pair.a.prompt} | {pair.b.prompt}"
                        )
            totals[variant] += counts
            cells.append(_cell(counts))
        print(f"| {name} | {len(other)} ({len(lift)}) | " + " | ".join(cells) + " |", flush=True)
    print("| **pooled** | | " + " | ".join(_cell(totals[v]) for v in VARIANTS) + " |")
    print(
        "\n| pairs in one read language | pairs | MiniLM (before) | max, subject (the cache) | max, any | USE alone |"
    )
    print("|---|---|---|---|---|---|")
    for key in sorted(k for k in by["minilm"] if not k.endswith(" all")):
        served = [by[v][key] for v in VARIANTS]
        if len(set(served)) > 1 or key.startswith("all") or "trap" in key:
            print(f"| {key} | {by['minilm'][key + ' all']} | " + " | ".join(map(str, served)) + " |")
    print("\nthe traps in one read language under max, by what refused them:", dict(refused.most_common()))
    print("\n".join(shown))


def _cell(counts: Counter[str]) -> str:
    return f"{counts['should-hit served']}/{counts['should-hit']} · {counts['trap served']}/{counts['trap']}"


if __name__ == "__main__":
    main()
