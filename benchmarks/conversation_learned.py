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
- ``gate``: the rules' verdict, less a pair scoring < t (t refuses at least one trap per should-hit lost);
- ``both``: ``gate`` and ``add`` together.

Twenty-seventh session (helper learn29): the fit sets are the dev splits up to -v55 and fow-cache's (``FIT``), the
validation sets -v56 .. -v61 (``VALIDATION``), dumped apart; ``--freeze`` fixes every policy on the fit sets before
``--count`` reads a validation row, once. The reading counted and shipped (``SHIPPED``, ``--write``:
:mod:`nearhit.cache.learned_add`) is ``add`` over ``lookup_shape``, its threshold 0.01 above the fitted traps (0.025
until rq30, twenty-eighth session), on conversations of at most 7 turns. Dev splits only; no test split and no
held-out file is loaded.

Thirty-third session (helper lr38): ``FIT`` and ``VALIDATION`` are ``conversation_misses``'s (up to -v89 and
fow-cache's; -v90 .. -v93). The rules' verdicts are read without the learned add (``conversation_misses.py
--rules-alone``), which is what a refit adds to; a row carries ``facts_veto`` (``learned_add``'s second veto, outside
the model as the guards' is). ``--count`` also reads a shipped data file; ``--margins`` gives add's leave-one-set-out
gain at each margin; ``--capped`` takes add's threshold over the fitted traps its turn cap lets it serve only (without
it, fow-cache's 12-turn traps, which the add never reads, set it). Nothing refitted was shipped: see the README.

    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/conversation_learned.py \
        --dump fit.jsonl --cache vectors.pkl --sets fit          # ~20 min on 2 shared cores; --sets validation
    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/conversation_misses.py --pairs rules.txt
    PYTHONPATH=src:benchmarks python benchmarks/conversation_learned.py \
        --fit benchmarks/data/conversation_learned_fit_rows.jsonl.gz \
        --verdicts benchmarks/data/conversation_learned_fit_rules.txt.gz     # the LOSO tables
    PYTHONPATH=src:benchmarks python benchmarks/conversation_learned.py --fit <same> --verdicts <same> \
        --features lookup_shape --margin 0.025 --turns 7 --freeze frozen.json
    PYTHONPATH=src:benchmarks python benchmarks/conversation_learned.py --count frozen.json --rows val.jsonl \
        --verdicts rules.txt
    PYTHONPATH=src:benchmarks python benchmarks/conversation_learned.py --fit <same> --verdicts <same> --write
    # the eighteenth session's twenty-set dump and rules' verdicts (at 714f91d, features rounded to 4 places):
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
from conversation_misses import FIT, VALIDATION
from conversation_retold import looked_up
from followup_representations import Vectors
from nearhit.cache import conversation as cv
from nearhit.cache import learned_add
from nearhit.cache.learned_add import CHECKS, DATA
from nearhit.decision.fit import Fitted, fit
from nearhit.evaluation import dataset
from nearhit.guards import GuardSet

CHECK_FLAGS = (*(name for name, _ in CHECKS), "changed_detail", "other_referent")
VETO = "q_veto"
"""The guards' rejection at their cut on the last questions: a hard veto, kept outside the model."""
FACTS = "facts_veto"
"""A follow-up stating a number, date or name the other does not (``learned_add``'s second veto, outside the model;
rows dumped before the thirty-third session lack it: read as 0)."""
FEATURES = (*(name for name in fitted.FEATURES if name not in ("ctx_check", VETO)), *CHECK_FLAGS, "turns", "log_words")
"""``conversation_fit``'s signals, its one context-check flag split into one per check, and the conversation's size."""
NONNEGATIVE = tuple(name in {"q_sim", "ctx_sim", "users_sim", "told_sim", "same_turns", "q_quiet"} for name in FEATURES)
SHAPE = ("turns", "turns_gap", "log_words")
"""How long a conversation is: fow-cache's conversations run ~15 turns, ours ~2; a weight on them does not transfer."""
L2 = 0.01
ITERATIONS = 1000
"""The fit's steps: at 1,000 the weights agree with 4,000 steps' to 1e-7 on the fifty-six sets, four times sooner."""
Row = dict[str, Any]
"""A dumped pair: set, id, category, should_hit, both_context, x (its signals), rules (the rules' verdict)."""
POLICIES = ("rules", "replace", "add", "gate", "both")


async def dump(path: Path, cache: Path, sets: Sequence[str]) -> None:
    vectors, guards = Vectors(cache), GuardSet.default()
    with path.open("w", encoding="utf-8") as out:
        for name in sets:
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
                    x |= learned_add.flags(learned_add.Compared(qb, cb, qa, ca, x["q_sim"], x["ctx_sim"]))
                    x["turns"] = float(len(cb.turns))
                    x["log_words"] = float(np.log1p(len(cb.text.split()) + len(qb.split())))
                    x[FACTS] = float((cv.states_more(qb, qa) or "").startswith(cv.OTHER_FACTS))
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


def _threshold(policy: str, scores: np.ndarray, rows: Sequence[Row], allowed: int, within: float = np.inf) -> float:
    """The operating point on the fitted sets: for ``replace`` and ``add`` the lowest score at which their traps
    served stay <= ``allowed`` (the rules'); for ``gate`` the score under which refusing the rules' serves refuses the
    most traps more than should-hits. ``add`` reads only the traps of conversations at most ``within`` turns long:
    those its turn cap lets it serve."""
    open_ = {n for n, r in enumerate(rows) if r.get("x") and not vetoed(r)}
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
        reach = [n for n in traps if n in open_ and not rows[n]["rules"] and rows[n]["x"]["turns"] <= within]
        counted = sorted((float(scores[n]) for n in reach), reverse=True)
    budget = allowed - fixed
    if budget < 0:
        return np.inf
    return counted[budget] + 1e-12 if budget < len(counted) else -np.inf


def vetoed(row: Row) -> bool:
    """Whether a pair is refused whatever its score: the guards' veto, or a follow-up stating other facts."""
    return bool(row["x"][VETO] or row["x"].get(FACTS, 0.0))


def served(
    policy: str, row: Row, score: float, t: float, gated: float = np.inf, cut: float = -np.inf, turns: float = np.inf
) -> bool:
    """Whether ``policy`` serves ``row`` at ``score`` and threshold ``t`` (a pair the rules refuse only if its
    conversation runs at most ``turns`` turns); ``both`` also refuses a pair the rules serve whose gate score
    ``gated`` is under ``cut``."""
    rules = bool(row["rules"])
    if policy == "rules" or not row.get("x"):
        return rules
    passes = not vetoed(row) and score >= t and (rules or row["x"]["turns"] <= turns)
    if policy == "replace":
        return passes
    if policy == "add":
        return rules or passes
    if policy == "both":
        return gated >= cut if rules else passes
    return rules and score >= t


TRAINED_ON = {"replace": "open", "add": "refused", "gate": "served"}
"""With ``specialised``, each policy's model is fitted on the pairs it decides: ``add`` on those the rules refuse,
``gate`` on those they serve (``both`` takes the two); otherwise every pair not vetoed ("open")."""


def _trained(row: Row, on: str) -> bool:
    return bool(row.get("x")) and not row["x"][VETO] and (on == "open" or (on == "served") == bool(row["rules"]))


def _fitted(rows: Sequence[Row], features: Sequence[str], on: str) -> Any:
    """The logistic regression on ``rows``' pairs of population ``on`` (see :data:`TRAINED_ON`)."""
    keep = [FEATURES.index(name) for name in features]
    kept = [r for r in rows if _trained(r, on)]
    x = np.array([[r["x"][FEATURES[k]] for k in keep] for r in kept])
    y = np.array([bool(r["should_hit"]) for r in kept], dtype=np.float64)
    return fit(x, y, l2=L2, nonnegative=[NONNEGATIVE[k] for k in keep], iterations=ITERATIONS)


def _scores(model: Any, rows: Sequence[Row], features: Sequence[str]) -> np.ndarray:
    """``model``'s score of each row (minus infinity for a pair the model does not see)."""
    out = np.full(len(rows), -np.inf)
    decided = [n for n, r in enumerate(rows) if r.get("x")]
    if decided:
        out[decided] = model.probabilities(np.array([[rows[n]["x"][name] for name in features] for n in decided]))
    return out


def decide(
    fitted_rows: Sequence[Row],
    features: Sequence[str],
    specialised: bool,
    margin: float = 0.0,
    within: float = np.inf,
) -> dict[str, tuple[dict[str, Any], float, float]]:
    """Each policy fitted on ``fitted_rows``: per policy its models by population, its threshold and gate cut;
    ``add``'s threshold ``margin`` above the score of the fitted trap it would serve first (of at most ``within``
    turns)."""
    populations = sorted(set(TRAINED_ON.values())) if specialised else ["open"]
    models = {on: _fitted(fitted_rows, features, on) for on in populations}
    allowed = sum(bool(r["rules"]) for r in fitted_rows if not r["should_hit"])
    chosen: dict[str, tuple[dict[str, Any], float, float]] = {"rules": ({}, 0.0, -np.inf)}
    for policy in ("replace", "add", "gate"):
        on = TRAINED_ON[policy] if specialised else "open"
        t = _threshold(policy, _scores(models[on], fitted_rows, features), fitted_rows, allowed, within)
        chosen[policy] = ({"t": models[on]}, t + margin if policy == "add" else t, -np.inf)
    add, gate = chosen["add"], chosen["gate"]
    chosen["both"] = ({"t": add[0]["t"], "gate": gate[0]["t"]}, add[1], gate[1])
    return chosen


def apply(
    rows: Sequence[Row],
    features: Sequence[str],
    chosen: dict[str, tuple[dict[str, Any], float, float]],
    turns: float = np.inf,
) -> dict[str, list[bool]]:
    """Each row served or not under each chosen policy."""
    found: dict[str, list[bool]] = {}
    for policy, (models, t, cut) in chosen.items():
        if policy == "rules":
            found[policy] = [bool(r["rules"]) for r in rows]
            continue
        score = _scores(models["t"], rows, features)
        gated = _scores(models["gate"], rows, features) if "gate" in models else score
        found[policy] = [served(policy, r, float(score[n]), t, float(gated[n]), cut, turns) for n, r in enumerate(rows)]
    return found


def loso(
    rows: Sequence[Row],
    features: Sequence[str],
    specialised: bool,
    margin: float = 0.0,
    turns: float = np.inf,
    capped: bool = False,
) -> dict[str, dict[str, list[bool]]]:
    """Per policy, per set left out, each of its rows served or not under the policy fitted on the other sets
    (``capped``: add's threshold over the fitted traps within the turn cap only)."""
    found: dict[str, dict[str, list[bool]]] = {p: {} for p in POLICIES}
    for name in dict.fromkeys(r["set"] for r in rows):
        own = [r for r in rows if r["set"] == name]
        chosen = decide([r for r in rows if r["set"] != name], features, specialised, margin, _within(turns, capped))
        for policy, verdicts_ in apply(own, features, chosen, turns).items():
            found[policy][name] = verdicts_
    return found


MARGINS = (0.0, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05)
"""The margins ``--margins`` tries for ``add``."""


def _within(turns: float, capped: bool) -> float:
    """The longest conversation whose traps set add's threshold: the turn cap's, or any (``--capped`` off)."""
    return turns if capped else np.inf


def margins(rows: Sequence[Row], features: Sequence[str], specialised: bool, turns: float, capped: bool) -> None:
    """``add``'s gain over the rules leave-one-set-out at each of :data:`MARGINS`: each fold's model and bare
    threshold fitted once, its left-out pairs the rules refuse scored against the threshold plus each margin (the
    grid a margin is chosen on, without refitting per margin); and the left-out traps nearest their fold's threshold."""
    on = TRAINED_ON["add"] if specialised else "open"
    gains = {m: [0, 0] for m in MARGINS}
    near: list[tuple[float, str]] = []
    for name in dict.fromkeys(r["set"] for r in rows):
        fitted_rows, own = [r for r in rows if r["set"] != name], [r for r in rows if r["set"] == name]
        model = _fitted(fitted_rows, features, on)
        allowed = sum(bool(r["rules"]) for r in fitted_rows if not r["should_hit"])
        t = _threshold("add", _scores(model, fitted_rows, features), fitted_rows, allowed, _within(turns, capped))
        score = _scores(model, own, features)
        for n, r in enumerate(own):
            if r["rules"] or not r.get("x") or vetoed(r) or r["x"]["turns"] > turns:
                continue
            for m in MARGINS:
                gains[m][0 if r["should_hit"] else 1] += int(score[n] >= t + m)
            if not r["should_hit"]:
                near.append((float(score[n] - t), f"{r['id']} {r['category']}"))
    print("| margin | should-hits more | traps more |\n|---|---|---|")
    for m, (hits, traps) in gains.items():
        print(f"| {m} | +{hits} | +{traps} |")
    for gap, which in sorted(near, reverse=True)[:5]:
        print(f"  trap {which}: {gap:+.4f} from its fold's threshold")


def table(rows: Sequence[Row], runs: dict[str, dict[str, list[bool]]], per_set: bool = True) -> list[int]:
    """Per set and pooled, should-hits served / should-hits, traps served / traps, for each policy."""
    policies = list(runs)
    print("| set (dev) | " + " | ".join(policies) + " |\n|---|" + "---|" * len(policies))
    pooled = {p: [0, 0, 0, 0] for p in policies}
    for name in dict.fromkeys(r["set"] for r in rows):
        own = [r for r in rows if r["set"] == name]
        cells = []
        for p in policies:
            hits = [v for r, v in zip(own, runs[p][name], strict=True) if r["should_hit"]]
            traps = [v for r, v in zip(own, runs[p][name], strict=True) if not r["should_hit"]]
            c = [sum(hits), len(hits), sum(traps), len(traps)]
            pooled[p] = [a + b for a, b in zip(pooled[p], c, strict=True)]
            cells.append("{}/{}, {}/{}".format(*c))
        if per_set:
            print(f"| {name} | " + " | ".join(cells) + " |")
    print("| **pooled** | " + " | ".join("**{}/{}, {}/{}**".format(*pooled[p]) for p in policies) + " |")
    return [x for p in policies for x in pooled[p]]


def moved(rows: Sequence[Row], runs: dict[str, dict[str, list[bool]]], policy: str) -> None:
    """The pairs ``policy`` decides otherwise than the rules, by category."""
    changes: dict[str, list[int]] = {}
    for name, verdicts_ in runs[policy].items():
        own = [r for r in rows if r["set"] == name]
        for r, v in zip(own, verdicts_, strict=True):
            if v != bool(r["rules"]):
                key = f"{r['category']} {'should-hit' if r['should_hit'] else 'trap'} {'served' if v else 'refused'}"
                changes.setdefault(key, []).append(1)
    for key, ones in sorted(changes.items(), key=lambda kv: -len(kv[1])):
        print(f"  {policy}: {key}: {len(ones)}")


def weights(rows: Sequence[Row], features: Sequence[str], on: str) -> None:
    """The fit on every set: each feature's weight on its standardised value."""
    model = _fitted(rows, features, on)
    print(f"\nfitted on every set ({on}), bias {model.bias:+.3f}: ", end="")
    print(", ".join(f"{name} {w:+.2f}" for name, w in zip(features, model.weights, strict=True)))


FEATURE_SETS = {
    "every": FEATURES,
    "no_shape": tuple(f for f in FEATURES if f not in SHAPE),
    "lookup": tuple(f for f in FEATURES if f not in (*SHAPE, "users_sim", "told_sim")),
    "lookup_shape": tuple(f for f in FEATURES if f not in ("users_sim", "told_sim")),
}
"""The signals tried: every one; all but the conversation's size; and those the lookup has without embedding
anything more (no user turns' or told-as-one cosine), without the conversation's size or with it."""


def freeze(
    rows: Sequence[Row], features: str, specialised: bool, margin: float, turns: float, capped: bool, path: Path
) -> None:
    """The policies fitted on every fitted set, written to ``path`` before any validation row is read."""
    chosen = decide(rows, FEATURE_SETS[features], specialised, margin, _within(turns, capped))
    kept = {
        policy: {
            "models": {
                role: {k: np.asarray(getattr(m, k)).tolist() for k in ("mean", "scale", "weights", "bias")}
                for role, m in models.items()
            },
            "t": t,
            "cut": cut,
        }
        for policy, (models, t, cut) in chosen.items()
    }
    frozen = {
        "features": features,
        "specialised": specialised,
        "margin": margin,
        "turns": turns,
        "capped": capped,
        "policies": kept,
    }
    path.write_text(json.dumps(frozen, indent=1))


def thawed(path: Path) -> tuple[Sequence[str], dict[str, tuple[dict[str, Any], float, float]], float]:
    """A ``--freeze`` file's policies, or a shipped data file's (``--write``'s) ``add``, to count on other rows."""
    frozen = json.loads(path.read_text())
    if "threshold" in frozen:
        m = Fitted(*(np.asarray(frozen[k], dtype=np.float64) for k in ("mean", "scale", "weights")), frozen["bias"])
        chosen = {"rules": ({}, 0.0, -np.inf), "add": ({"t": m}, float(frozen["threshold"]), -np.inf)}
        return tuple(frozen["features"]), chosen, float(frozen["max_turns"])
    chosen = {
        policy: (
            {
                role: Fitted(*(np.asarray(m[k], dtype=np.float64) for k in ("mean", "scale", "weights")), m["bias"])
                for role, m in kept["models"].items()
            },
            kept["t"],
            kept["cut"],
        )
        for policy, kept in frozen["policies"].items()
    }
    return FEATURE_SETS[frozen["features"]], chosen, float(frozen["turns"])


SHIPPED = {"features": "lookup_shape", "margin": 0.01, "turns": 7}
"""The reading counted once on the validation sets and shipped (``learned_add``): one model, policy ``add``."""


def write(rows: Sequence[Row], path: Path) -> None:
    """The shipped ``add`` fitted on every fitted set, as :mod:`nearhit.cache.learned_add` reads it."""
    features = FEATURE_SETS[str(SHIPPED["features"])]
    models, t, _ = decide(rows, features, False, float(SHIPPED["margin"]))["add"]
    m = models["t"]
    data = {
        "about": {
            "fitted_by": "benchmarks/conversation_learned.py --fit <rows> --verdicts <rules> --write",
            "data": "the dev splits of the conversation sets up to nearhit-conversations-v55 and fow-cache's, "
            "both sides with a context, the guards' veto outside the model",
            "threshold_rule": f"{SHIPPED['margin']} above every fitted trap the rules refuse",
            "validation": "counted once on the dev splits of -v56 .. -v61; "
            "the margin of 0.01 (was 0.025) once on -v62 .. -v67",
        },
        "features": list(features),
        "mean": [round(float(v), 6) for v in m.mean],
        "scale": [round(float(v), 6) for v in m.scale],
        "weights": [round(float(v), 6) for v in m.weights],
        "bias": round(float(m.bias), 6),
        "threshold": round(float(t), 6),
        "max_turns": SHIPPED["turns"],
    }
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


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
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit", help="with --dump: which dev splits")
    parser.add_argument("--features", choices=tuple(FEATURE_SETS), help="with --fit: only these signals")
    parser.add_argument("--specialised", action="store_true", help="with --freeze: a model per policy's pairs")
    parser.add_argument("--margin", type=float, default=0.0, help="add's threshold this far above the fitted traps")
    parser.add_argument("--turns", type=float, default=np.inf, help="add serves only conversations this long or less")
    parser.add_argument("--capped", action="store_true", help="add's threshold over the traps within --turns only")
    parser.add_argument("--margins", action="store_true", help="with --fit --features: add's gain by margin")
    parser.add_argument("--per-set", action="store_true", help="with --fit: the table per set too")
    parser.add_argument("--freeze", type=Path, help="with --fit: write every policy fitted on every set here")
    parser.add_argument("--count", type=Path, help="a --freeze file: count its policies once on --rows")
    parser.add_argument("--write", action="store_true", help="with --fit: write the shipped score's data file")
    parser.add_argument("--rows", type=Path, help="with --count: the validation --dump file")
    args = parser.parse_args()
    if args.dump:
        asyncio.run(dump(args.dump, args.cache, VALIDATION if args.sets == "validation" else FIT))
    if args.fit and args.write:
        write(load(args.fit, args.verdicts), Path(__file__).parents[1] / "src/nearhit/cache/data" / DATA)
    elif args.fit and args.freeze:
        rows = load(args.fit, args.verdicts)
        freeze(rows, args.features, args.specialised, args.margin, args.turns, args.capped, args.freeze)
    elif args.fit and args.margins:
        margins(load(args.fit, args.verdicts), FEATURE_SETS[args.features], args.specialised, args.turns, args.capped)
    elif args.fit:
        rows = load(args.fit, args.verdicts)
        both = [r for r in rows if r.get("x")]
        print(f"{len(rows)} dev pairs, {len(both)} with a context on both sides (the model decides those)")
        names = [args.features] if args.features else list(FEATURE_SETS)
        for name in names:
            for specialised in (False, True):
                print(f"\n{name}, {'specialised' if specialised else 'one model'} (leave-one-set-out):\n")
                runs = loso(rows, FEATURE_SETS[name], specialised, args.margin, args.turns, args.capped)
                table(rows, runs, per_set=args.per_set)
                for policy in ("add", "gate"):
                    moved(rows, runs, policy)
            for on in ("open", "refused", "served"):
                weights(rows, FEATURE_SETS[name], on)
    if args.count:
        features, chosen, turns = thawed(args.count)
        rows = load(args.rows, args.verdicts)
        runs = {p: {} for p in chosen}
        for name in dict.fromkeys(r["set"] for r in rows):
            for policy, verdicts_ in apply([r for r in rows if r["set"] == name], features, chosen, turns).items():
                runs[policy][name] = verdicts_
        table(rows, runs)
        for policy in ("add", "gate", "both"):
            if policy in runs:
                moved(rows, runs, policy)


if __name__ == "__main__":
    main()
