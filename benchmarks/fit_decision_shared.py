"""Refit the decision with neighbour negatives and write ``decision_v3.json`` (issue 13, ninth session).

What ``nearhit eval --shared`` serves: every DEV pair's ``a`` of a set in one scope, each ``b`` looked up there
(its ``CANDIDATES`` nearest; an ``a`` of the same text as its own counts as its own). The shipped v2 was fitted
on pairs alone (each ``b`` against its own ``a``), so it never saw the other questions of a domain, and in a
shared scope it served 137 wrong answers of 4,193 dev lookups against the default's 76. Here:

- every candidate a shared lookup judges that is another pair's ``a`` (the guards pass it, it is within the
  decision's margin under the threshold) is a negative in the fit, beside the pairs themselves;
- the lookup is simulated as the engine runs it (``nearhit.decision.choice``: the nearest that passes; under
  the similarity threshold only the nearest), and the default as it ran in the ninth session (guards veto, the
  quiet band, a farther candidate served past a veto: since the tenth session it stops there, ``guards_stop.py``;
  the threshold rule below still reads the ninth session's default, the one v3 was fitted against);
- the threshold, stated in advance: the most pair-mode should-hits whose shared wrong answers (traps' own and
  neighbours) stay at or under the default's on the same sets; chosen leave-one-set-out for the figures (each
  set served by a model and a threshold fitted without it), on all sets for the model written.

DEV splits only (``nearhit.evaluation.splits``); no test pair is loaded.

    PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/fit_decision_shared.py [--leave-one-set-out] [--write]

The shipped ``decision_v3.json`` was written by the ninth session's run, without the veto stop the engine has
since (``nearhit.decision.choice``); with it the threshold rule no longer binds (``decision_refit.py``), so a
write now would not reproduce v3: the file is written only with ``--write``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from decision_bands import CANDIDATES, Remembering, cache_input
from nearhit import evaluation
from nearhit.cache.keys import normalise
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.decision import features, load_model
from nearhit.decision.features import vector
from nearhit.decision.fit import Fitted, fit
from nearhit.decision.model import DecisionModel
from nearhit.embeddings.local import LocalEmbedder
from nearhit.guards import GuardSet
from nearhit.guards.guard_set import DEFAULT_QUIET_MARGIN

SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 16)))
NAMES = ("similarity", "quiet", "strongest_signal", "subject_changed")
THRESHOLD, MARGIN = DEFAULT_SIMILARITY_THRESHOLD, DEFAULT_QUIET_MARGIN
FLOOR = round(THRESHOLD - MARGIN, 4)
L2, ITERATIONS = 0.01, 2000
THRESHOLDS = np.round(np.arange(0.50, 0.995, 0.005), 3)
OUTPUT = Path(__file__).resolve().parents[1] / "src" / "nearhit" / "decision" / "data" / "decision_v3.json"


@dataclass(frozen=True)
class Seen:
    """A (query, cached prompt) the engine would judge: its similarity, features and the guards' verdicts."""

    similarity: float
    values: dict[str, float]
    passes: bool
    quiet: bool
    own: bool


@dataclass(frozen=True)
class Lookup:
    dataset: str
    same_answer: bool
    pair: Seen
    """The pair's own ``a`` alone (pair mode)."""
    shared: tuple[Seen, ...]
    """The nearest ``CANDIDATES`` ``a`` of the set, nearest first (``--shared``)."""


Extra = Callable[[str, str], dict[str, float]]


def lookups(embedder: Remembering, sets: Sequence[str] = SETS, extra: Extra | None = None) -> list[Lookup]:
    """``extra(query, prompt)``: more measures kept beside the package's features (``decision_refit.py``)."""
    guards = GuardSet.default()
    found = []
    for name in sets:
        pairs = evaluation.load(name, "dev")
        cached = embedder.encode([cache_input(p.a.prompt) for p in pairs])
        asked = embedder.encode([cache_input(p.b.prompt) for p in pairs])
        for n, pair in enumerate(pairs):
            similarities = cached @ asked[n]
            judged = [
                judge(guards, pair.b.prompt, pair.a.prompt, pairs[j].a.prompt, float(similarities[j]), extra)
                for j in (n, *np.argsort(-similarities)[:CANDIDATES])
            ]
            found.append(Lookup(name, pair.same_answer, judged[0], tuple(judged[1:])))
    return found


