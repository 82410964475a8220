"""A fitted decision for conversations instead of hand margins? Signals, a logistic fit leave-one-set-out (issue 14).

For every pair of the conversation DEV splits whose two sides both carry a context (as the service reads them),
one row of candidate signals, ``b`` looked up against ``a``: the last questions' similarity; the contexts'
(every earlier turn, what the cache embeds), the user turns' alone, the story told as one question's
(:func:`conversation.told_as_one`); the very same turns or not; the hand checks as 0/1 signals (the context checks
:func:`conversation.differs` and :func:`conversation.other_referent`, :func:`conversation.states_more` on the
questions); the guards on the last questions (a veto at the question's similarity, the strongest signal, quiet) and
on the user turns (the strongest signal, numbers, negation, entities); the turn counts' gap and the questions'
shortness. Negatives a shared scope adds: each ``b`` against the ``a`` of the ``--neighbours`` nearest OTHER pairs
of its set (by the questions' similarity), as ``nearhit eval --shared`` compares them.

Against the default's verdict per pair (``--verdicts``: a JSON {set: {id: [served own answer, stage]}}, written by
``conversation_traps.run`` through the real cache when the file does not exist), three policies of a logistic
regression (:func:`nearhit.decision.fit.fit`) fitted on all sets but one and scored on the one left out, its
threshold chosen on the fitted sets:

- ``replace``: serve a pair with both contexts iff it passes the vetoes (the context checks, the question's guards at
  their cut) and scores at least the threshold that serves no more traps than main on the fitted sets;
- ``add``: main's verdict, or a candidate that passes the vetoes and scores above every fitted set's trap
  (and every neighbour) that main does not serve;
- ``gate``: main's verdict, less what scores under the threshold that refuses no more fitted should-hits than
  one per trap refused.

Dev splits only; the test splits and every held-out file are never loaded. Embeddings kept in ``--cache``.

    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/conversation_fit.py --verdicts <file.json>
    # ~5 min for the verdicts (once), ~10 min for the signals on 2 shared cores; --write <path> writes the model
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from conversation_retold import looked_up
from conversation_traps import run
from followup_representations import Vectors, auc
from nearhit.cache import context_match, learned_add
from nearhit.cache import conversation as cv
from nearhit.decision.fit import fit
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import CONVERSATION_SETS
from nearhit.guards import GuardSet

FEATURES = (
    "q_sim",
    "ctx_sim",
    "users_sim",
    "told_sim",
    "same_turns",
    "ctx_check",
    "states_more",
    "q_veto",
    "q_strongest",
    "q_quiet",
    "users_strongest",
    "users_numbers",
    "users_negation",
    "users_entities",
    "turns_gap",
    "q_short",
)
NONNEGATIVE = tuple(name in {"q_sim", "ctx_sim", "users_sim", "told_sim", "same_turns", "q_quiet"} for name in FEATURES)
VETOES = ("ctx_check", "q_veto")
"""Kept outside the model, as the question decision keeps the guards' vetoes (``decision_v3``)."""
SHIPPED = ("q_sim",)
SHIPPED_VETOES = (*VETOES, "states_more")
"""What the shipped model is fitted on: the one signal that served no trap more left out (the tables), and the
vetoes the same-turns margin already has (a follow-up that states more is another question)."""
THRESHOLD = 0.76
"""The default similarity threshold, which the shipped margin is under."""
L2 = 0.01


@dataclass(frozen=True)
class Row:
    set: str
    id: str
    category: str
    should_hit: bool
    neighbour: bool
    main: bool
    x: dict[str, float]

    def vetoed(self, vetoes: Sequence[str] = VETOES) -> bool:
        return any(self.x[name] for name in vetoes)


def _texts(context: cv.Context, question: str) -> list[str]:
    """What each side's vectors are of: its question, its context, its user turns, its story told as one."""
    return [question, context.text, context.users, cv.told_as_one(context, question)]


