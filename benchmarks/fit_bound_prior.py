"""Count the static decision's verdicts on the DEV splits into ``src/nearhit/cache/data/bound_prior.json``.

The prior of the error-bounded cache (``nearhit.cache.prior``): for each judge the engine ships (the guards as
vetoes; the calibrated decision at its threshold), every DEV pair whose ``b`` the judge lets through to ``a`` at
a similarity of at least ``bounded.FLOOR`` (the lowest the policy considers) is counted in its similarity bin
as right (same answer) or wrong. Nothing is tuned: the counts are the data; the bound's Wilson interval does the
rest. Single-turn sets only (a conversation is matched on its earlier turns as well). The file also records
a fingerprint of what the count reads (guards, word lists, decision, embedder, dev pairs:
``nearhit.evaluation.prior_count``); ``tests/evaluation/test_prior_count.py`` fails as soon as it differs, so
a change to any of them without a re-count is caught by ``make test``.

Data: fow-cache's question pairs (Mabon ap Gwyn, CC BY 4.0) and nearhit's own two sets, DEV split only
(``nearhit.evaluation.splits``); the test split is never loaded here. ``--exclude SET`` leaves a set out, to
replay that set's dev split against a prior that never saw it (the honest dev figure); ``--all-dev`` counts the
dev split of every built-in single-question set instead (questions, nearhit, nearhit-v2 ... the newest):

    .venv/bin/python benchmarks/fit_bound_prior.py                 # writes the shipped file, ~40 s
    .venv/bin/python benchmarks/fit_bound_prior.py --check         # a full re-count compared with the file
    .venv/bin/python benchmarks/fit_bound_prior.py --exclude nearhit-v2 --out /tmp/prior.json
    nearhit eval --replay -d nearhit-v2 --split dev --prior /tmp/prior.json
    .venv/bin/python benchmarks/fit_bound_prior.py --all-dev --exclude nearhit-v16 --out /tmp/loo.json
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, datetime
from pathlib import Path

from nearhit.cache import bounded
from nearhit.cache.prior import read, sparse
from nearhit.evaluation.dataset import BUILTIN, CONVERSATION_SETS
from nearhit.evaluation.prior_count import DATASETS, RECOUNT, count, default_embedder, fingerprint

OUTPUT = Path(__file__).resolve().parents[1] / "src" / "nearhit" / "cache" / "data" / "bound_prior.json"
SINGLE_QUESTION_SETS = tuple(name for name in BUILTIN if name not in CONVERSATION_SETS)
"""Every built-in set of questions asked alone (a conversation is matched on its earlier turns as well)."""
REGIONS = (0.65, 0.76, 0.80, 0.85, 0.88, 0.90, 0.95)


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
    parser.add_argument("--exclude", action="append", default=[], choices=SINGLE_QUESTION_SETS, help="leave a set out")
    parser.add_argument(
        "--all-dev", action="store_true", help=f"count every single-question set, not only {', '.join(DATASETS)}"
    )
    parser.add_argument("--out", type=Path, default=OUTPUT, help="where to write (default: the shipped file)")
    parser.add_argument("--bound", type=float, default=0.02, help="for the printed table only")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the file at --out differs from a fresh count (stale)"
    )
    args = parser.parse_args()
    if args.all_dev and args.out == OUTPUT and not args.dry_run:
        parser.error("--all-dev counts a prior to measure, not the shipped one: give --out or --dry-run")

    datasets = tuple(d for d in (SINGLE_QUESTION_SETS if args.all_dev else DATASETS) if d not in args.exclude)
    priors = count(datasets, default_embedder())
    inputs = fingerprint(datasets)
    print("\n".join(table(priors, args.bound)))
    if args.check:
        text = args.out.read_text(encoding="utf-8")
        if read(text) != priors:
            raise SystemExit(f"\n{args.out} is stale (the guards, the decision or the embedder changed): {RECOUNT}")
        if json.loads(text)["about"].get("inputs") != inputs:
            raise SystemExit(f"\n{args.out}: the counts still hold but its inputs changed; record them: {RECOUNT}")
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
            "inputs": inputs,
        },
        "priors": {key: sparse(histogram) for key, histogram in priors.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = re.sub(r"\[\s+(\d+),\s+(\d+)\s+\]", r"[\1, \2]", json.dumps(data, indent=1))  # a bin per line
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
