"""A learned conversation decision over the signals the rules already compute, judged leave-one-set-out (issue 14).

Hand rules on the conversation path, fitted on dev traps, have moved almost nothing on fresh sets for seven sessions.
Would a decision learned across the twenty conversation dev splits transfer better? Two steps:

``--dump``: one row per dev pair of every conversation set (``b`` looked up against ``a``), with its set, category
and label (``--fit`` joins the rules' verdict through the real cache, as ``nearhit eval`` runs each pair); for a
pair whose two sides both carry a context as the service reads them, the signals the conversation path computes
(``conversation_fit.signals``: the questions', contexts', user turns' and told-as-one cosines, the guards, the
same turns) and each check of :func:`conversation.differs` as a 0/1 flag of its own (turns about something else,
other facts, the user's turns say more, a changed detail, another asker/event/name, another offer), the turn counts
and lengths. Pairs with a single question on a side keep the rules' verdict: this decision does not see them.

``--fit``: a logistic regression (:func:`nearhit.decision.fit.fit`, L2) fitted on nineteen sets, scored on the
twentieth, for each set. The guards' veto (``q_veto``) stays outside the model, as every hard veto stays. Policies,
each operating point chosen on the nineteen fitted sets so that their pooled traps served are <= the rules':

- ``replace``: a both-context pair is served iff not vetoed and its score >= t;
- ``add``: the rules' verdict, or a pair not vetoed scoring >= t (t above the fitted traps the rules refuse);
- ``gate``: the rules' verdict, less a pair scoring < t (t refuses at least one trap per should-hit lost).

Dev splits only; no test split and no held-out file is loaded.

    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/conversation_learned.py \
        --dump rows.jsonl --cache vectors.pkl     # ~15 min on 2 shared cores (embeddings kept in --cache)
    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/conversation_misses.py --pairs base.txt
    PYTHONPATH=src:benchmarks python benchmarks/conversation_learned.py --fit rows.jsonl --verdicts base.txt
    # the eighteenth session's dump and rules' verdicts (at 714f91d, features rounded to 4 places), committed:
    PYTHONPATH=src:benchmarks python benchmarks/conversation_learned.py \
        --fit benchmarks/data/conversation_learned_rows.jsonl.gz \
        --verdicts benchmarks/data/conversation_learned_rules.txt.gz
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import conversation_fit as fitted
from conversation_fit import _texts, signals, verdicts
from conversation_retold import looked_up
from followup_representations import Vectors
from nearhit.cache import conversation as cv
from nearhit.decision.fit import fit
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import CONVERSATION_SETS
from nearhit.guards import GuardSet

CHECKS = (
    ("about_else", cv.ABOUT_ELSE),
    ("other_facts", "the earlier turns state other facts"),
    ("said_more", cv.SAID_MORE),
    ("other_asker", "the earlier turns are about another asker"),
    ("other_event", "the earlier turns tell another event"),
    ("other_name", "the earlier turns' code marks"),
    ("other_offer", "the reply"),
    ("points_back", "the question points back"),
)
"""Each refusal of :func:`conversation.differs` by how its reason starts; anything else is ``changed_detail``."""
CHECK_FLAGS = (*(name for name, _ in CHECKS), "changed_detail", "other_referent")
VETO = "q_veto"
"""The guards' rejection at their cut on the last questions: a hard veto, kept outside the model."""
FEATURES = (*(name for name in fitted.FEATURES if name not in ("ctx_check", VETO)), *CHECK_FLAGS, "turns", "log_words")
"""``conversation_fit``'s signals, its one context-check flag split into one per check, and the conversation's size."""
NONNEGATIVE = tuple(name in {"q_sim", "ctx_sim", "users_sim", "told_sim", "same_turns", "q_quiet"} for name in FEATURES)
SHAPE = ("turns", "turns_gap", "log_words")
"""How long a conversation is: fow-cache's conversations run ~15 turns, ours ~2; a weight on them does not transfer."""
L2 = 0.01
Row = dict[str, Any]
"""A dumped pair: set, id, category, should_hit, both_context, x (its signals), rules (the rules' verdict)."""
POLICIES = ("rules", "replace", "add", "gate")


