"""Where the default (the calibrated decision) loses the should-hits of chosen families, stage by stage, on the
pooled DEV splits of every single-turn question set (no test split is loaded; issue 13, fourteenth session).

Each pair is judged offline as ``nearhit eval`` judges it in pair mode (its own scope, so ``a`` is the only
candidate and the nearest): the embedder's input as the cache builds it (short forms spelt out), the cosine,
then the decision (``Decision.judge``: a guard's veto, else the score against its threshold) from the model's
margin under the similarity threshold. A should-hit ends at one stage: under the margin (no guard ran), a
guard's veto (which), the decision's score, or served. Traps of every category are counted too, so a change
that lifts should-hits shows what it lets through.

    python benchmarks/family_misses.py                          # the three families, a row per family and stage
    python benchmarks/family_misses.py --show vetoed            # and each missed pair of a stage ("under", "score")
    python benchmarks/family_misses.py --families paraphrase,typo
"""

from __future__ import annotations

import argparse
from collections import Counter

from nearhit.cache.embedding_store import _embedder_input
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.decision import Decision
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import load

SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 26)))
FAMILIES = ("abbreviation_slang", "synonym_verb", "same_language_paraphrase")


def stage(decision: Decision, query: str, cached: str, similarity: float, threshold: float) -> tuple[str, str]:
    """Where one candidate ends (``served``, ``under margin``, ``vetoed: <guard>``, ``score``) and why."""
    if normalise(query) == normalise(cached):
        return "served", "exact"
    if similarity < threshold - decision.margin:
        return "under margin", f"{similarity:.3f}"
    judged = decision.judge(query, cached, similarity)
    if judged.veto is not None:
        return f"vetoed: {judged.veto.guard}", judged.veto.reason
    return ("served", "") if judged.served else ("score", judged.reason)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS), help="comma list of single-turn sets (dev split)")
    parser.add_argument("--families", default=",".join(FAMILIES), help="should-hit categories, comma list")
    parser.add_argument("--show", default="", help="print the family pairs that end at stages starting so")
    args = parser.parse_args()
    families = args.families.split(",")
    settings = load_settings()
    embedder = LocalEmbedder()
    repair = bool(getattr(embedder, "repairs_typos", False))
    decision = Decision()
    rows: dict[str, Counter[str]] = {}
    traps: Counter[str] = Counter()
    per_set: dict[str, Counter[str]] = {}
    for name in args.sets.split(","):
        pairs = [p for p in load(name, "dev") if "-" not in (p.lang or "")]
        a = embedder.encode([_embedder_input(normalise(p.a.prompt), repair) for p in pairs])
        b = embedder.encode([_embedder_input(normalise(p.b.prompt), repair) for p in pairs])
        for pair, cosine in zip(pairs, (a * b).sum(axis=1), strict=True):
            ended, why = stage(decision, pair.b.prompt, pair.a.prompt, float(cosine), settings.similarity_threshold)
            kind = "should-hit" if pair.same_answer else "trap"
            per_set.setdefault(name, Counter()).update({kind: 1, f"{kind} served": ended == "served"})
            if not pair.same_answer:
                traps["traps"] += 1
                traps["served"] += ended == "served"
                continue
            row = pair.category if pair.category in families else "other should-hits"
            rows.setdefault(row, Counter())[ended] += 1
            if pair.category in families and args.show and ended.startswith(args.show):
                print(f"{name} {pair.category} {float(cosine):.3f} {ended}: {why}")
                print(f"  a: {pair.a.prompt}\n  b: {pair.b.prompt}")
    stages = sorted({s for counts in rows.values() for s in counts} - {"served", "under margin", "score"})
    columns = ["served", "under margin", *stages, "score"]
    print("| family | should-hits | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 2) + "|")
    for row in (*families, "other should-hits"):
        counts = rows.get(row, Counter())
        print(f"| {row} | {sum(counts.values())} | " + " | ".join(str(counts[c]) for c in columns) + " |")
    print(f"\ntraps served (every category, cross-lingual pairs left out): {traps['served']}/{traps['traps']}")
    print("\n| dev split | should-hits served | traps served |\n|---|---|---|")
    for name, counts in per_set.items():
        served = f"{counts['should-hit served']}/{counts['should-hit']}"
        print(f"| {name} | {served} | {counts['trap served']}/{counts['trap']} |")


if __name__ == "__main__":
    main()