def signals(
    a: tuple[cv.Context, str], b: tuple[cv.Context, str], va: list[np.ndarray], vb: list[np.ndarray], guards: GuardSet
) -> dict[str, float]:
    """The candidate signals of ``b`` (the query) against ``a`` (the cached side); ``va``, ``vb``: each side's
    vectors of its question, context text, user turns and story told as one. The guards' and the sizes' are read as
    the engine reads them (:mod:`nearhit.cache.learned_add`), one code for both."""
    (ca, qa), (cb, qb) = a, b
    q_sim, ctx_sim, users_sim, told_sim = (float(va[n] @ vb[n]) for n in range(4))
    checked = cv.differs(qb, cb, ca, ctx_sim, qa) or cv.other_referent(qb, qa)
    pair = learned_add.Compared(qb, cb, qa, ca, q_sim, ctx_sim)
    read = learned_add.shape_signals(pair) | learned_add.question_signals(pair, guards)
    read |= learned_add.turn_signals(pair, guards)
    return {
        **{name: read[name] for name in FEATURES if name in read},
        "users_sim": users_sim,
        "told_sim": told_sim,
        "ctx_check": float(checked is not None),
        "states_more": float(cv.states_more(qb, qa) is not None),
    }


async def table(
    sets: Sequence[str], verdicts: dict[str, dict[str, list[object]]], vectors: Vectors, neighbours: int
) -> list[Row]:
    guards = GuardSet.default()
    rows: list[Row] = []
    for name in sets:
        sides = []
        for pair in dataset.load(name, "dev"):
            (ca, qa), (cb, qb) = looked_up(pair.a), looked_up(pair.b)
            if ca is None or cb is None:
                continue
            sides.append((pair, (ca, qa), (cb, qb), await vectors.of(_texts(ca, qa)), await vectors.of(_texts(cb, qb))))
        for n, (pair, a, b, va, vb) in enumerate(sides):
            main = bool(verdicts[name][pair.id][0])
            rows.append(Row(name, pair.id, pair.category, pair.same_answer, False, main, signals(a, b, va, vb, guards)))
            others = sorted((m for m in range(len(sides)) if m != n), key=lambda m: -float(sides[m][3][0] @ vb[0]))
            for m in others[:neighbours]:
                other = sides[m]
                x = signals(other[1], b, other[3], vb, guards)
                rows.append(Row(name, pair.id, "neighbour", False, True, False, x))
    return rows


def matrix(rows: Sequence[Row]) -> np.ndarray:
    return np.array([[r.x[name] for name in FEATURES] for r in rows], dtype=np.float64)


def _threshold(scores: np.ndarray, rows: Sequence[Row], policy: str, vetoes: Sequence[str]) -> float:
    """The threshold a policy takes on the fitted sets (see the module's docstring)."""
    pairs = [(s, r) for s, r in zip(scores, rows, strict=True) if not r.vetoed(vetoes)]
    if policy == "add":
        blocked = [s for s, r in pairs if not r.should_hit and not r.main]
        return max(blocked, default=0.0) + 1e-9
    if policy == "replace":
        allowed = sum(r.main for r in rows if not r.should_hit and not r.neighbour)
        ordered = sorted((s for s, r in pairs if not r.should_hit), reverse=True)
        return ordered[allowed] + 1e-9 if allowed < len(ordered) else 0.0
    best, chosen = 0, 0.0  # gate: refuse main's serves under t, keeping t only while traps refused >= hits lost
    for t in sorted({s for s, r in zip(scores, rows, strict=True) if r.main}):
        below = [r for s, r in zip(scores, rows, strict=True) if r.main and s < t]
        gain = sum(not r.should_hit for r in below) - sum(r.should_hit for r in below)
        if gain > best:
            best, chosen = gain, t
    return chosen


def served(policy: str, score: float, threshold: float, row: Row, vetoes: Sequence[str]) -> bool:
    if policy == "main":
        return row.main
    if policy == "gate":
        return row.main and score >= threshold
    passes = not row.vetoed(vetoes) and score >= threshold
    return passes or (policy == "add" and row.main)