def check_flags(question: str, query: cv.Context, cached: cv.Context, ctx_sim: float, asked: str) -> dict[str, float]:
    """Which check of :func:`conversation.differs` refuses (one flag each) and :func:`conversation.other_referent`."""
    reason = cv.differs(question, query, cached, ctx_sim, asked)
    flags = {name: float(reason is not None and reason.startswith(start)) for name, start in CHECKS}
    flags["changed_detail"] = float(reason is not None and not any(flags.values()))
    flags["other_referent"] = float(cv.other_referent(question, asked) is not None)
    return flags


async def dump(path: Path, cache: Path) -> None:
    vectors, guards = Vectors(cache), GuardSet.default()
    with path.open("w", encoding="utf-8") as out:
        for name in CONVERSATION_SETS:
            for pair in dataset.load(name, "dev"):
                (ca, qa), (cb, qb) = looked_up(pair.a), looked_up(pair.b)
                row: Row = {
                    "set": name,
                    "id": pair.id,
                    "category": pair.category,
                    "should_hit": pair.same_answer,
                    "both_context": ca is not None and cb is not None,
                }
                if ca is not None and cb is not None:
                    va, vb = await vectors.of(_texts(ca, qa)), await vectors.of(_texts(cb, qb))
                    x = signals((ca, qa), (cb, qb), va, vb, guards)
                    x |= check_flags(qb, cb, ca, x["ctx_sim"], qa)
                    x["turns"] = float(len(cb.turns))
                    x["log_words"] = float(np.log1p(len(cb.text.split()) + len(qb.split())))
                    row["x"] = x
                out.write(json.dumps(row) + "\n")
            vectors.save()
            print(f"dumped {name}", flush=True)


def load(path: Path, verdict_path: Path) -> list[Row]:
    """The dumped rows, each with the rules' verdict: from a ``conversation_misses.py --pairs`` file (served or not,
    as ``nearhit eval`` runs each pair: its ``a`` alone in a scope, the configured judge), or a JSON of
    ``conversation_fit.verdicts`` (own answer served, every pair of a set in one scope)."""
    if verdict_path.suffix == ".json":
        found = {i: bool(v[0]) for by_id in verdicts(verdict_path).values() for i, v in by_id.items()}
    else:
        found = {line.split()[0]: line.split()[1] == "served" for line in _lines(verdict_path)}
    rows = [json.loads(line) for line in _lines(path)]
    for row in rows:
        row["rules"] = found[row["id"]]
    return rows


def _lines(path: Path) -> list[str]:
    """A text file's non-empty lines, gzipped or not."""
    with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8") as text:
        return [line for line in text if line.strip()]


def _threshold(policy: str, scores: np.ndarray, rows: Sequence[Row], allowed: int) -> float:
    """The operating point on the fitted sets: for ``replace`` and ``add`` the lowest score at which their traps
    served stay <= ``allowed`` (the rules'); for ``gate`` the score under which refusing the rules' serves refuses the
    most traps more than should-hits."""
    decided = [n for n, r in enumerate(rows) if r.get("x")]
    open_ = {n for n in decided if not rows[n]["x"][VETO]}
    if policy == "gate":
        served_ = sorted((float(scores[n]), bool(rows[n]["should_hit"])) for n in open_ if rows[n]["rules"])
        gain = np.cumsum([-1 if hit else 1 for _, hit in served_])
        cuts = [k for k in range(len(served_)) if k + 1 == len(served_) or served_[k + 1][0] > served_[k][0]]
        best = max(cuts, key=lambda k: gain[k], default=None)  # refuse every score up to a cut, ties together
        return served_[best][0] + 1e-12 if best is not None and gain[best] > 0 else -np.inf
    traps = [n for n in range(len(rows)) if not rows[n]["should_hit"]]
    if policy == "replace":
        fixed = sum(bool(rows[n]["rules"]) for n in traps if not rows[n].get("x"))
        counted = sorted((float(scores[n]) for n in traps if n in open_), reverse=True)
    else:
        fixed = sum(bool(rows[n]["rules"]) for n in traps)
        counted = sorted((float(scores[n]) for n in traps if n in open_ and not rows[n]["rules"]), reverse=True)
    budget = allowed - fixed
    if budget < 0:
        return np.inf
    return counted[budget] + 1e-12 if budget < len(counted) else -np.inf


def served(policy: str, row: Row, score: float, t: float) -> bool:
    rules = bool(row["rules"])
    if policy == "rules" or not row.get("x"):
        return rules
    passes = not row["x"][VETO] and score >= t
    if policy == "replace":
        return passes
    if policy == "add":
        return rules or passes
    return rules and score >= t


