"""Why the default misses the should-hits it misses, per set, on DEV splits only (the test split is never loaded).

Each pair is judged offline as ``nearhit eval`` judges it (its own scope, so ``a`` is the only candidate; the
embedder's input as the cache gives it; guards as vetoes at the default threshold, with the quiet band), and a
missed should-hit gets one cause: under the quiet band's floor (split at the bound's floor, 0.65: below it even
``NEARHIT_MAX_WRONG_RATE`` never considers the pair), in the band but a guard reads half a difference, or the
guard that vetoed it. Also counted: what the guards let through at the bound's floor (what a bounded cache can
label and learn from).

    python benchmarks/miss_causes.py                         # the five single-turn sets, ~1 minute
    python benchmarks/miss_causes.py --sets nearhit-v4 --show # and print each missed dev pair with its cause (and veto)
    python benchmarks/miss_causes.py --english               # English pairs only (no lang, or lang "en")
    python benchmarks/miss_causes.py --non-english           # one-language pairs in another language ("es")
    python benchmarks/miss_causes.py --non-english --by-language  # a row per language, the sets pooled
"""

from __future__ import annotations

import argparse
from collections import Counter

from nearhit import evaluation
from nearhit.cache import bounded
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.guards import GuardSet
from nearhit.guards.text import expand_short_forms

SETS = ("nearhit-v4", "nearhit-v3", "nearhit-v2", "nearhit", "questions")
CAUSES = ("under 0.65", "0.65 to the band", "band, not quiet")


def _language_cause(reason: str) -> str:
    """The language guard's veto, by why: the sides read as two languages, or one the rules cannot read."""
    return "vetoed: language (differ)" if reason.startswith("languages differ") else "vetoed: language (unread)"


def causes(
    name: str,
    embedder: LocalEmbedder,
    guards: GuardSet,
    threshold: float,
    show: bool,
    english: bool,
    other: bool,
    by_language: bool = False,
) -> dict[str, Counter[str]]:
    """Counts per row: the set, or each pair's language (``by_language``)."""
    pairs = evaluation.load(name, "dev")
    if english:
        pairs = [p for p in pairs if p.lang in (None, "en")]
    if other:  # one language, not English ("en-es" is cross-lingual)
        pairs = [p for p in pairs if p.lang not in (None, "en") and "-" not in p.lang]
    a = embedder.encode([expand_short_forms(normalise(p.a.prompt)) for p in pairs])
    b = embedder.encode([expand_short_forms(normalise(p.b.prompt)) for p in pairs])
    rows: dict[str, Counter[str]] = {}
    for pair, cosine in zip(pairs, (a * b).sum(axis=1), strict=True):
        counts = rows.setdefault((pair.lang or "-") if by_language else name, Counter())
        similarity = float(cosine)
        exact = normalise(pair.a.prompt) == normalise(pair.b.prompt)
        vetoed = guards.first_rejection(pair.b.prompt, pair.a.prompt, similarity)
        quiet = similarity >= threshold - guards.quiet_margin and guards.quiet(pair.b.prompt, pair.a.prompt)
        served = exact or (vetoed is None and (similarity >= threshold or quiet))
        learnable = exact or (vetoed is None and similarity >= bounded.FLOOR)
        kind = "should-hit" if pair.same_answer else "trap"
        counts[kind] += 1
        counts[f"{kind} served"] += served
        counts[f"{kind} let through at 0.65"] += learnable
        if not pair.same_answer or served:
            continue
        if similarity < threshold - guards.quiet_margin:
            cause = "under 0.65" if similarity < bounded.FLOOR else "0.65 to the band"
        elif vetoed is not None and vetoed.guard == "language":
            cause = _language_cause(vetoed.reason)
        elif vetoed is not None:
            cause = f"vetoed: {vetoed.guard}"
        else:
            cause = "band, not quiet"
        counts[cause] += 1
        if show:
            why = f" ({vetoed.reason})" if vetoed is not None and cause.startswith("vetoed") else ""
            print(f"{name} {pair.category} {similarity:.3f} {cause}{why}\n  a: {pair.a.prompt}\n  b: {pair.b.prompt}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS), help="comma list of single-turn sets (dev split)")
    parser.add_argument("--show", action="store_true", help="print each missed dev should-hit")
    parser.add_argument("--english", action="store_true", help="English pairs only (no lang, or lang 'en')")
    parser.add_argument("--non-english", action="store_true", help="one-language pairs other than English")
    parser.add_argument("--by-language", action="store_true", help="a row per pair language, the sets pooled")
    args = parser.parse_args()
    settings = load_settings()
    guards = GuardSet.default(quiet_margin=settings.guards_quiet_margin)
    embedder = LocalEmbedder()
    rows: dict[str, Counter[str]] = {}
    for name in args.sets.split(","):
        found = causes(
            name,
            embedder,
            guards,
            settings.similarity_threshold,
            args.show,
            args.english,
            args.non_english,
            args.by_language,
        )
        for row, counts in found.items():
            rows[row] = rows.get(row, Counter()) + counts
    rows = dict(sorted(rows.items())) if args.by_language else rows
    if len(rows) > 1:
        rows["pooled"] = sum(rows.values(), Counter())
    vetoes = sorted({c for counts in rows.values() for c in counts if c.startswith("vetoed")})
    columns = ["served", *CAUSES, *vetoes, "let through at 0.65", "traps served", "traps let through at 0.65"]
    print("| dev split | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, counts in rows.items():
        cells = [
            f"{counts['should-hit served']}/{counts['should-hit']}",
            *(str(counts[c]) for c in (*CAUSES, *vetoes)),
            f"{counts['should-hit let through at 0.65']}/{counts['should-hit']}",
            f"{counts['trap served']}/{counts['trap']}",
            f"{counts['trap let through at 0.65']}/{counts['trap']}",
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
