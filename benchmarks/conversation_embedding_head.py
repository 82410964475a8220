"""A judgement learned on the embeddings themselves: does it transfer to unseen sets? (issue 14, helper le45)

Hand rules and a learned decision over the rules' scalar signals (``conversation_learned.py``) have moved almost
nothing on sets nobody tuned on. This probe learns over the vectors the engine already holds for a stored entry and a
query: the question's embedding and the context's (``Lookup.text`` and ``Lookup.context_text``, embedded through
``EmbeddingStore.compute`` as ``SemanticCache._embed`` does, with the configured local embedder). Which directions of
difference between two questions / two contexts separate "same answer" from "different answer"?

``--dump``: one row per dev pair of the chosen sets (``conversation_misses.FIT`` or ``VALIDATION``, each loaded as
``nearhit eval`` loads it: ``dataset.load(name, "dev")``): set, id, category, label and the four vectors (zeros for a
side without a context), to an ``.npz``; the vectors are kept by embedder input in ``--cache`` between runs.

Features, symmetric in a/b: q_a*q_b, |q_a-q_b|, c_a*c_b, |c_a-c_b| (elementwise), the questions' and the contexts'
cosines, a flag per side without a context and one for both. An L2 logistic regression (:func:`nearhit.decision.fit`)
is fitted with whole sets grouped into folds (``--folds``, default 5; greedy by size, never a pair of a set in its own
fold's fit). Policies over the rules' verdict (``--verdicts``: a ``conversation_misses.py --pairs`` file, the lines
``ID served|missed ...``), each threshold chosen on the fitted folds only (their own inner out-of-fold scores, so the
threshold sees scores as an unseen set gets them):

- ``gate``: refuse a pair the rules serve when its score < t (t at the cut where the fitted folds' traps removed
  exceed the should-hits lost by the most);
- ``add``: serve a pair the rules refuse when its score >= t (t the highest fitted trap the rules refuse, + margin).

``--fit`` prints the out-of-fold tables (should-hits / traps moved, per category); its scores (26 fits, ~15 min) are
kept in ``--scores`` and need no verdict, so they can be computed first. ``--freeze`` takes the model fitted on every
fit set and fixes each threshold on the 5-fold out-of-fold scores of the fit sets, then writes weights and thresholds
to a JSON; ``--count`` reads a frozen file against the validation rows once. Scores read as ``add`` would serve any
pair, whether or not the engine's KNN would have found its ``a`` (an upper bound on what ``add`` could reach).

    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/conversation_embedding_head.py \
        --dump /tmp/le45/fit_rows.npz --cache /tmp/le45/vectors.pkl --sets fit        # ~15 min on 2 shared cores
    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/conversation_embedding_head.py \
        --dump /tmp/le45/val_rows.npz --cache /tmp/le45/vectors.pkl --sets validation
    PYTHONPATH=src:benchmarks python benchmarks/conversation_embedding_head.py \
        --fit /tmp/le45/fit_rows.npz --scores /tmp/le45/scores.npz                    # the scores alone
    PYTHONPATH=src:benchmarks python benchmarks/conversation_embedding_head.py --fit /tmp/le45/fit_rows.npz \
        --scores /tmp/le45/scores.npz --verdicts /tmp/lead/fit39.txt                  # the out-of-fold tables
    PYTHONPATH=src:benchmarks python benchmarks/conversation_embedding_head.py --fit /tmp/le45/fit_rows.npz \
        --scores /tmp/le45/scores.npz --verdicts /tmp/lead/fit39.txt --freeze benchmarks/data/embedding_head.json
    PYTHONPATH=src:benchmarks python benchmarks/conversation_embedding_head.py \
        --count benchmarks/data/embedding_head.json --rows /tmp/le45/val_rows.npz --verdicts /tmp/lead/val39.txt

    PYTHONPATH=src:benchmarks python benchmarks/conversation_embedding_head.py --neighbours /tmp/le45/fit_rows.npz

``--neighbours``: a stranger's single question served in a scope holding a set's single questions (see the README;
``--policy`` picks the frozen cut).

``--hard`` (issue 14, helper le46): the head fitted on the written pairs plus the neighbours a shared scope meets
(:func:`hard_negatives`, labelled "different answer"), 5 folds of whole sets, the cut read off the out-of-fold scores
so that no neighbour candidate is served (``add_nb``; ``add_nb0`` also above every fitted trap the rules refuse).
``--veto``: le45's head picks at its ``add_r50`` cut and the ``--hard`` head must also reach its cut. Both frozen
before validation was read; ``--count`` and ``--neighbours`` read either frozen file:

    PYTHONPATH=src:benchmarks python benchmarks/conversation_embedding_head.py --hard /tmp/le45/fit_rows.npz \
        --verdicts /tmp/lead/fit39.txt --scores /tmp/le46/hard_scores.npz \
        --freeze benchmarks/data/conversation_embedding_head_hard.json                   # 6 fits, ~3 min
    PYTHONPATH=src:benchmarks python benchmarks/conversation_embedding_head.py --veto /tmp/le45/fit_rows.npz \
        --verdicts /tmp/lead/fit39.txt --scores /tmp/le46/hard_scores.npz \
        --freeze benchmarks/data/conversation_embedding_head_veto.json
    PYTHONPATH=src:benchmarks python benchmarks/conversation_embedding_head.py \
        --count benchmarks/data/conversation_embedding_head_hard.json --rows /tmp/le45/val_rows.npz \
        --verdicts /tmp/lead/val39.txt
    PYTHONPATH=src:benchmarks python benchmarks/conversation_embedding_head.py --neighbours /tmp/le45/val_rows.npz \
        --frozen benchmarks/data/conversation_embedding_head_hard.json --policy add_nb
Dev splits only; no test split and no held-out set is loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pickle
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from conversation_misses import FIT, VALIDATION
from nearhit.cache.embedding_store import _embedder_input
from nearhit.cli._common import settings
from nearhit.decision.fit import Fitted, fit
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request

L2 = 0.05
"""The fit's L2 strength on standardised features (1,540 of them: four elementwise blocks of 384 and four scalars)."""
ITERATIONS = 400
MARGIN = 0.01
"""``add``'s threshold above the highest fitted trap the rules refuse (a probability)."""
FOLDS = 5
RATIOS = (20, 50)
"""``add_rN``: serve a pair the rules refuse when its score >= t, t the lowest cut at which the fitted folds' refused
pairs above it hold >= N should-hits per trap (added after the out-of-fold table showed ``add``'s own rule serving
nothing: one fitted trap scores 0.9997; chosen before any validation row was read)."""
POLICIES = ("rules", "gate", "add", *(f"add_r{n}" for n in RATIOS))