def loso(
    rows: Sequence[Row], policy: str, features: Sequence[str] = FEATURES, vetoes: Sequence[str] = VETOES
) -> dict[str, list[bool]]:
    """Per set left out, each of its rows served or not under ``policy`` fitted on the other sets (on the rows
    ``vetoes`` let through)."""
    keep = [FEATURES.index(name) for name in features]
    x = matrix(rows)[:, keep]
    y = np.array([r.should_hit for r in rows], dtype=np.float64)
    fitted_on = np.array([not r.vetoed(vetoes) for r in rows])
    found: dict[str, list[bool]] = {}
    for name in sorted({r.set for r in rows}):
        train = np.array([r.set != name for r in rows]) & fitted_on
        model = fit(x[train], y[train], l2=L2, nonnegative=[NONNEGATIVE[k] for k in keep])
        scores = model.probabilities(x)
        inside = [n for n, r in enumerate(rows) if r.set != name]
        threshold = _threshold(scores[inside], [rows[n] for n in inside], policy, vetoes)
        found[name] = [
            served(policy, float(scores[n]), threshold, r, vetoes) for n, r in enumerate(rows) if r.set == name
        ]
    return found


def counts(rows: Sequence[Row], verdict: Sequence[bool]) -> tuple[int, int, int, int, int]:
    """Should-hits served, should-hits, traps served, traps, neighbours served."""
    hits = [v for r, v in zip(rows, verdict, strict=True) if r.should_hit]
    traps = [v for r, v in zip(rows, verdict, strict=True) if not r.should_hit and not r.neighbour]
    near = [v for r, v in zip(rows, verdict, strict=True) if r.neighbour]
    return sum(hits), len(hits), sum(traps), len(traps), sum(near)


def report(rows: Sequence[Row], policies: Sequence[str], features: Sequence[str], vetoes: Sequence[str]) -> None:
    by_set = {name: [r for r in rows if r.set == name] for name in dict.fromkeys(r.set for r in rows)}
    runs = {p: loso(rows, p, features, vetoes) for p in policies}
    print("| set (dev, both sides with a context) | " + " | ".join(policies) + " |")
    print("|---|" + "---|" * len(policies))
    pooled = {p: [0, 0, 0, 0, 0] for p in policies}
    for name, own in by_set.items():
        cells = []
        for p in policies:
            c = counts(own, runs[p][name])
            pooled[p] = [t + v for t, v in zip(pooled[p], c, strict=True)]
            cells.append(f"{c[0]}/{c[1]}, {c[2]}/{c[3]} (n {c[4]})")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("| **pooled** | " + " | ".join("**{}/{}, {}/{}** (n {})".format(*pooled[p]) for p in policies) + " |")
    categories = sorted({r.category for r in rows if not r.neighbour})
    print("\n| category | " + " | ".join(policies) + " |\n|---|" + "---|" * len(policies))
    for category in categories:
        cells = []
        for p in policies:
            chosen = [
                v
                for name, own in by_set.items()
                for r, v in zip(own, runs[p][name], strict=True)
                if r.category == category
            ]
            cells.append(f"{sum(chosen)}/{len(chosen)}")
        print(f"| {category} | " + " | ".join(cells) + " |")


def weights(rows: Sequence[Row]) -> None:
    """The fit on every set: each feature's weight (on standardised values) and its AUC alone among unvetoed pairs."""
    kept = [r for r in rows if not r.vetoed()]
    x, y = matrix(kept), np.array([r.should_hit for r in kept], dtype=np.float64)
    model = fit(x, y, l2=L2, nonnegative=NONNEGATIVE)
    print(f"\nFitted on every set ({len(kept)} unvetoed rows; bias {model.bias:.3f})\n")
    print("| feature | weight | AUC alone (unvetoed, pairs only) |\n|---|---|---|")
    pairs = [r for r in kept if not r.neighbour]
    for n, name in enumerate(FEATURES):
        hits = [r.x[name] for r in pairs if r.should_hit]
        traps = [r.x[name] for r in pairs if not r.should_hit]
        print(f"| {name} | {model.weights[n]:+.3f} | {auc(hits, traps):.3f} |")