def loso(rows: Sequence[Row], policy: str, features: Sequence[str]) -> dict[str, list[bool]]:
    """Per set left out, each of its rows served or not under ``policy`` fitted on the other sets."""
    keep = [FEATURES.index(name) for name in features]
    decided = [n for n, r in enumerate(rows) if r.get("x")]
    x = np.array([[rows[n]["x"][name] for name in FEATURES] for n in decided])[:, keep]
    y = np.array([bool(rows[n]["should_hit"]) for n in decided], dtype=np.float64)
    scores = np.full(len(rows), -np.inf)
    found: dict[str, list[bool]] = {}
    for name in dict.fromkeys(r["set"] for r in rows):
        train = np.array([rows[n]["set"] != name and not rows[n]["x"][VETO] for n in decided])
        model = fit(x[train], y[train], l2=L2, nonnegative=[NONNEGATIVE[k] for k in keep])
        scores[decided] = model.probabilities(x)
        inside = [n for n, r in enumerate(rows) if r["set"] != name]
        fitted = [rows[n] for n in inside]
        allowed = sum(bool(r["rules"]) for r in fitted if not r["should_hit"])
        t = _threshold(policy, scores[inside], fitted, allowed) if policy != "rules" else 0.0
        found[name] = [served(policy, r, float(scores[n]), t) for n, r in enumerate(rows) if r["set"] == name]
    return found


def report(rows: Sequence[Row], features: Sequence[str]) -> None:
    runs = {p: loso(rows, p, features) for p in POLICIES}
    print("| set (dev, left out) | " + " | ".join(POLICIES) + " |\n|---|" + "---|" * len(POLICIES))
    pooled = {p: [0, 0, 0, 0] for p in POLICIES}
    for name in dict.fromkeys(r["set"] for r in rows):
        own = [r for r in rows if r["set"] == name]
        cells = []
        for p in POLICIES:
            hits = [v for r, v in zip(own, runs[p][name], strict=True) if r["should_hit"]]
            traps = [v for r, v in zip(own, runs[p][name], strict=True) if not r["should_hit"]]
            c = [sum(hits), len(hits), sum(traps), len(traps)]
            pooled[p] = [a + b for a, b in zip(pooled[p], c, strict=True)]
            cells.append("{}/{}, {}/{}".format(*c))
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("| **pooled** | " + " | ".join("**{}/{}, {}/{}**".format(*pooled[p]) for p in POLICIES) + " |")


def weights(rows: Sequence[Row]) -> None:
    """The fit on every set: each feature's weight on its standardised value."""
    kept = [r for r in rows if r.get("x") and not r["x"][VETO]]
    x = np.array([[r["x"][name] for name in FEATURES] for r in kept])
    model = fit(x, np.array([bool(r["should_hit"]) for r in kept], dtype=np.float64), l2=L2, nonnegative=NONNEGATIVE)
    print(f"\nfitted on every set ({len(kept)} rows not vetoed), bias {model.bias:+.3f}:")
    print(", ".join(f"{name} {w:+.2f}" for name, w in zip(FEATURES, model.weights, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", type=Path, help="write one row per conversation dev pair here")
    parser.add_argument(
        "--verdicts",
        type=Path,
        help="with --fit: a conversation_misses.py --pairs file, or conversation_fit's verdicts (.json)",
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/conversation_fit.pkl"), help="embeddings kept")
    parser.add_argument("--fit", type=Path, help="a --dump file: the leave-one-set-out table")
    args = parser.parse_args()
    if args.dump:
        asyncio.run(dump(args.dump, args.cache))
    if args.fit:
        rows = load(args.fit, args.verdicts)
        both = [r for r in rows if r.get("x")]
        print(f"{len(rows)} dev pairs, {len(both)} with a context on both sides (the model decides those)\n")
        for title, features in (
            ("every signal", FEATURES),
            ("every signal but the turn counts and lengths", [f for f in FEATURES if f not in SHAPE]),
            ("the similarities and the checks' flags", ("q_sim", "ctx_sim", "told_sim", *CHECK_FLAGS)),
            ("the questions' similarity alone", ("q_sim",)),
        ):
            print(f"\n{title}:\n")
            report(rows, features)
        weights(rows)


if __name__ == "__main__":
    main()