def dump(path: Path, kept_at: Path, sets: Sequence[str]) -> None:
    """The chosen sets' dev pairs, each side read as the service reads it and embedded as the engine embeds it."""
    kept: dict[str, np.ndarray] = pickle.loads(kept_at.read_bytes()) if kept_at.exists() else {}
    meta, sides, dim, repair = asyncio.run(embedded(sets, kept))
    kept_at.write_bytes(pickle.dumps(kept))

    def of(text: str | None) -> np.ndarray:
        return kept[_embedder_input(text, repair)] if text is not None else np.zeros(dim, dtype=np.float32)

    blocks = [np.stack([of(row[k]) for row in sides]) for k in range(4)]
    has = np.array([[row[1] is not None, row[3] is not None] for row in sides], dtype=bool)
    np.savez_compressed(path, qa=blocks[0], ca=blocks[1], qb=blocks[2], cb=blocks[3], has=has, meta=json.dumps(meta))
    print(f"{len(meta)} rows to {path}")


Sides = tuple[str, str | None, str, str | None]
"""A pair's embedding inputs: ``a``'s question and context (None without one), ``b``'s."""


async def embedded(
    sets: Sequence[str], kept: dict[str, np.ndarray]
) -> tuple[list[dict[str, Any]], list[Sides], int, bool]:
    """Each pair's row and embedding inputs (``Lookup.text``, ``Lookup.context_text``), the texts not in ``kept``
    embedded into it through the engine's ``EmbeddingStore.compute``; the embedder's dimension and whether it repairs
    typos (its input's key)."""
    meta: list[dict[str, Any]] = []
    sides: list[Sides] = []
    async with scratch_cache(settings()) as cache:
        repair = bool(getattr(cache.embeddings.embedder, "repairs_typos", False))
        for name in sets:
            for pair in dataset.load(name, "dev"):
                a, b = request(cache, "le45", pair.a), request(cache, "le45", pair.b)
                sides.append(
                    (
                        a.text,
                        a.context_text if a.context is not None else None,
                        b.text,
                        b.context_text if b.context is not None else None,
                    )
                )
                meta.append({"set": name, "id": pair.id, "category": pair.category, "should_hit": pair.same_answer})
        texts = sorted({t for row in sides for t in row if t is not None and _embedder_input(t, repair) not in kept})
        for start in range(0, len(texts), 256):
            chunk = texts[start : start + 256]
            vectors = await cache.embeddings.compute(chunk)
            for text, vector in zip(chunk, vectors, strict=True):
                kept[_embedder_input(text, repair)] = np.asarray(vector, dtype=np.float32)
            if start % 2560 == 0:
                print(f"embedded {start + len(chunk)} / {len(texts)}", flush=True)
        return meta, sides, cache.embeddings.dimension, repair