def judge(guards: GuardSet, query: str, own: str, prompt: str, similarity: float, extra: Extra | None = None) -> Seen:
    """``prompt`` as a candidate for ``query``, whose pair's own cached prompt is ``own``."""
    quiet = guards.quiet(query, prompt)
    values = features(similarity, guards.signals(query, prompt), query, prompt, quiet=quiet)
    return Seen(
        similarity,
        values | (extra(query, prompt) if extra is not None else {}),
        guards.first_rejection(query, prompt, similarity) is None,
        quiet,
        normalise(prompt) == normalise(own),
    )


Score = Callable[[Seen], float]


def default_serves(seen: Seen) -> bool:
    """The guards as vetoes, from the threshold, or from the quiet band when quiet."""
    return seen.passes and (seen.similarity >= THRESHOLD or (seen.quiet and seen.similarity >= FLOOR))


def decision_serves(score: Score, threshold: float) -> Callable[[Seen], bool]:
    return lambda seen: seen.passes and seen.similarity >= FLOOR and score(seen) >= threshold


def served_shared(candidates: Sequence[Seen], serves: Callable[[Seen], bool], nearest_only: bool) -> Seen | None:
    """The candidate a shared lookup serves: the nearest that passes (the decision: under the threshold, only
    the nearest of those judged, and none past one a guard vetoes, ``nearhit.decision.choice``; the ninth
    session's run, which wrote v3, had no veto stop)."""
    for n, seen in enumerate(candidates):
        if serves(seen) and (not nearest_only or n == 0 or seen.similarity >= THRESHOLD):
            return seen
        if nearest_only and not seen.passes and seen.similarity >= FLOOR:
            return None
    return None


@dataclass(frozen=True)
class Counts:
    hits: int = 0
    should: int = 0
    traps_served: int = 0
    traps: int = 0
    neighbours: int = 0
    wrong: int = 0
    lookups: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(self.row(), other.row(), strict=True)))

    def row(self) -> tuple[int, ...]:
        return (self.hits, self.should, self.traps_served, self.traps, self.neighbours, self.wrong, self.lookups)

    def cells(self) -> str:
        return (
            f"{self.hits}/{self.should} | {self.traps_served}/{self.traps} | "
            f"{self.neighbours}/{self.lookups} | {self.wrong}/{self.lookups}"
        )


def count(data: Sequence[Lookup], serves: Callable[[Seen], bool], nearest_only: bool) -> Counts:
    """Pair mode (should-hits, traps served) and shared (neighbour wrong hits, all wrong answers)."""
    hits = should = trapped = traps = neighbours = wrong = 0
    for lookup in data:
        own = serves(lookup.pair)
        should += lookup.same_answer
        hits += lookup.same_answer and own
        traps += not lookup.same_answer
        trapped += own and not lookup.same_answer
        served = served_shared(lookup.shared, serves, nearest_only)
        if served is not None and not served.own:
            neighbours += 1
        wrong += served is not None and (not served.own or not lookup.same_answer)
    return Counts(hits, should, trapped, traps, neighbours, wrong, len(data))


def training(data: Sequence[Lookup]) -> tuple[np.ndarray, np.ndarray]:
    """Each pair the model is asked about (guards pass, within the margin), and each neighbour a shared lookup
    judges, a negative: another pair's question."""
    x, y = [], []
    for lookup in data:
        for seen, label in ((lookup.pair, lookup.same_answer), *((s, False) for s in lookup.shared if not s.own)):
            if seen.passes and seen.similarity >= FLOOR:
                x.append(vector(seen.values, NAMES))
                y.append(float(label))
    return np.array(x), np.array(y)


def fitted(data: Sequence[Lookup], iterations: int = ITERATIONS) -> Fitted:
    x, y = training(data)
    return fit(x, y, l2=L2, nonnegative=[n == "similarity" for n in NAMES], iterations=iterations)


def scorer(model: Fitted) -> Score:
    memo: dict[int, float] = {}

    def score(seen: Seen) -> float:
        if id(seen) not in memo:
            memo[id(seen)] = float(model.probabilities(np.array([vector(seen.values, NAMES)]))[0])
        return memo[id(seen)]

    return score


def choose_threshold(data: Sequence[Lookup], score: Score) -> float:
    """The most should-hits whose shared wrong answers stay at or under the default's (ties: the higher)."""
    bound = count(data, default_serves, nearest_only=False).wrong
    best: tuple[int, float] | None = None
    for t in THRESHOLDS:
        found = count(data, decision_serves(score, float(t)), nearest_only=True)
        if found.wrong <= bound and (best is None or found.hits >= best[0]):
            best = (found.hits, float(t))
    return best[1] if best is not None else float(THRESHOLDS[-1])


