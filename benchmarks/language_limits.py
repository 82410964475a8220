"""What limits the non-English pairs, per language, on every question set's DEV split pooled (test never loaded).

For each pair written in one language other than English, and each cross-lingual pair, judged as one lookup is
(its ``a`` the only candidate; the cosine of the normalised prompts; the guards at the default threshold with the
quiet band), a row per language says how similar its should-hits and traps are and what refuses each missed
should-hit: under the quiet band's floor, the language guard (the two sides read as two languages; the same
words reordered; a word changed; the uncovered threshold's hold), another guard, or in the band but not quiet.
"lifted" is the upper bound of reading a language: the pair judged with the language guard left out (the other
guards as they read that language today), should-hits and traps served so.

    python benchmarks/language_limits.py                        # MiniLM int8 (the default), ~30 s
    python benchmarks/language_limits.py --embedder local-multilingual
    python benchmarks/language_limits.py --show tr,pl           # and each pair of those languages
"""

from __future__ import annotations

import argparse
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import numpy as np

from nearhit import evaluation
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.evaluation import Pair
from nearhit.guards import GUARD_NAMES, GuardSet
from nearhit.guards.languages import READ, detect
from nearhit.guards.text import expand_short_forms

SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 14)))
REFUSALS = ("under band", "differ", "reordered", "word changed", "hold", "other guard", "not quiet")


def _encoder(name: str) -> Callable[[Sequence[str]], np.ndarray]:
    if name == "local-multilingual":
        from nearhit.embeddings.multilingual import MultilingualEmbedder

        return MultilingualEmbedder().encode
    from nearhit.embeddings.local import LocalEmbedder

    return LocalEmbedder().encode


def _refusal(reason: str) -> str:
    if reason.startswith("languages differ"):
        return "differ"
    if "reordered" in reason:
        return "reordered"
    if "a word changed" in reason:
        return "word changed"
    return "hold"


def _row(pair: Pair) -> str:
    lang = pair.lang or "en"
    return "cross-lingual" if "-" in lang else lang


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS), help="comma list of single-turn sets (dev split)")
    parser.add_argument("--embedder", default="local", choices=("local", "local-multilingual"))
    parser.add_argument("--show", default="", help="comma list of languages whose pairs are printed")
    args = parser.parse_args()
    settings = load_settings()
    threshold, margin = settings.similarity_threshold, settings.guards_quiet_margin
    guards = GuardSet.default(quiet_margin=margin)
    lifted = GuardSet.from_names([n for n in GUARD_NAMES if n != "language"], quiet_margin=margin)
    pairs = [p for name in args.sets.split(",") for p in evaluation.load(name, "dev") if p.lang not in (None, "en")]
    encode = _encoder(args.embedder)
    text = [(normalise(p.a.prompt), normalise(p.b.prompt)) for p in pairs]
    unique = sorted({expand_short_forms(t) for pair in text for t in pair})
    vectors = np.concatenate([encode(unique[i : i + 32]) for i in range(0, len(unique), 32)])
    at = {t: i for i, t in enumerate(unique)}
    show = set(filter(None, args.show.split(",")))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    similarities: dict[str, list[float]] = defaultdict(list)
    for pair, (a, b) in zip(pairs, text, strict=True):
        similarity = float(vectors[at[expand_short_forms(a)]] @ vectors[at[expand_short_forms(b)]])
        row, kind = _row(pair), "should" if pair.same_answer else "trap"
        c = counts[row]
        c[kind] += 1
        similarities[f"{row} {kind}"].append(similarity)
        c[f"{kind} >= {threshold}"] += similarity >= threshold
        outcome: dict[str, tuple[bool, str | None, str | None]] = {}
        for label, judge in (("served", guards), ("lifted", lifted)):
            vetoed = judge.first_rejection(pair.b.prompt, pair.a.prompt, similarity)
            quiet = similarity >= threshold - margin and judge.quiet(pair.b.prompt, pair.a.prompt)
            served = a == b or (vetoed is None and (similarity >= threshold or quiet))
            outcome[label] = (served, vetoed.guard if vetoed else None, vetoed.reason if vetoed else None)
            c[f"{kind} {label}"] += served
        served, guard, reason = outcome["served"]
        if pair.same_answer and not served:
            if similarity < threshold - margin:
                cause = "under band"
            elif guard == "language" and reason is not None:
                cause = _refusal(reason)
            else:
                cause = "other guard" if guard is not None else "not quiet"
            c[cause] += 1
        if row in show:
            why = f"{'served' if served else 'refused'}: {reason or '-'}; lifted: {outcome['lifted'][2] or '-'}"
            print(
                f"{row} {kind} {similarity:.3f} [{detect(pair.a.prompt)}/{detect(pair.b.prompt)}] {why}\n"
                f"  a: {pair.a.prompt}\n  b: {pair.b.prompt}"
            )
    read = sorted(r for r in counts if r in READ)
    unread = sorted(r for r in counts if r not in READ and r != "cross-lingual")
    header = (
        "| language | should-hits | median sim | >= {t} | served | lifted | "
        + " | ".join(REFUSALS)
        + " | traps | median sim | >= {t} | served | lifted |"
    ).format(t=threshold)
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for group, rows in (("read", read), ("unread", unread), ("cross", ["cross-lingual"])):
        total: Counter[str] = Counter()
        for row in rows:
            total += counts[row]
            _print(row, counts[row], similarities, [row], threshold)
        _print(f"**{group}**", total, similarities, rows, threshold)


def _print(name: str, c: Counter[str], sims: dict[str, list[float]], rows: list[str], threshold: float) -> None:
    def median(kind: str) -> str:
        values = [s for r in rows for s in sims.get(f"{r} {kind}", [])]
        return f"{statistics.median(values):.2f}" if values else "-"

    cells = [
        str(c["should"]),
        median("should"),
        str(c[f"should >= {threshold}"]),
        str(c["should served"]),
        str(c["should lifted"]),
        *(str(c[r]) for r in REFUSALS),
        str(c["trap"]),
        median("trap"),
        str(c[f"trap >= {threshold}"]),
        str(c["trap served"]),
        str(c["trap lifted"]),
    ]
    print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