def write(rows: Sequence[Row], path: Path) -> None:
    """Fit the shipped model on every set (``add``: above every trap and neighbour main does not serve) and write
    it as a :class:`nearhit.decision.DecisionModel` whose ``margin`` is how far under ``THRESHOLD`` it serves."""
    kept = [r for r in rows if not r.vetoed(SHIPPED_VETOES)]
    x = matrix(kept)[:, [FEATURES.index(name) for name in SHIPPED]]
    model = fit(x, np.array([r.should_hit for r in kept], dtype=np.float64), l2=L2, nonnegative=[True])
    threshold = _threshold(model.probabilities(x), kept, "add", SHIPPED_VETOES)
    logit = float(np.log(threshold / (1 - threshold)))
    floor = float(model.mean[0] + model.scale[0] * (logit - model.bias) / model.weights[0])
    about = {
        "fitted": "2026-12-02",
        "data": "the conversation sets' dev splits (conversations, nearhit-conversations ... -v10), both sides "
        "with a context, and each b against the a of its set's 3 nearest other pairs",
        "split": "dev only (nearhit-split-v1); the test split is never read by the fit",
        "features_as": "similarity: the last questions' cosine",
        "vetoes": "the context checks (conversation.differs, other_referent), the guards at their cut, states_more",
        "threshold_rule": "above every fitted trap and neighbour that the default does not serve",
        "rows_fitted": len(kept),
        "floor": round(floor, 6),
        "l2": L2,
        "fitted_by": "benchmarks/conversation_fit.py --write",
    }
    data = {
        "about": about,
        "threshold": round(threshold, 6),
        "min_similarity": round(floor, 6),
        "margin": round(THRESHOLD - floor, 6),
        "vetoes": "guards",
        "bias": round(model.bias, 6),
        "features": [
            {
                "name": "similarity",
                "mean": round(float(model.mean[0]), 6),
                "scale": round(float(model.scale[0]), 6),
                "weight": round(float(model.weights[0]), 6),
            }
        ],
    }
    path.write_text(json.dumps(data, indent=1) + "\n")
    print(f"\nwrote {path}: floor {floor:.4f}, margin {THRESHOLD - floor:.4f}")


def check_cost(sets: Sequence[str]) -> None:
    """What the shipped margin adds to a lookup where it runs: its check (``states_more`` on the two questions) and
    the model's margin (read once per process), timed over every both-context dev pair."""
    context_match.matched_margin()
    taken = []
    for name in sets:
        for pair in dataset.load(name, "dev"):
            (ca, qa), (cb, qb) = looked_up(pair.a), looked_up(pair.b)
            if ca is not None and cb is not None:
                start = time.perf_counter()
                cv.states_more(qb, qa)
                context_match.matched_margin()
                taken.append(1000 * (time.perf_counter() - start))
    p50, p95 = np.percentile(taken, [50, 95])
    print(f"\nthe margin's check where it runs: p50 {p50:.3f} ms, p95 {p95:.3f} ms over {len(taken)} pairs")


def verdicts(path: Path) -> dict[str, dict[str, list[object]]]:
    """The default's verdict on every conversation dev pair, read from ``path``, or run and written there first."""
    if not path.exists():
        found = asyncio.run(run(list(CONVERSATION_SETS), []))["shipped"]
        kept = {name: {x.pair.id: [x.own, x.stage] for x in looked} for name, looked in found.items()}
        path.write_text(json.dumps(kept))
    loaded: dict[str, dict[str, list[object]]] = json.loads(path.read_text())
    return loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verdicts", type=Path, required=True, help="the default's verdicts (JSON; run when absent)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/conversation_fit.pkl"), help="embeddings kept")
    parser.add_argument("--neighbours", type=int, default=3, help="other pairs' a per b, as negatives")
    parser.add_argument("--write", type=Path, help="write the shipped model here (fitted on every set)")
    args = parser.parse_args()
    vectors = Vectors(args.cache)
    rows = asyncio.run(table(list(CONVERSATION_SETS), verdicts(args.verdicts), vectors, args.neighbours))
    vectors.save()
    pairs = sum(not r.neighbour for r in rows)
    print(f"{pairs} pairs with a context on both sides, {len(rows) - pairs} neighbour rows\n")
    for title, features, vetoes in (
        ("every signal; vetoes: the context checks and the question's guards", FEATURES, VETOES),
        ("the questions' and the stories' similarities", ("q_sim", "told_sim"), VETOES),
        ("the questions' similarity alone", SHIPPED, VETOES),
        ("the questions' similarity alone; states_more vetoes too (shipped)", SHIPPED, SHIPPED_VETOES),
    ):
        print(f"\n{title}:\n")
        report(rows, ["main", "replace", "add", "gate"], features, vetoes)
    weights(rows)
    check_cost(list(CONVERSATION_SETS))
    if args.write:
        write(rows, args.write)


if __name__ == "__main__":
    main()