def leave_one_set_out(data: Sequence[Lookup]) -> dict[str, tuple[float, Counts]]:
    """Each set served by a model and a threshold fitted on the other sets alone."""
    found = {}
    for name in SETS:
        others = [d for d in data if d.dataset != name]
        score = scorer(fitted(others))
        threshold = choose_threshold(others, score)
        mine = [d for d in data if d.dataset == name]
        found[name] = (threshold, count(mine, decision_serves(score, threshold), nearest_only=True))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leave-one-set-out", action="store_true", help="the transfer figures (~10 min loaded)")
    parser.add_argument("--write", action="store_true", help="write the model file (decision_v3.json)")
    args = parser.parse_args()
    data = lookups(Remembering(LocalEmbedder()))
    v2 = load_model("decision_v2.json")
    systems: dict[str, dict[str, Counts]] = {"default": {}, "v2 as shipped, best score": {}, "v2, nearest only": {}}
    for name in SETS:
        mine = [d for d in data if d.dataset == name]
        v2_serves = decision_serves(lambda s: v2.score(s.values), v2.threshold)
        systems["default"][name] = count(mine, default_serves, nearest_only=False)
        systems["v2 as shipped, best score"][name] = _best_score(mine, v2_serves, lambda s: v2.score(s.values))
        systems["v2, nearest only"][name] = count(mine, v2_serves, nearest_only=True)
    if args.leave_one_set_out:
        moved = leave_one_set_out(data)
        systems["v3, left out"] = {name: counts for name, (_, counts) in moved.items()}
        print("thresholds chosen without each set: " + ", ".join(f"{k} {t:g}" for k, (t, _) in moved.items()))
    print("| dev split | system | should-hits (pair) | traps served (pair) | neighbour wrong (shared) | all wrong |")
    print("|---|---|---|---|---|---|")
    for name in (*SETS, "pooled"):
        for label, per_set in systems.items():
            counts = sum(per_set.values(), Counts()) if name == "pooled" else per_set[name]
            print(f"| {name} | {label} | {counts.cells()} |")

    model = fitted(data, iterations=4000)
    threshold = choose_threshold(data, scorer(model))
    decision = DecisionModel(
        names=NAMES,
        mean=tuple(round(float(v), 6) for v in model.mean),
        scale=tuple(round(float(v), 6) for v in model.scale),
        weights=tuple(round(float(v), 6) for v in model.weights),
        bias=round(model.bias, 6),
        threshold=threshold,
        min_similarity=FLOOR,
        guard_vetoes=True,
        margin=MARGIN,
        about={
            "fitted": datetime.now(UTC).date().isoformat(),
            "data": "fow-cache questions (Mabon ap Gwyn, CC BY 4.0) + nearhit's pair sets nearhit, nearhit-v2..v15",
            "split": "dev only (nearhit-split-v1); the test split is never read by the fit",
            "sets": list(SETS),
            "negatives": f"each pair's look-alike, and the other pairs' questions among a b's {CANDIDATES} nearest",
            "rows_fitted": len(training(data)[1]),
            "embedder": "all-MiniLM-L6-v2-int8",
            "l2": L2,
            "threshold_rule": "most should-hits whose shared wrong answers stay at or under the default's",
            "fitted_by": "benchmarks/fit_decision_shared.py",
        },
    )
    print(f"\nthreshold {threshold:g}; weights (standardised features):")
    for name, w in zip(decision.names, decision.weights, strict=True):
        print(f"  {name:<24} {w:+.3f}")
    in_sample = count(data, decision_serves(scorer(model), threshold), nearest_only=True)
    print(f"in sample, pooled: {in_sample.cells()}")
    if args.write:
        OUTPUT.write_text(json.dumps(decision.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {OUTPUT}")


def _best_score(data: Sequence[Lookup], serves: Callable[[Seen], bool], score: Score) -> Counts:
    """v2 as it ran before this session's fix: the best-scoring candidate that passes, at any rank."""
    nearest_first = count(data, serves, nearest_only=True)
    neighbours = wrong = 0
    for lookup in data:
        passing = [s for s in lookup.shared if serves(s)]
        served = max(passing, key=score) if passing else None
        neighbours += served is not None and not served.own
        wrong += served is not None and (not served.own or not lookup.same_answer)
    return Counts(*nearest_first.row()[:4], neighbours, wrong, len(data))


if __name__ == "__main__":
    main()
