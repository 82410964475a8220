"""Count the static decision's verdicts on the DEV splits into ``src/nearhit/cache/data/bound_prior.json``.

The prior of the error-bounded cache (``nearhit.cache.prior``): for each judge the engine ships (the guards as
vetoes; the calibrated decision at its threshold), every DEV pair whose ``b`` the judge lets through to ``a`` at
a similarity of at least ``bounded.FLOOR`` (the lowest the policy considers) is counted in its similarity bin
as right (same answer) or wrong. Nothing is tuned: the counts are the data; the bound's Wilson interval does the
rest. Single-turn sets only (a conversation is matched on its earlier turns as well).

Data: fow-cache's question pairs (Mabon ap Gwyn, CC BY 4.0) and nearhit's own two sets, DEV split only
(``nearhit.evaluation.splits``); the test split is never loaded here. ``--exclude SET`` leaves a set out, to
replay that set's dev split against a prior that never saw it (the honest dev figure):

    .venv/bin/python benchmarks/fit_bound_prior.py                 # writes the shipped file, ~40 s
    .venv/bin/python benchmarks/fit_bound_prior.py --check         # after a change to the guards or the decision
    .venv/bin/python benchmarks/fit_bound_prior.py --exclude nearhit-v2 --out /tmp/prior.json
    nearhit eval --replay -d nearhit-v2 --split dev --prior /tmp/prior.json
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, datetime
from pathlib import Path

from nearhit import evaluation
from nearhit.cache import bounded
from nearhit.cache.keys import normalise
from nearhit.cache.prior import judge_key, read, sparse
from nearhit.decision import Decision
from nearhit.embeddings.local import LocalEmbedder
from nearhit.guards import GuardSet
from nearhit.guards.text import expand_short_forms

DATASETS = ("questions", "nearhit", "nearhit-v2")
OUTPUT = Path(__file__).resolve().parents[1] / "src" / "nearhit" / "cache" / "data" / "bound_prior.json"
REGIONS = (0.65, 0.76, 0.80, 0.85, 0.88, 0.90, 0.95)


def count(datasets: tuple[str, ...], embedder: LocalEmbedder) -> dict[str, bounded.Histogram]:
    """Judge key -> the DEV outcomes of what that judge lets through, per similarity bin."""
    guards = GuardSet.default()
    decision = Decision(guards)
    right: dict[str, list[int]] = {}
    wrong: dict[str, list[int]] = {}
    for name in datasets:
        pairs = evaluation.load(name, "dev")
        # the embedder's input as the cache gives it: normalised, short forms spelt out
        a = embedder.encode([expand_short_forms(normalise(p.a.prompt)) for p in pairs])
        b = embedder.encode([expand_short_forms(normalise(p.b.prompt)) for p in pairs])
        for pair, sim in zip(pairs, (a * b).sum(axis=1), strict=True):
            similarity = float(sim)
            if similarity < bounded.FLOOR:
                continue
            # The engine's order: the new prompt is the query, the stored one the candidate.
            passes = {
                judge_key(guards, None): guards.first_rejection(pair.b.prompt, pair.a.prompt, similarity) is None,
                judge_key(guards, decision): decision.judge(pair.b.prompt, pair.a.prompt, similarity).served,
            }
            for key, passed in passes.items():
                assert key is not None
                if passed:
                    counts = right if pair.same_answer else wrong
                    counts.setdefault(key, [0] * bounded.BINS)[bounded.bin_of(similarity)] += 1
    keys = sorted(set(right) | set(wrong))
    return {
        k: bounded.Histogram(tuple(right.get(k, [0] * bounded.BINS)), tuple(wrong.get(k, [0] * bounded.BINS)))
        for k in keys
    }


def table(priors: dict[str, bounded.Histogram], bound: float) -> list[str]:
    lines = ["| judge | region | right | wrong | upper 95% of the wrong rate |", "|---|---|---|---|---|"]
    for key, histogram in priors.items():
        for low in REGIONS:
            start = bounded.bin_of(low)
            r, w = sum(histogram.right[start:]), sum(histogram.wrong[start:])
            upper = bounded.wilson_upper(w, r + w)
            lines.append(f"| {key} | >= {low:.2f} | {r} | {w} | {100 * upper:.1f}% |")
        start, evidence = bounded.served_from(histogram, bound)
        lines.append(f"| {key} | served from (bound {bound:g}) | {start:.2f} | | {evidence} observations |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exclude", action="append", default=[], choices=DATASETS, help="leave a set out")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="where to write (default: the shipped file)")
    parser.add_argument("--bound", type=float, default=0.02, help="for the printed table only")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the file at --out differs from a fresh count (stale)"
    )
    args = parser.parse_args()

    datasets = tuple(d for d in DATASETS if d not in args.exclude)
    priors = count(datasets, LocalEmbedder())
    print("\n".join(table(priors, args.bound)))
    if args.check:
        if read(args.out.read_text(encoding="utf-8")) != priors:
            raise SystemExit(f"\n{args.out} is stale (the guards, the decision or the embedder changed): re-count it")
        print(f"\n{args.out} matches a fresh count")
        return
    if args.dry_run:
        return
    data = {
        "about": {
            "counted": datetime.now(UTC).date().isoformat(),
            "data": f"DEV splits (nearhit-split-v1) of {', '.join(datasets)}; the test split is never read",
            "what": "per similarity bin (width 0.01): [right, wrong] among the pairs the judge lets through",
            "embedder": "all-MiniLM-L6-v2-int8",
            "counted_by": "benchmarks/fit_bound_prior.py",
        },
        "priors": {key: sparse(histogram) for key, histogram in priors.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = re.sub(r"\[\s+(\d+),\s+(\d+)\s+\]", r"[\1, \2]", json.dumps(data, indent=1))  # a bin per line
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
