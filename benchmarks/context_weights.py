"""A context similarity learned leave-one-set-out: the contexts' embeddings reweighted per dimension (issue 14).

The context step's first refusal ("the earlier turns are about something else") is the raw cosine of the two
contexts' embeddings under ``CONTEXT_THRESHOLD`` (the retold band from ``RETOLD_FLOOR``). Would a cosine with each
of the 384 dimensions weighted, ``cos(w*a, w*b)`` with ``w >= 0``, fitted on the labelled dev pairs, separate a
history reworded from one swapped better? The learned cosine is shifted so that its threshold sits at
``CONTEXT_THRESHOLD``, and the rest of :func:`conversation.differs` (the retold band, every check) runs unchanged.

``--dump``: every dev pair of every conversation set with a context on both sides (as the service reads them):
set, id, category, label, both contexts' embeddings (normalised text, the default embedder), whether
:func:`conversation.retold` holds, whether the checks after the cosine pass (``differs`` at similarity 1,
:func:`conversation.other_referent`), and whether the two contexts are the same text.

``--fit``: for each set, weights fitted on the other sets' pairs whose contexts differ and the checks pass (where
the cosine decides; a logistic loss on ``k * (cos_w - c)``, ``w = exp(u)``, an L2 penalty ``l2 * |u|^2`` pulling
every weight to 1; full-batch Adam, deterministic), and a shift chosen on those sets: the greatest at which the gate
and the checks after it pass no more of their traps than the raw cosine does; then the set held out is scored. Per
fold: ROC-AUC raw and learned (pairs whose contexts differ and the checks pass) and the should-hits/traps the gate
passes, alone and with the checks; the learned gate in place of the raw one, or added to it. With ``--moves``, each
fold's weights and the ids its gate lets through or stops that the raw one does not, for ``--e2e``.

``--fit --rank 8,16,32``: a low-rank projection ``cos(P a, P b)`` instead (from the top principal directions,
L2 to them), each set left out scored by ROC-AUC where the cosine decides.

``--e2e``: the moved pairs looked up again through the real cache (``conversation_misses.each_lookup``) with the
context cosine computed by their fold's weights; every other pair keeps its outcome of a
``conversation_misses.py --pairs`` run. Dev splits only (no test split, no held-out set is loaded).

    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/conversation_misses.py --pairs base.txt
    PYTHONPATH=src:benchmarks python benchmarks/context_weights.py --dump rows.npz        # ~5 min
    PYTHONPATH=src:benchmarks python benchmarks/context_weights.py --fit rows.npz --moves moves.json
    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/context_weights.py \
        --e2e moves.json --base base.txt
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from context_representations import auc
from conversation_misses import each_lookup
from conversation_retold import looked_up
from nearhit.cache import context_match
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import CONVERSATION_SETS

L2 = (1e-3, 1e-4, 1e-5)
"""The penalties tried (each weight pulled to 1): strong, since a fold has ~2,000 pairs for 384 weights."""
STEPS = 400
RATE = 0.05
Rows = dict[str, np.ndarray]


async def dump(path: str) -> None:
    embedder = LocalEmbedder()
    cols: dict[str, list[Any]] = {k: [] for k in ("set", "id", "category", "label", "retold", "checks", "same")}
    texts: list[tuple[str, str]] = []
    for name in CONVERSATION_SETS:
        for pair in dataset.load(name, "dev"):
            (cached, asked), (query, question) = looked_up(pair.a), looked_up(pair.b)
            if cached is None or query is None:
                continue
            checks = cv.differs(question, query, cached, 1.0, asked) is None and not cv.other_referent(question, asked)
            values = (name, pair.id, pair.category, pair.same_answer, cv.retold(query, cached), checks)
            for key, value in zip(cols, values, strict=False):
                cols[key].append(value)
            texts.append((normalise(cached.text), normalise(query.text)))
            cols["same"].append(texts[-1][0] == texts[-1][1])
    unique = sorted({t for pair in texts for t in pair})
    vectors = dict(zip(unique, await embedder.embed(unique), strict=True))
    a = np.array([vectors[x] for x, _ in texts], dtype=np.float32)
    b = np.array([vectors[y] for _, y in texts], dtype=np.float32)
    np.savez_compressed(path, a=a, b=b, **{k: np.array(v) for k, v in cols.items()})
    print(f"{len(texts)} pairs, {len(unique)} contexts embedded -> {path}")


def cosine(u: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``cos(w*a, w*b)`` with ``w = exp(u/2)`` squared into the sums: each dimension's product weighted by
    ``exp(u)`` (the weights as stored: ``w_i = exp(u_i)``)."""
    w = np.exp(u)
    return ((a * b) @ w) / np.sqrt(((a * a) @ w) * ((b * b) @ w))