def load(path: Path, verdicts: Path | None) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The dumped rows (each with the rules' verdict ``rules``, when ``verdicts`` is given) and their features."""
    data = np.load(path)
    meta: list[dict[str, Any]] = json.loads(str(data["meta"]))
    found = {}
    lines = verdicts.read_text(encoding="utf-8").splitlines() if verdicts is not None else []
    for line in lines:
        if line.strip():
            found[line.split()[0]] = line.split()[1] == "served"
    for row in meta:
        row["rules"] = found.get(row["id"], False)
    if verdicts is not None:
        assert all(row["id"] in found for row in meta), "a row without the rules' verdict"
    return meta, features(data["qa"], data["qb"], data["ca"], data["cb"], data["has"])


def features(qa: np.ndarray, qb: np.ndarray, ca: np.ndarray, cb: np.ndarray, has: np.ndarray) -> np.ndarray:
    """Symmetric in a/b: q_a*q_b, |q_a-q_b|, c_a*c_b, |c_a-c_b|, the two cosines, a flag per side without a context
    (summed: symmetric) and one for both with one. A side without a context has zeros for its context vector."""
    both = has[:, 0] & has[:, 1]
    q_cos = np.einsum("ij,ij->i", qa, qb)
    c_cos = np.where(both, np.einsum("ij,ij->i", ca, cb), 0.0)
    scalars = np.stack([q_cos, c_cos, (~has).sum(axis=1).astype(np.float32), both.astype(np.float32)], axis=1)
    return np.hstack([qa * qb, np.abs(qa - qb), ca * cb, np.abs(ca - cb), scalars]).astype(np.float64)


def folds_of(rows: Sequence[dict[str, Any]], k: int) -> np.ndarray:
    """Each row's fold: whole sets, the largest first into the fold with the fewest pairs so far."""
    sizes = Counter(row["set"] for row in rows)
    load_, fold_of = [0] * k, {}
    for name, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        fold = min(range(k), key=lambda f: (load_[f], f))
        fold_of[name], load_[fold] = fold, load_[fold] + size
    return np.array([fold_of[row["set"]] for row in rows])


def fitted(x: np.ndarray, y: np.ndarray) -> Fitted:
    return fit(x, y, l2=L2, nonnegative=[False] * x.shape[1], iterations=ITERATIONS)


def out_of_fold(x: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Each row's score from the model fitted on the other folds."""
    scores = np.empty(len(y))
    for fold in np.unique(folds):
        inside = folds == fold
        scores[inside] = fitted(x[~inside], y[~inside]).probabilities(x[inside])
    return scores


def thresholds(scores: np.ndarray, rows: Sequence[dict[str, Any]], margin: float = MARGIN) -> dict[str, float]:
    """``gate``: the cut under which refusing the rules' serves removes the most traps net of should-hits lost (none
    when no cut removes more traps than should-hits); ``add``: above every trap the rules refuse, + ``margin``."""
    served = sorted((float(scores[n]), bool(r["should_hit"])) for n, r in enumerate(rows) if r["rules"])
    gain = np.cumsum([-1 if hit else 1 for _, hit in served])
    cuts = [k for k in range(len(served)) if k + 1 == len(served) or served[k + 1][0] > served[k][0]]
    best = max(cuts, key=lambda k: gain[k], default=None)
    gate = served[best][0] + 1e-12 if best is not None and gain[best] > 0 else -np.inf
    refused = [float(scores[n]) for n, r in enumerate(rows) if not r["rules"] and not r["should_hit"]]
    return {"gate": gate, "add": max(refused, default=1.0) + margin} | {
        f"add_r{n}": _ratio(scores, rows, n) for n in RATIOS
    }


def _ratio(scores: np.ndarray, rows: Sequence[dict[str, Any]], ratio: int) -> float:
    """The lowest score (ties together) at which the rules' refused pairs scoring at least it hold at least ``ratio``
    should-hits per trap (at least ``ratio`` should-hits when no trap)."""
    refused = sorted(
        ((float(scores[n]), bool(r["should_hit"])) for n, r in enumerate(rows) if not r["rules"]), reverse=True
    )
    hits = traps = 0
    best = np.inf
    for k, (score, hit) in enumerate(refused):
        hits, traps = hits + hit, traps + (not hit)
        if hits >= ratio * max(traps, 1) and (k + 1 == len(refused) or refused[k + 1][0] < score):
            best = score
    return best


def decide(policy: str, score: float, rules: bool, t: dict[str, float]) -> bool:
    if policy == "gate":
        return rules and score >= t["gate"]
    if policy.startswith("add"):
        return rules or score >= t[policy]
    return rules


def scored(x: np.ndarray, rows: Sequence[dict[str, Any]], folds: np.ndarray, kept_at: Path | None) -> dict[str, Any]:
    """The scores the policies read, none from a model fitted on the row's fold: ``outer`` (each row by the model
    fitted on the other folds), ``inner/F`` (the rows outside fold F, each by the model fitted on the folds other than
    F and its own) and ``all`` (the model fitted on every row, for :func:`freeze`). Kept in ``kept_at`` (they take
    ~15 min: 26 fits of ~30 s) and read back when it exists; the verdicts play no part in them."""
    if kept_at is not None and kept_at.exists():
        return dict(np.load(kept_at, allow_pickle=True))
    y = np.array([r["should_hit"] for r in rows], dtype=float)
    found: dict[str, Any] = {"outer": out_of_fold(x, y, folds)}
    for fold in np.unique(folds):
        outside = folds != fold
        found[f"inner/{fold}"] = out_of_fold(x[outside], y[outside], folds[outside])
        print(f"fold {fold} scored", flush=True)
    model = fitted(x, y)
    found |= {"mean": model.mean, "scale": model.scale, "weights": model.weights, "bias": np.array(model.bias)}
    if kept_at is not None:
        np.savez(kept_at, **found)
    return found


def nested(rows: Sequence[dict[str, Any]], folds: np.ndarray, scores: dict[str, Any]) -> dict[str, list[bool]]:
    """Each policy's verdict per row, the row's fold never fitted on: for each outer fold, the thresholds from the
    other folds' inner out-of-fold scores, the row's score from the model fitted on all the other folds."""
    served = {p: [False] * len(rows) for p in POLICIES}
    for fold in np.unique(folds):
        inside = np.flatnonzero(folds == fold)
        outside = np.flatnonzero(folds != fold)
        t = thresholds(scores[f"inner/{fold}"], [rows[n] for n in outside])
        print(f"fold {fold}: {len(inside)} rows, " + ", ".join(f"{p} t {v:.4f}" for p, v in t.items()), flush=True)
        for n in inside:
            for policy in POLICIES:
                served[policy][n] = decide(policy, float(scores["outer"][n]), rows[n]["rules"], t)
    return served


def _print_categories(rows: Sequence[dict[str, Any]], served: dict[str, list[bool]], policies: Sequence[str]) -> None:
    """One Markdown row per category and one for all: each policy's should-hits / traps served."""
    cats = sorted({r["category"] for r in rows})
    print("| category | pairs | " + " | ".join(f"{p} hits / traps" for p in policies) + " |")
    print("|---|---|" + "---|" * len(policies))
    for cat in [*cats, "all"]:
        picked = [n for n, r in enumerate(rows) if cat in ("all", r["category"])]
        cells = []
        for policy in policies:
            hits = sum(served[policy][n] for n in picked if rows[n]["should_hit"])
            traps = sum(served[policy][n] for n in picked if not rows[n]["should_hit"])
            cells.append(f"{hits} / {traps}")
        label = f"**{cat}**" if cat == "all" else cat
        print(f"| {label} | {len(picked)} | " + " | ".join(cells) + " |")


def table(rows: Sequence[dict[str, Any]], served: dict[str, list[bool]]) -> None:
    """Should-hits / traps served per category, the rules and each policy."""
    _print_categories(rows, served, POLICIES)
    for policy in POLICIES[1:]:
        gained = sum(served[policy][n] and not r["rules"] for n, r in enumerate(rows) if r["should_hit"])
        lost = sum(r["rules"] and not served[policy][n] for n, r in enumerate(rows) if r["should_hit"])
        traps_in = sum(served[policy][n] and not r["rules"] for n, r in enumerate(rows) if not r["should_hit"])
        traps_out = sum(r["rules"] and not served[policy][n] for n, r in enumerate(rows) if not r["should_hit"])
        print(f"{policy}: should-hits +{gained} -{lost}, traps +{traps_in} -{traps_out}")


def freeze(rows: Sequence[dict[str, Any]], scores: dict[str, Any], path: Path) -> None:
    """The model fitted on every fit row, each threshold from their (5-fold) out-of-fold scores, to a JSON."""
    _write_frozen(path, rows, thresholds(scores["outer"], rows), scores, 4, margin=MARGIN)


def _write_frozen(
    path: Path, rows: Sequence[dict[str, Any]], t: dict[str, float], model: dict[str, Any], digits: int, **about: Any
) -> None:
    """A fitted head (``model``: its mean, scale, weights, bias) with its thresholds ``t`` and what it was fitted
    on (``about``), as :func:`_model` reads it back; the thresholds printed to ``digits`` places."""
    frozen = {
        "fitted_on": sorted({r["set"] for r in rows}),
        **about,
        "l2": L2,
        "iterations": ITERATIONS,
        "thresholds": t,
        "mean": model["mean"].tolist(),
        "scale": model["scale"].tolist(),
        "weights": model["weights"].tolist(),
        "bias": float(model["bias"]),
    }
    path.write_text(json.dumps(frozen), encoding="utf-8")
    print(f"frozen to {path}: " + ", ".join(f"{p} t {v:.{digits}f}" for p, v in t.items()))


def _model(frozen: dict[str, Any]) -> Fitted:
    """A frozen head (the file :func:`freeze` or ``--hard`` writes) as the model it was."""
    return Fitted(
        mean=np.array(frozen["mean"]),
        scale=np.array(frozen["scale"]),
        weights=np.array(frozen["weights"]),
        bias=float(frozen["bias"]),
    )


def count(path: Path, rows: Sequence[dict[str, Any]], x: np.ndarray) -> None:
    """A frozen head's verdicts on rows none of its fit saw."""
    frozen = json.loads(path.read_text(encoding="utf-8"))
    assert not {r["set"] for r in rows} & set(frozen["fitted_on"]), "rows of a fitted set"
    model = _model(frozen)
    scores = model.probabilities(x)
    t = frozen["thresholds"]
    table(rows, {p: [decide(p, float(s), r["rules"], t) for s, r in zip(scores, rows, strict=True)] for p in POLICIES})


def neighbours(path: Path, frozen_at: Path, policy: str = "add_r50") -> None:
    """What a shared scope would meet: each set's single-question ``a`` sides in one scope, each conversation ``b``
    asked there, its nearest single question by the question alone (as ``as_one_question``'s KNN finds it) scored
    when it is another pair's; those at the policy's threshold are a stranger's answer served."""
    data = dict(np.load(path))
    meta: list[dict[str, Any]] = json.loads(str(data["meta"]))
    frozen = json.loads(frozen_at.read_text(encoding="utf-8"))
    if frozen.get("veto"):  # le46: the first head's cut, then the second's
        one = _model(json.loads((frozen_at.parent / frozen["first"]).read_text(encoding="utf-8")))
        two = _model(json.loads((frozen_at.parent / frozen["second"]).read_text(encoding="utf-8")))
        t1 = frozen["t1"]

        class _Both:
            @staticmethod
            def probabilities(x: np.ndarray) -> np.ndarray:
                return np.where(one.probabilities(x) >= t1, two.probabilities(x), -1.0)

        model: Any = _Both()
        frozen["thresholds"] = frozen["t2"]
    else:
        model = _model(frozen)
    has, sets = data["has"], np.array([row["set"] for row in meta])
    asked = served = 0
    for name in np.unique(sets):
        rows = np.flatnonzero(sets == name)
        singles = [n for n in rows if not has[n][0]]
        for n in (n for n in rows if has[n][1] and singles):
            asked += 1
            nearest = singles[int(np.argmax(data["qa"][singles] @ data["qb"][n]))]
            if nearest == n:
                continue  # its own counterpart: the per-pair count's business
            x = features(
                data["qa"][nearest : nearest + 1],
                data["qb"][n : n + 1],
                np.zeros_like(data["cb"][n : n + 1]),
                data["cb"][n : n + 1],
                np.array([[False, True]]),
            )
            score = float(model.probabilities(x)[0])
            if score >= frozen["thresholds"][policy]:
                served += 1
                print(f"{meta[n]['id']} <- {meta[nearest]['id']} {score:.4f}")
    print(f"{asked} conversations asked; served another pair's single question: {served}")


HARD_SINGLES = 2
"""``--hard``: each single question ``a`` is also paired with this many of its set's nearest conversations ``b`` of
other pairs (each conversation ``b`` with its one nearest single question of another pair: the KNN's candidate)."""


def hard_negatives(
    data: dict[str, np.ndarray], meta: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Rows labelled "different answer" that a shared scope would meet (issue 14, helper le46): within each set, each
    conversation ``b`` with the nearest single question ``a`` of another pair by the question cosine (what
    ``as_one_question``'s KNN ranks first in a scope of the set's single questions, when it is not its own pair's), and
    each single question ``a`` with the ``HARD_SINGLES`` conversations ``b`` of other pairs nearest to it. Each row
    carries ``neighbour`` (True for the first kind: the candidate ``--neighbours`` counts) and its set's name, so it
    falls in its set's fold."""
    has, sets = data["has"], np.array([row["set"] for row in meta])
    picked: dict[tuple[int, int], bool] = {}
    for name in np.unique(sets):
        rows = np.flatnonzero(sets == name)
        singles = np.array([n for n in rows if not has[n][0]])
        talks = np.array([n for n in rows if has[n][1]])
        if not len(singles) or not len(talks):
            continue
        sims = data["qb"][talks] @ data["qa"][singles].T
        for i, n in enumerate(talks):
            nearest = int(singles[int(np.argmax(sims[i]))])
            if nearest != n:
                picked[(nearest, int(n))] = True
        for j, m in enumerate(singles):
            order = [int(talks[i]) for i in np.argsort(-sims[:, j]) if talks[i] != m][:HARD_SINGLES]
            for n in order:
                picked.setdefault((int(m), n), False)
    pairs = sorted(picked)
    a = np.array([m for m, _ in pairs])
    b = np.array([n for _, n in pairs])
    x = features(
        data["qa"][a],
        data["qb"][b],
        np.zeros_like(data["cb"][b]),
        data["cb"][b],
        np.stack([np.zeros(len(b), dtype=bool), np.ones(len(b), dtype=bool)], axis=1),
    )
    rows = [
        {
            "set": meta[n]["set"],
            "id": f"{meta[n]['id']}<-{meta[m]['id']}",
            "category": "neighbour",
            "should_hit": False,
            "rules": False,
            "neighbour": picked[(m, n)],
        }
        for m, n in pairs
    ]
    return rows, x


def outer_scores(x: np.ndarray, y: np.ndarray, folds: np.ndarray, kept_at: Path | None) -> dict[str, Any]:
    """``outer`` (each row by the model fitted on the other folds) and the model fitted on every row; kept in
    ``kept_at``. (The nested inner folds of :func:`scored` are skipped: 6 fits instead of 26 on twice the rows; the
    threshold is read off these out-of-fold scores, as :func:`freeze` reads it.)"""
    if kept_at is not None and kept_at.exists():
        return dict(np.load(kept_at, allow_pickle=True))
    found: dict[str, Any] = {"outer": out_of_fold(x, y, folds)}
    model = fitted(x, y)
    found |= {"mean": model.mean, "scale": model.scale, "weights": model.weights, "bias": np.array(model.bias)}
    if kept_at is not None:
        np.savez(kept_at, **found)
    return found


def hard_thresholds(scores: np.ndarray, rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """``add_nb``: the lowest cut that serves no neighbour candidate (above the highest-scoring one); ``add_nb_r50``:
    that, or ``add_r50``'s cut over the written pairs when higher."""
    pairs = [n for n, r in enumerate(rows) if r["category"] != "neighbour"]
    nb = [float(scores[n]) for n, r in enumerate(rows) if r.get("neighbour")]
    top = max(nb, default=0.0)
    cut = float(np.nextafter(top, np.inf))
    r50 = _ratio(scores[pairs], [rows[n] for n in pairs], 50)
    trap = max((float(scores[n]) for n in pairs if not rows[n]["rules"] and not rows[n]["should_hit"]), default=0.0)
    return {"add_nb": cut, "add_nb_r50": max(cut, r50), "add_nb0": max(cut, float(np.nextafter(trap, np.inf)))}


def hard(path: Path, verdicts: Path, kept_at: Path | None, frozen_at: Path | None, k: int) -> None:
    """Fit on the written pairs plus :func:`hard_negatives`, whole sets in ``k`` folds; print the out-of-fold tables
    (written pairs per category; neighbour candidates served) at each cut; with ``frozen_at``, write the model fitted
    on every row and the cuts read off the out-of-fold scores."""
    rows, x = load(path, verdicts)
    data = dict(np.load(path))
    extra, x_extra = hard_negatives(data, rows)
    every = [*rows, *extra]
    x_all = np.vstack([x, x_extra])
    y = np.array([r["should_hit"] for r in every], dtype=float)
    folds = folds_of(every, k)
    print(
        f"{len(rows)} written pairs + {len(extra)} hard negatives ({sum(r['neighbour'] for r in extra)} KNN candidates)"
    )
    scores = outer_scores(x_all, y, folds, kept_at)["outer"]
    t = hard_thresholds(scores, every)
    nb = np.array([float(scores[n]) for n, r in enumerate(every) if r.get("neighbour")])
    print(
        f"out-of-fold neighbour candidate scores: max {nb.max():.4f}, "
        f"p99 {np.quantile(nb, 0.99):.4f}, p90 {np.quantile(nb, 0.9):.4f}"
    )
    written = list(range(len(rows)))
    pair_scores = scores[written]
    for label, cut in [*t.items(), *[(f"at {c}", c) for c in (0.9, 0.95, 0.98, 0.99, 0.995, 0.999)]]:
        served_nb = int((nb >= cut).sum())
        gained = sum(1 for n in written if not rows[n]["rules"] and pair_scores[n] >= cut and rows[n]["should_hit"])
        traps = sum(1 for n in written if not rows[n]["rules"] and pair_scores[n] >= cut and not rows[n]["should_hit"])
        print(
            f"{label} (t {cut:.6f}): should-hits +{gained}, traps +{traps}, "
            f"neighbour candidates served {served_nb} of {len(nb)}"
        )
    table_hard(rows, pair_scores, t)
    if frozen_at is not None:
        saved = outer_scores(x_all, y, folds, kept_at)
        _write_frozen(frozen_at, rows, t, saved, 6, hard_negatives=len(extra), hard_singles=HARD_SINGLES)


def table_hard(rows: Sequence[dict[str, Any]], scores: np.ndarray, t: dict[str, float]) -> None:
    """Should-hits / traps per category for the rules and each ``add_nb`` cut (a row served when the rules serve it or
    its score reaches the cut; ``add_nb0``: no out-of-fold neighbour candidate served and no fitted trap the rules
    refuse added)."""
    policies = ("rules", *t)
    served = {
        p: [r["rules"] or (p != "rules" and float(s) >= t[p]) for s, r in zip(scores, rows, strict=True)]
        for p in policies
    }
    _print_categories(rows, served, policies)


def count_hard(path: Path, rows: Sequence[dict[str, Any]], x: np.ndarray) -> None:
    """A frozen ``--hard`` head's verdicts on rows none of its fit saw."""
    frozen = json.loads(path.read_text(encoding="utf-8"))
    assert not {r["set"] for r in rows} & set(frozen["fitted_on"]), "rows of a fitted set"
    model = _model(frozen)
    table_hard(rows, model.probabilities(x), frozen["thresholds"])


def veto(path: Path, verdicts: Path, hard_scores: Path, k: int, frozen_at: Path | None) -> None:
    """Both heads: le45's (fitted on the written pairs alone, ranks them) picks a refused pair at its ``add_r50`` cut,
    the ``--hard`` head (fitted with the neighbours) must also reach ``t2``, the lowest cut at which no out-of-fold
    neighbour candidate passing the first cut is served (``veto``), and above every fitted trap passing the first cut
    too (``veto0``). Out of fold in the ``--hard`` folds (le45's head refitted on each fold's written pairs, scoring
    that fold's written pairs and neighbour candidates). Frozen: le45's frozen file (the same fit on every written
    pair) and the ``--hard`` frozen file, with the two cuts."""
    rows, x = load(path, verdicts)
    data = dict(np.load(path))
    extra, x_extra = hard_negatives(data, rows)
    every = [*rows, *extra]
    folds = folds_of(every, k)
    written = np.arange(len(rows))
    nb = np.array([len(rows) + i for i, r in enumerate(extra) if r["neighbour"]])
    y = np.array([r["should_hit"] for r in rows], dtype=float)
    first = np.empty(len(every))
    for fold in np.unique(folds):
        model = fitted(x[folds[written] != fold], y[folds[written] != fold])
        inside = np.flatnonzero(folds == fold)
        mine = inside[inside < len(rows)]
        theirs = inside[inside >= len(rows)]
        first[mine] = model.probabilities(x[mine])
        first[theirs] = model.probabilities(x_extra[theirs - len(rows)])
        print(f"fold {fold} scored", flush=True)
    second = np.load(hard_scores)["outer"]
    t1 = _ratio(first[written], rows, 50)
    passing = nb[first[nb] >= t1]
    print(f"first cut (add_r50 on these folds) {t1:.6f}: neighbour candidates passing it {len(passing)} of {len(nb)}")
    t2 = float(np.nextafter(max((float(second[n]) for n in passing), default=0.0), np.inf))
    refused = [n for n in written if not rows[n]["rules"] and first[n] >= t1]
    trap2 = max((float(second[n]) for n in refused if not rows[n]["should_hit"]), default=0.0)
    cuts = {"veto": t2, "veto0": max(t2, float(np.nextafter(trap2, np.inf)))}
    for name, t in [("first alone", 0.0), *cuts.items()]:
        hits = sum(1 for n in refused if second[n] >= t and rows[n]["should_hit"])
        traps = sum(1 for n in refused if second[n] >= t and not rows[n]["should_hit"])
        served = int(sum(1 for n in passing if second[n] >= t))
        print(f"{name} (t2 {t:.6f}): should-hits +{hits}, traps +{traps}, neighbour candidates served {served}")
    table_hard(rows, np.where(first[written] >= t1, second[written], -1.0), cuts)
    if frozen_at is not None:
        frozen_at.write_text(
            json.dumps(
                {
                    "veto": True,
                    "first": "conversation_embedding_head.json",
                    "t1": t1,
                    "second": "conversation_embedding_head_hard.json",
                    "t2": cuts,
                }
            ),
            encoding="utf-8",
        )
        print(f"frozen to {frozen_at}")


def count_veto(path: Path, rows: Sequence[dict[str, Any]], x: np.ndarray) -> None:
    """The frozen ``veto`` pair of heads on rows none of their fits saw."""
    frozen = json.loads(path.read_text(encoding="utf-8"))
    one = json.loads((path.parent / frozen["first"]).read_text(encoding="utf-8"))
    two = json.loads((path.parent / frozen["second"]).read_text(encoding="utf-8"))
    assert not {r["set"] for r in rows} & (set(one["fitted_on"]) | set(two["fitted_on"])), "rows of a fitted set"
    a, b = _model(one).probabilities(x), _model(two).probabilities(x)
    scores = np.where(a >= frozen["t1"], b, -1.0)
    table_hard(rows, scores, frozen["t2"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump", type=Path, help="write the chosen sets' rows (vectors) to this .npz")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/le45/vectors.pkl"), help="vectors kept by input")
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    parser.add_argument("--fit", type=Path, help="the fit rows (.npz): out-of-fold tables")
    parser.add_argument("--verdicts", type=Path, help="the rules' verdicts: a conversation_misses.py --pairs file")
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument("--freeze", type=Path, help="with --fit: fit on every fit row, write weights + thresholds")
    parser.add_argument("--count", type=Path, help="a frozen file, read against --rows (validation) once")
    parser.add_argument("--rows", type=Path, help="the rows --count reads")
    parser.add_argument(
        "--neighbours", type=Path, help="rows (.npz): a stranger's single question served, with --frozen"
    )
    parser.add_argument("--frozen", type=Path, default=Path("benchmarks/data/conversation_embedding_head.json"))
    parser.add_argument("--hard", type=Path, help="fit rows (.npz): fit with the hard negatives (needs --verdicts)")
    parser.add_argument("--veto", type=Path, help="fit rows (.npz): le45's head vetoed by the --hard head's scores")
    parser.add_argument("--policy", default="add_r50", help="with --neighbours: the frozen cut to read")
    parser.add_argument("--scores", type=Path, help="with --fit: keep the out-of-fold scores here (read if present)")
    args = parser.parse_args()
    if args.neighbours:
        neighbours(args.neighbours, args.frozen, args.policy)
    elif args.veto:
        veto(args.veto, args.verdicts, args.scores, args.folds, args.freeze)
    elif args.hard:
        hard(args.hard, args.verdicts, args.scores, args.freeze, args.folds)
    elif args.dump:
        dump(args.dump, args.cache, FIT if args.sets == "fit" else VALIDATION)
    elif args.fit:
        rows, x = load(args.fit, args.verdicts)
        folds = folds_of(rows, args.folds)
        scores = scored(x, rows, folds, args.scores)
        if args.verdicts is None:
            return
        if args.freeze:
            freeze(rows, scores, args.freeze)
        else:
            table(rows, nested(rows, folds, scores))
    elif args.count:
        rows, x = load(args.rows, args.verdicts)
        if "veto" in json.loads(args.count.read_text(encoding="utf-8")):
            count_veto(args.count, rows, x)
        elif "hard_negatives" in json.loads(args.count.read_text(encoding="utf-8")):
            count_hard(args.count, rows, x)
        else:
            count(args.count, rows, x)
    else:
        parser.print_help()


if __name__ == "__main__":
    main()
