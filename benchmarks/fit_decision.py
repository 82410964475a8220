"""Fit the calibrated decision on the DEV splits and write ``src/nearhit/decision/data/decision_v1.json``.

Data: fow-cache's question pairs (Mabon ap Gwyn, CC BY 4.0) and nearhit's own pairs, DEV split only
(``nearhit.evaluation.splits``); the test split is never loaded here. Similarity is the local embedder's
cosine of the normalised prompts, as the cache computes it. Pairs a certain veto rejects (``VETOES``) and
pairs below the similarity floor are left out of the fit (the model never sees them in the engine) but
count in the recall and wrong-hit figures.

1. For each similarity floor in ``FLOORS`` (the ``SEMANTIC_SIMILARITY_THRESHOLD`` below which the model is
   not asked), the L2 strength is chosen by 5-fold cross-validated log-loss within dev (folds by a hash of
   the id, repeated 3 times with other cuts and averaged), and the threshold is the one with the highest
   out-of-fold recall whose out-of-fold wrong hits
   stay within ``--max-wrong`` of all dev traps.
2. The model written uses ``--floor`` (default: the default ``SEMANTIC_SIMILARITY_THRESHOLD``, 0.76). The
   table of floors is printed to show the choice: on dev, lower floors add little recall inside the noise
   and let through more look-alikes that are reworded with opposite words (similarity 0.65-0.75), and
   keeping the default keeps what a user's threshold means. The dev estimate printed is out of fold.
3. The model is refitted on all of dev and written with its provenance. The similarity weight is kept
   non-negative, so a more similar candidate never scores lower, all else equal.

    .venv/bin/python benchmarks/fit_decision.py [--max-wrong 0.02] [--dry-run]   # ~30 s
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from nearhit import evaluation
from nearhit.cache.keys import normalise
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.decision import FEATURE_NAMES, VETOES, features
from nearhit.decision.features import vector
from nearhit.decision.fit import fit, folds, out_of_fold
from nearhit.decision.model import DecisionModel
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import Pair
from nearhit.guards import GuardSet
from nearhit.guards.guard_set import DEFAULT_QUIET_MARGIN
from nearhit.guards.text import expand_short_forms

DATASETS = ("questions", "nearhit", "nearhit-v2")
OUTPUT = Path(__file__).resolve().parents[1] / "src" / "nearhit" / "decision" / "data" / "decision_v1.json"
L2_GRID = (0.001, 0.003, 0.01, 0.03, 0.1)
FLOORS = (0.60, 0.68, 0.72, 0.80)
FOLDS = 5
REPEATS = 3
NONNEGATIVE = [name == "similarity" for name in FEATURE_NAMES]


@dataclass(frozen=True)
class Row:
    dataset: str
    pair: Pair
    similarity: float
    vetoed: bool
    values: list[float]
    passes_guards: bool
    """No guard vetoes it at its similarity: served by the guards as vetoes at any threshold below it."""
    quiet: bool
    """No guard reads even half a difference (``GuardSet.quiet``): served down to the quiet margin."""


def rows(embedder: LocalEmbedder) -> list[Row]:
    guards = GuardSet.default()
    found = []
    for name in DATASETS:
        pairs = evaluation.load(name, "dev")
        # The embedder's input as the cache gives it (``EmbeddingStore``): normalised, short forms spelt out.
        a = embedder.encode([expand_short_forms(normalise(p.a.prompt)) for p in pairs])
        b = embedder.encode([expand_short_forms(normalise(p.b.prompt)) for p in pairs])
        for pair, sim in zip(pairs, (a * b).sum(axis=1), strict=True):
            similarity = float(sim)
            # The engine's order: the new prompt is the query, the stored one the candidate.
            signals = guards.signals(pair.b.prompt, pair.a.prompt)
            vetoed = any(s.guard in VETOES and s.vetoes(VETOES[s.guard], similarity) for s in signals)
            values = vector(features(similarity, signals, pair.b.prompt, pair.a.prompt))
            passes = guards.first_rejection(pair.b.prompt, pair.a.prompt, similarity) is None
            quiet = guards.quiet(pair.b.prompt, pair.a.prompt)
            found.append(Row(name, pair, similarity, vetoed, values, passes, quiet))
    return found


def rates(served: np.ndarray, labels: np.ndarray) -> tuple[int, int, int, int]:
    """(hits, should-hit, wrong hits, traps)."""
    return (
        int((served & labels).sum()),
        int(labels.sum()),
        int((served & ~labels).sum()),
        int((~labels).sum()),
    )


def choose_threshold(scores: np.ndarray, labels: np.ndarray, max_wrong: float) -> float:
    """Highest recall with wrong hits <= max_wrong of all dev traps; ties to the higher (safer) threshold."""
    best: tuple[int, float] | None = None
    for t in np.round(np.arange(0.30, 0.995, 0.005), 3):
        hits, _, wrong, traps = rates(scores >= t, labels)
        if wrong <= max_wrong * traps and (best is None or hits >= best[0]):
            best = (hits, float(t))
    if best is None:
        raise SystemExit(f"no threshold keeps out-of-fold wrong hits within {max_wrong:.1%}")
    return best[1]


@dataclass(frozen=True)
class Choice:
    """One floor's cross-validated result: its L2, threshold, and each repeat's out-of-fold scores."""

    floor: float
    l2: float
    threshold: float
    scores: np.ndarray  # (REPEATS, pairs); 0 below the floor or vetoed
    usable: np.ndarray
    losses: dict[float, float]


def cross_validate(data: list[Row], floor: float, max_wrong: float) -> Choice:
    """L2 by the mean out-of-fold log-loss over the repeats; the threshold on all repeats pooled."""
    labels = np.array([r.pair.same_answer for r in data])
    usable = np.array([not r.vetoed and r.similarity >= floor for r in data])
    x = np.array([r.values for r in data])[usable]
    y = labels[usable].astype(float)
    ids = [r.pair.id for r in data]
    splits = [folds(ids, FOLDS, salt=f"nearhit-decision-cv-{n}")[usable] for n in range(REPEATS)]
    losses, predicted = {}, {}
    for l2 in L2_GRID:
        runs = [np.clip(out_of_fold(x, y, f, l2=l2, nonnegative=NONNEGATIVE), 1e-12, 1 - 1e-12) for f in splits]
        losses[l2] = float(np.mean([-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) for p in runs]))
        predicted[l2] = runs
    l2 = min(losses, key=lambda k: losses[k])
    scores = np.zeros((REPEATS, len(data)))
    scores[:, usable] = predicted[l2]
    threshold = choose_threshold(scores.ravel(), np.tile(labels, REPEATS), max_wrong)
    return Choice(floor, l2, threshold, scores, usable, losses)


def mean_counts(served: np.ndarray, labels: np.ndarray) -> tuple[float, int, float, int]:
    """(hits, should-hit, wrong hits, traps), the served counts averaged over the repeats."""
    runs = [rates(s, labels) for s in served]
    return (float(np.mean([r[0] for r in runs])), runs[0][1], float(np.mean([r[2] for r in runs])), runs[0][3])


def line(label: str, served: np.ndarray, labels: np.ndarray) -> str:
    hits, should, wrong, traps = mean_counts(served, labels)
    r_lo, r_hi = evaluation.wilson(round(hits), should) or (0, 0)
    w_lo, w_hi = evaluation.wilson(round(wrong), traps) or (0, 0)
    return (
        f"| {label} | {hits:.1f}/{should} ({100 * hits / should:.1f}%, {100 * r_lo:.0f}–{100 * r_hi:.0f}%) "
        f"| {wrong:.1f}/{traps} ({100 * wrong / traps:.1f}%, {100 * w_lo:.0f}–{100 * w_hi:.0f}%) |"
    )


def dev_table(data: list[Row], choice: Choice) -> list[str]:
    labels = np.array([r.pair.same_answer for r in data])
    dataset = np.array([r.dataset for r in data])
    served = choice.scores >= choice.threshold
    table = [
        f"| dev, 5-fold out-of-fold (mean of {REPEATS} repeats) | recall (95% CI) | wrong hits on traps (95% CI) |",
        "|---|---|---|",
    ]
    for name in DATASETS:
        mine = dataset == name
        table.append(line(f"{name} dev", served[:, mine], labels[mine]))
    table.append(line("both dev", served, labels))
    return table


def holds_on_each(data: list[Row], choice: Choice, max_wrong: float) -> bool:
    """Whether the out-of-fold wrong hits stay within the bound on each dataset, not only on both."""
    labels = np.array([r.pair.same_answer for r in data])
    dataset = np.array([r.dataset for r in data])
    served = choice.scores >= choice.threshold
    for name in DATASETS:
        _, _, wrong, traps = mean_counts(served[:, dataset == name], labels[dataset == name])
        if wrong > max_wrong * traps:
            return False
    return True


def cell(served: np.ndarray, labels: np.ndarray) -> str:
    """``recall (hits/should) · wrong (wrong/traps)``; ``served`` is one row or one row per repeat."""
    hits, should, wrong, traps = mean_counts(np.atleast_2d(served), labels)
    return f"{100 * hits / should:.1f}% ({hits:g}/{should}) · {100 * wrong / traps:.1f}% ({wrong:g}/{traps})"


def vetoes_threshold(data: list[Row], max_wrong: float) -> float:
    """The lowest similarity threshold at which the guards as vetoes keep wrong hits within the bound (dev)."""
    labels = np.array([r.pair.same_answer for r in data])
    similarity = np.array([r.similarity for r in data])
    passes = np.array([r.passes_guards for r in data])
    best = 0.99
    for t in np.round(np.arange(0.99, 0.595, -0.01), 2):
        _, _, wrong, traps = rates(passes & (similarity >= t), labels)
        if wrong > max_wrong * traps:
            break
        best = float(t)
    return best


def comparison(data: list[Row], choice: Choice, max_wrong: float) -> list[str]:
    """Guards as vetoes against the decision (out of fold), per dev set and pooled, at the same wrong hits."""
    labels = np.array([r.pair.same_answer for r in data])
    dataset = np.array([r.dataset for r in data])
    similarity = np.array([r.similarity for r in data])
    passes = np.array([r.passes_guards for r in data])
    default = passes & (similarity >= DEFAULT_SIMILARITY_THRESHOLD)
    quiet = np.array([r.quiet for r in data])
    banded = passes & (default | (quiet & (similarity >= DEFAULT_SIMILARITY_THRESHOLD - DEFAULT_QUIET_MARGIN)))
    _, _, default_wrong, traps = rates(default, labels)
    # The decision's threshold for the vetoes' own wrong-hit count at the default threshold.
    matched = choose_threshold(choice.scores.ravel(), np.tile(labels, REPEATS), default_wrong / traps)
    lowest = vetoes_threshold(data, max_wrong)
    systems = [
        (f"guards as vetoes, {DEFAULT_SIMILARITY_THRESHOLD:.2f}, no quiet band", default),
        (f"guards as vetoes, {DEFAULT_SIMILARITY_THRESHOLD:.2f} + quiet band {DEFAULT_QUIET_MARGIN} (default)", banded),
        (f"guards as vetoes, {lowest:.2f} (lowest within {max_wrong:.0%})", passes & (similarity >= lowest)),
        (f"decision, out of fold, score >= {matched:g} (the vetoes' wrong hits)", choice.scores >= matched),
        (
            f"decision, out of fold, score >= {choice.threshold:g} (within {max_wrong:.0%})",
            choice.scores >= choice.threshold,
        ),
    ]
    table = [
        "| system (recall · wrong hits) | " + " | ".join(f"{name} dev" for name in DATASETS) + " | all dev |",
        "|---|" + "---|" * (len(DATASETS) + 1),
    ]
    for label, served in systems:
        served = np.atleast_2d(served)
        cells = [cell(served[:, dataset == name], labels[dataset == name]) for name in DATASETS]
        table.append(f"| {label} | " + " | ".join(cells) + f" | {cell(served, labels)} |")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-wrong", type=float, default=0.02, help="wrong-hit bound on dev (out of fold)")
    parser.add_argument(
        "--floor", type=float, default=DEFAULT_SIMILARITY_THRESHOLD, help="similarity floor of the model written"
    )
    parser.add_argument("--show-errors", action="store_true", help="list dev traps scored near the threshold")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the model file")
    args = parser.parse_args()

    data = rows(LocalEmbedder())
    labels = np.array([r.pair.same_answer for r in data])
    print(f"dev pairs: {len(data)} ({', '.join(DATASETS)}); {sum(r.vetoed for r in data)} vetoed\n")
    print("| similarity floor | L2 (by out-of-fold log-loss) | threshold | recall | wrong hits | bound on each set |")
    print("|---|---|---|---|---|---|")
    choices = {}
    for floor in sorted({*FLOORS, args.floor}):
        choice = cross_validate(data, floor, args.max_wrong)
        hits, should, wrong, traps = mean_counts(choice.scores >= choice.threshold, labels)
        each = holds_on_each(data, choice, args.max_wrong)
        choices[floor] = choice
        print(
            f"| {floor:.2f} | {choice.l2} ({choice.losses[choice.l2]:.4f}) | {choice.threshold} "
            f"| {hits:.1f}/{should} | {wrong:.1f}/{traps} | {'yes' if each else 'no'} |"
        )
    chosen = choices[args.floor]
    table = dev_table(data, chosen)
    print(f"\nchosen: floor {chosen.floor}, l2 {chosen.l2}, threshold {chosen.threshold}\n")
    print("\n".join(table))
    print()
    print("\n".join(comparison(data, chosen, args.max_wrong)))
    if args.show_errors:
        for row, score in zip(data, chosen.scores.mean(axis=0), strict=True):
            if score >= chosen.threshold - 0.1 and not row.pair.same_answer:
                print(f"  trap {score:.3f} sim {row.similarity:.3f} {row.pair.a.prompt!r} | {row.pair.b.prompt!r}")

    x = np.array([r.values for r in data])[chosen.usable]
    model = fit(x, labels[chosen.usable].astype(float), l2=chosen.l2, nonnegative=NONNEGATIVE)
    decision = DecisionModel(
        names=FEATURE_NAMES,
        mean=tuple(round(float(v), 6) for v in model.mean),
        scale=tuple(round(float(v), 6) for v in model.scale),
        weights=tuple(round(float(v), 6) for v in model.weights),
        bias=round(model.bias, 6),
        threshold=chosen.threshold,
        min_similarity=chosen.floor,
        about={
            "fitted": datetime.now(UTC).date().isoformat(),
            "data": "fow-cache questions (Mabon ap Gwyn, CC BY 4.0) + nearhit's own pairs",
            "split": "dev only (nearhit-split-v1); the test split is never read by the fit",
            "pairs_fitted": int(chosen.usable.sum()),
            "embedder": "all-MiniLM-L6-v2-int8",
            "l2": chosen.l2,
            "threshold_rule": f"highest out-of-fold recall with wrong hits <= {args.max_wrong:.0%} of dev traps",
            "dev_cv": table[2:],
            "fitted_by": "benchmarks/fit_decision.py",
        },
    )
    print("\nweights (standardised features):")
    for name, w in zip(decision.names, decision.weights, strict=True):
        print(f"  {name:<24} {w:+.3f}")
    if not args.dry_run:
        OUTPUT.write_text(json.dumps(decision.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nwrote {OUTPUT}")


if __name__ == "__main__":
    main()