def fit(a: np.ndarray, b: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Per-dimension log-weights ``u`` minimising the class-balanced logistic loss of ``k * (cos_w - c)`` plus
    ``l2 * |u|^2``; ``k`` and ``c`` are fitted with them. Full-batch Adam from ``u = 0``: deterministic."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    ab, aa, bb = a * b, a * a, b * b
    balance = np.where(y, 0.5 / max(y.sum(), 1), 0.5 / max((~y).sum(), 1))
    theta = np.concatenate([np.zeros(a.shape[1]), [np.log(20.0), 0.8]])
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for step in range(1, STEPS + 1):
        u, k, c = theta[:-2], np.exp(theta[-2]), theta[-1]
        w = np.exp(u)
        p, na, nb = ab @ w, aa @ w, bb @ w
        s = p / np.sqrt(na * nb)
        z = k * (s - c)
        g = (1.0 / (1.0 + np.exp(-z)) - y) * balance  # d loss / d z
        gk = g * k  # d s / d w_i: a_i b_i / sqrt(na nb) - s/2 (a_i^2 / na + b_i^2 / nb)
        ds = (gk / np.sqrt(na * nb)) @ ab - 0.5 * ((gk * s / na) @ aa + (gk * s / nb) @ bb)
        grad = np.concatenate([ds * w + 2 * l2 * u, [k * (g @ (s - c)), -k * g.sum()]])
        m, v = 0.9 * m + 0.1 * grad, 0.999 * v + 0.001 * grad**2
        theta -= RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return theta[:-2]


def gate(similarity: np.ndarray, retold: np.ndarray) -> np.ndarray:
    """Whether ``differs``' first check passes: the threshold, or the retold band under it."""
    return (similarity >= cv.CONTEXT_THRESHOLD) | ((similarity >= cv.RETOLD_FLOOR) & retold)


def shift_for(similarity: np.ndarray, rows: Rows, traps_allowed: int, also: np.ndarray) -> float:
    """The greatest shift ``d`` (``similarity + d`` handed to ``differs``) at which the gate and the checks pass
    at most ``traps_allowed`` of ``rows``' traps (those ``also`` passes passing whatever the shift): every value
    that moves one pair across tried."""
    trap = ~rows["label"] & rows["checks"]
    edges = np.concatenate([cv.CONTEXT_THRESHOLD - similarity, cv.RETOLD_FLOOR - similarity])
    for d in np.sort(edges)[::-1] + 1e-9:  # the most shifted first: the shift that passes most
        if ((gate(similarity + d, rows["retold"]) | also) & trap).sum() <= traps_allowed:
            return float(d)
    return float(np.min(edges)) - 1e-6


def _take(rows: Rows, mask: np.ndarray) -> Rows:
    return {k: v[mask] for k, v in rows.items()}


def folds(rows: Rows, l2: float, union: bool) -> list[dict[str, Any]]:
    """Per set held out: its weights, shift, AUCs and gate counts, and the ids its gate moves. ``union``: the
    learned gate only adds to the raw one (a pair either passes is let through)."""
    raw = np.sum(rows["a"] * rows["b"], axis=1)
    out = []
    for name in CONVERSATION_SETS:
        out_mask = rows["set"] == name
        train = _take(rows, ~out_mask & ~rows["same"] & rows["checks"])
        u = fit(train["a"], train["b"], train["label"], l2)
        learned = cosine(u, rows["a"], rows["b"])
        fitted = _take(rows, ~out_mask)
        allowed = int((gate(raw[~out_mask], fitted["retold"]) & ~fitted["label"] & fitted["checks"]).sum())
        also = gate(raw[~out_mask], fitted["retold"]) & union
        d = shift_for(learned[~out_mask], fitted, allowed, also)
        held = _take(rows, out_mask)
        before = gate(raw[out_mask], held["retold"])
        after = gate(learned[out_mask] + d, held["retold"]) | (before & union)
        differ = ~held["same"] & held["checks"]  # where the cosine decides: the checks pass, the turns differ
        y = held["label"]
        fold = {
            "set": name,
            "l2": l2,
            "union": union,
            "shift": d,
            "u": u.tolist(),
            "auc": [auc(s[differ & y], s[differ & ~y]) for s in (raw[out_mask], learned[out_mask])],
            "gate": [[int((g & y).sum()), int((g & ~y).sum())] for g in (before, after)],
            "checks": [
                [int((g & c & y).sum()), int((g & c & ~y).sum())] for g in (before, after) for c in [held["checks"]]
            ],
            "moves": held["id"][before != after].tolist(),
        }
        out.append(fold)
    return out


def report(results: Sequence[dict[str, Any]]) -> None:
    print("| set | AUC raw → learned | gate raw | gate learned | +checks raw | +checks learned | shift | moved |")
    print("|---|---|---|---|---|---|---|---|")
    totals = np.zeros((4, 2), dtype=int)
    for f in results:
        cells = [f"{f['auc'][0]:.3f} → {f['auc'][1]:.3f}"]
        for i, (h, t) in enumerate([*f["gate"], *f["checks"]]):
            cells.append(f"{h}/{t}")
            totals[i] += (h, t)
        print(f"| {f['set']} | " + " | ".join(cells) + f" | {f['shift']:+.3f} | {len(f['moves'])} |")
    print("| pooled | | " + " | ".join(f"{h}/{t}" for h, t in totals) + " | | |")


def raw_baseline(rows: Rows) -> None:
    """The raw cosine pooled: its ROC-AUC over the pairs whose turns differ, and where it decides (the checks pass
    too), and the gate with the checks as its threshold is lowered (in sample)."""
    raw, y = np.sum(rows["a"] * rows["b"], axis=1), rows["label"]
    for title, mask in (("turns differ", ~rows["same"]), ("where it decides", ~rows["same"] & rows["checks"])):
        print(
            f"raw ROC-AUC, {title}: {auc(raw[mask & y], raw[mask & ~y]):.3f} ({(mask & y).sum()}/{(mask & ~y).sum()})"
        )
    for threshold in (0.80, 0.785, 0.77, 0.75, 0.72):
        passing = gate(raw + cv.CONTEXT_THRESHOLD - threshold, rows["retold"]) & rows["checks"]
        print(f"raw threshold {threshold}: +checks {(passing & y).sum()}/{(passing & ~y).sum()}")


def main_fit(path: str, moves: str | None) -> None:
    rows = dict(np.load(path))
    raw_baseline(rows)
    kept: dict[str, list[dict[str, Any]]] = {}
    for l2 in L2:
        for union in (False, True):
            print(f"\nl2 = {l2}, {'added to the raw gate' if union else 'in place of the raw cosine'}:")
            results = folds(rows, l2, union)
            report(results)
            kept[f"{l2} {'union' if union else 'replace'}"] = results
    if moves:
        with open(moves, "w", encoding="utf-8") as out:
            json.dump(kept, out)


def fit_projection(a: np.ndarray, b: np.ndarray, y: np.ndarray, rank: int, l2: float = 1e-2) -> np.ndarray:
    """A ``rank`` x 384 projection ``P`` for ``cos(P a, P b)``: from the contexts' top principal directions, moved by
    the class-balanced logistic loss of ``k * (cos - c)`` with ``l2 * |P - P0|^2`` (300 Adam steps, deterministic)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    both = np.vstack([a, b])
    start = np.linalg.svd(both - both.mean(axis=0), full_matrices=False)[2][:rank]
    balance = np.where(y, 0.5 / max(y.sum(), 1), 0.5 / max((~y).sum(), 1))
    theta = [start.copy(), np.array([np.log(20.0), 0.8])]
    m, v = [np.zeros_like(t) for t in theta], [np.zeros_like(t) for t in theta]
    for step in range(1, 301):
        p, k, c = theta[0], np.exp(theta[1][0]), theta[1][1]
        x, z = a @ p.T, b @ p.T
        nx, nz = np.linalg.norm(x, axis=1), np.linalg.norm(z, axis=1)
        s = (x * z).sum(axis=1) / (nx * nz)
        g = ((1.0 / (1.0 + np.exp(-k * (s - c))) - y) * balance * k)[:, None]
        dx = z / (nx * nz)[:, None] - s[:, None] * x / (nx**2)[:, None]
        dz = x / (nx * nz)[:, None] - s[:, None] * z / (nz**2)[:, None]
        grads = [(g * dx).T @ a + (g * dz).T @ b + 2 * l2 * (p - start), np.array([g[:, 0] @ (s - c), -g.sum()])]
        for i, grad in enumerate(grads):
            m[i], v[i] = 0.9 * m[i] + 0.1 * grad, 0.999 * v[i] + 0.001 * grad**2
            theta[i] = theta[i] - 0.01 * (m[i] / (1 - 0.9**step)) / (np.sqrt(v[i] / (1 - 0.999**step)) + 1e-8)
    return theta[0]


def projections(path: str, ranks: Sequence[int]) -> None:
    """Per rank: on how many sets left out the projected cosine's ROC-AUC (where the cosine decides) beats the raw
    one's, and the folds' mean AUCs."""
    rows = dict(np.load(path))
    deciding = ~rows["same"] & rows["checks"]
    for rank in ranks:
        aucs = []
        for name in CONVERSATION_SETS:
            held = rows["set"] == name
            p = fit_projection(
                rows["a"][~held & deciding], rows["b"][~held & deciding], rows["label"][~held & deciding], rank
            )
            a, b, y = rows["a"][held & deciding], rows["b"][held & deciding], rows["label"][held & deciding]
            x, z = a @ p.T, b @ p.T
            learned = (x * z).sum(axis=1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(z, axis=1))
            raw = (a * b).sum(axis=1)
            aucs.append((auc(raw[y], raw[~y]), auc(learned[y], learned[~y])))
        pairs = np.array(aucs)
        better, worse = int((pairs[:, 1] > pairs[:, 0]).sum()), int((pairs[:, 1] < pairs[:, 0]).sum())
        print(
            f"rank {rank}: AUC better on {better} sets left out, worse on {worse}; mean {pairs[:, 0].mean():.3f} "
            f"raw, {pairs[:, 1].mean():.3f} projected"
        )


class _Weighted:
    """numpy as :mod:`context_match` sees it, its context cosine (``dot`` of two vectors) made the fold's learned
    one, shifted; what ``union`` passes at the raw cosine keeps its raw value."""

    def __init__(self, u: np.ndarray, shift: float, union: bool) -> None:
        self.u, self.shift, self.union = u, shift, union

    def dot(self, x: np.ndarray, y: np.ndarray) -> float:
        raw = float(np.dot(x, y))
        learned = float(cosine(self.u, x[None, :], y[None, :])[0]) + self.shift
        return max(raw, learned) if self.union else learned

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)


async def e2e(results: Sequence[dict[str, Any]], base: Sequence[dict[str, Any]]) -> dict[str, bool]:
    """Each fold's pairs looked up again with its learned cosine: its moved pairs and those with a candidate
    refused as "about something else" in ``base`` (a ``--reasons`` JSONL's rows: the turns with a turn left out
    may move too). Every other pair keeps its outcome there."""
    outcomes = {row["id"]: bool(row["served"]) for row in base}
    again = {row["id"] for row in base if any(cv.ABOUT_ELSE in (c[3] or "") for c in row["candidates"])}
    for fold in results:
        ids = {i for i in again | set(fold["moves"]) if i in {p.id for p in dataset.load(fold["set"], "dev")}}
        context_match.np = _Weighted(np.asarray(fold["u"]), fold["shift"], fold["union"])  # type: ignore[assignment]
        try:
            async for _, pair, _, _, result in each_lookup(ids):
                outcomes[pair.id] = result.match is not None
        finally:
            context_match.np = np
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", help="write the dev pairs' context embeddings and flags to this .npz")
    parser.add_argument("--fit", help="a --dump file: the leave-one-set-out table")
    parser.add_argument("--moves", help="with --fit: write each fold's weights and moved ids to this JSON")
    parser.add_argument("--rank", help="with --fit: low-rank projections of these ranks instead (comma-separated)")
    parser.add_argument("--e2e", help="a --moves file: its folds' pairs looked up again (with --base, --key)")
    parser.add_argument("--key", default="0.001 replace", help="with --e2e: which fit of the --moves file")
    parser.add_argument("--base", help="with --e2e: a conversation_misses.py --reasons JSONL of the rules")
    parser.add_argument("--out", help="with --e2e: write the outcomes as a --pairs file (for --compare)")
    args = parser.parse_args()
    if args.dump:
        asyncio.run(dump(args.dump))
    if args.fit and args.rank:
        projections(args.fit, [int(r) for r in args.rank.split(",")])
    elif args.fit:
        main_fit(args.fit, args.moves)
    if args.e2e:
        with open(args.base, encoding="utf-8") as lines:
            base = [json.loads(line) for line in lines]
        with open(args.e2e, encoding="utf-8") as given:
            outcomes = asyncio.run(e2e(json.load(given)[args.key], base))
        with open(args.out, "w", encoding="utf-8") as out:
            out.write("".join(f"{i} {'served' if served else 'missed'}\n" for i, served in outcomes.items()))


if __name__ == "__main__":
    main()
