"""Code look-alikes on the question sets' DEV splits: what the default decides, pair by pair, on this tree (issue 13).

Each dev pair is decided as the cache decides it, without Redis: the similarity from the configured embedder on
the text it embeds (the normalised prompt, short forms spelt out), an exact match first, then the decision
(``Decision.judge``, the guards' vetoes inside) from its margin under the threshold. Pair mode: each ``b``
against its own ``a``. ``--shared``: every ``a`` of a set in one scope, the ``candidates`` nearest judged nearest
first and one picked by ``choice.serving``, as ``nearhit eval --shared``. (On the 1,588 dev pairs of ``questions``
and ``nearhit`` the pair mode agreed with the real cache's lookups on 1,587; the other is a typo pair the
embedder's typo repair reads.) Writes one JSON row a lookup to ``--out``; with ``--against`` (a file another tree
wrote), prints before/after per set, the code-looking pairs' outcomes (served, or refused by which guard) and
every lookup that changed. Only dev items are read. The vectors are kept in ``--vectors`` (one embedding run).

    PYTHONPATH=src python benchmarks/code_lookalikes.py --out /tmp/after.jsonl --against /tmp/before.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from nearhit.cache.embedding_store import _embedder_input
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.decision import Decision
from nearhit.decision.choice import serving
from nearhit.embeddings import build_embedder
from nearhit.evaluation.dataset import BUNDLED_FILES, Pair, load
from nearhit.guards.code import code_tokens

QUESTION_SETS = ("questions", "nearhit", *(name for name in BUNDLED_FILES if name.startswith("nearhit-v")))
CANDIDATES = 3  # the cache's default KNN breadth


def vectors(sets: dict[str, list[Pair]], path: Path) -> dict[str, np.ndarray]:
    """Each text the embedder reads, unit length: from ``path`` when it holds them all, else embedded and kept."""
    texts = sorted(
        {_embedder_input(normalise(t)) for ps in sets.values() for p in ps for t in (p.a.prompt, p.b.prompt)}
    )
    if path.exists():
        kept = np.load(path, allow_pickle=True)
        found = dict(
            zip(kept["texts"], kept["vecs"] / np.linalg.norm(kept["vecs"], axis=1, keepdims=True), strict=True)
        )
        if all(text in found for text in texts):
            return found
    embedder = build_embedder(load_settings())
    vecs = np.concatenate(
        [np.asarray(asyncio.run(embedder.embed(texts[i : i + 64]))) for i in range(0, len(texts), 64)]
    )
    vecs = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    np.savez(path, texts=np.array(texts, dtype=object), vecs=vecs)
    return dict(zip(texts, vecs, strict=True))


def decide(name: str, pairs: list[Pair], vec: dict[str, np.ndarray], shared: bool) -> list[dict[str, object]]:
    """One row per ``b`` looked up: served or not, whose answer, and what refused it."""
    decision, threshold = Decision(), load_settings().similarity_threshold
    stored = np.stack([vec[_embedder_input(normalise(p.a.prompt))] for p in pairs])
    exact: dict[str, int] = {}
    for n, p in enumerate(pairs):
        exact.setdefault(normalise(p.a.prompt), n)
    rows = []
    for i, p in enumerate(pairs):
        query = normalise(p.b.prompt)
        refused: tuple[str | None, str] = (None, "")
        served: int | None = None
        if shared and query in exact:
            served = exact[query]
        elif not shared and normalise(p.a.prompt) == query:
            served = i
        else:
            sims = stored @ vec[_embedder_input(query)]
            order = np.argsort(-sims)[:CANDIDATES] if shared else [i]
            judged = [
                (float(sims[j]), int(j), decision.judge(p.b.prompt, pairs[j].a.prompt, float(sims[j])))
                for j in order
                if sims[j] >= threshold - decision.margin
            ]
            pick = serving([(s, j) for s, _, j in judged], threshold)
            served = None if pick is None else judged[pick][1]
            if pick is None:
                refused = (judged[0][2].rejected_by, judged[0][2].reason) if judged else ("below", "")
        own = served is not None and normalise(pairs[served].a.prompt) == normalise(p.a.prompt)
        rows.append(
            {
                "set": name,
                "id": p.id,
                "category": p.category,
                "same_answer": p.same_answer,
                "served": served is not None,
                "neighbour": served is not None and not own,
                "rejected_by": refused[0],
                "reason": refused[1],
                "code": bool(code_tokens(p.a.prompt) or code_tokens(p.b.prompt)) or p.category == "code_symbol",
            }
        )
    return rows


def report(before: list[dict[str, object]], after: list[dict[str, object]]) -> None:
    """Per set before → after; the code-looking pairs' outcomes; every lookup that changed."""
    per: dict[str, list[list[int]]] = defaultdict(lambda: [[0] * 4, [0] * 4])
    for n, rows in enumerate((before, after)):
        for r in rows:
            counts = per[str(r["set"])][n]
            counts[0] += bool(r["served"] and not r["neighbour"] and r["same_answer"])
            counts[1] += bool(r["served"] and not r["neighbour"] and not r["same_answer"])
            counts[2] += bool(r["neighbour"])
            counts[3] += 1
    print("| set | should-hits served | traps served | neighbour answers served | lookups |")
    print("|---|---|---|---|---|")
    totals = [[0] * 4, [0] * 4]
    for name, (b, a) in per.items():
        print(f"| {name} | {b[0]} → {a[0]} | {b[1]} → {a[1]} | {b[2]} → {a[2]} | {b[3]} |")
        totals = [[t + c for t, c in zip(tot, src, strict=True)] for tot, src in zip(totals, (b, a), strict=True)]
    b, a = totals
    print(f"| **pooled** | {b[0]} → {a[0]} | {b[1]} → {a[1]} | {b[2]} → {a[2]} | {b[3]} |")
    outcomes: Counter[tuple[str, str, int]] = Counter()
    for n, rows in enumerate((before, after)):
        for r in rows:
            if r["code"]:
                label = "code_symbol trap" if r["category"] == "code_symbol" else "other code-looking trap"
                label = "code-looking should-hit" if r["same_answer"] else label
                outcome = "served" if r["served"] else f"refused: {r['rejected_by']}"
                outcomes[label, outcome, n] += 1
    print("\n| code-looking dev pairs | outcome | before | after |\n|---|---|---|---|")
    for label, outcome in sorted({(k[0], k[1]) for k in outcomes}):
        print(f"| {label} | {outcome} | {outcomes[label, outcome, 0]} | {outcomes[label, outcome, 1]} |")
    for b_row, a_row in zip(before, after, strict=True):
        if (b_row["served"], b_row["neighbour"]) != (a_row["served"], a_row["neighbour"]):
            print("changed:", json.dumps(b_row), "->", json.dumps(a_row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="write one row per lookup here")
    parser.add_argument("--against", help="rows another tree wrote: print before/after")
    parser.add_argument("--shared", action="store_true", help="every a in one scope, as nearhit eval --shared")
    parser.add_argument("--vectors", default="/tmp/code_lookalikes_vectors.npz", help="kept embeddings")
    args = parser.parse_args()
    sets = {name: load(name, "dev") for name in QUESTION_SETS}
    vec = vectors(sets, Path(args.vectors))
    rows = [row for name, pairs in sets.items() for row in decide(name, pairs, vec, args.shared)]
    Path(args.out).write_text("".join(json.dumps(row) + "\n" for row in rows))
    if args.against:
        report([json.loads(line) for line in Path(args.against).read_text().splitlines()], rows)


if __name__ == "__main__":
    main()
