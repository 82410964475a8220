"""Whether a missed conversation's second-chance vectors could be composed from the first look's, not embedded.

A conversation the first look does not serve pays one embedder call more for its second chances' texts
(:func:`nearhit.cache.conversation_lookup.embed_ahead`, :func:`~nearhit.cache.conversation_lookup.as_one_question`).
The first look already has the question's vector and the context's (all its turns, one text). This probe stands in
for three of the texts with a normalised weighted sum ``unit(w * context + (1 - w) * question)``: the story told as
one question (:func:`conversation.told_as_one`), the follow-up told after the answer (:func:`conversation.after_answer`)
and the user turns (:func:`user_turns`' text, the context's user side). :func:`turn_by_turn`'s turns one by one have no
stand-in: one context vector cannot be split into its turns. Each is compared with the real text's vector (embedded
as the engine embeds it: normalised, the local model), and, for a pair of a conversation against a single question,
the told-as-one cosine against the single question is read both ways (should-hits and traps apart: how far it moves,
how many cross ``ONE_QUESTION_THRESHOLD`` and the threshold each way). Weights are chosen on fit (the best median
agreement with the real told-as-one vector). FIT dev splits only (a seeded sample of their pairs); no Redis, no judge.

    python benchmarks/composed_vectors.py                 # 1500 fit pairs, seed 0
    python benchmarks/composed_vectors.py --sample 0      # every fit dev pair (slow: ~11k pairs)
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from conversation_misses import FIT  # the fit dev splits, named once (run from benchmarks/)
from conversation_retold import looked_up
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import Pair

WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
"""The context's weights tried: ``unit(w * context + (1 - w) * question)``."""
KINDS = ("told_as_one", "after_answer", "user_turns")


@dataclass
class Told:
    """One conversation side's vectors: what the first look has (question, context) and the real second-chance
    texts' (by kind; a kind the side has no text for is absent)."""

    question: np.ndarray
    context: np.ndarray
    real: dict[str, np.ndarray]


@dataclass
class Mixed:
    """A pair of a conversation against a single question: the told-as-one comparison."""

    pair: Pair
    told: Told
    single: np.ndarray


def unit(vector: np.ndarray) -> np.ndarray:
    """The vector scaled to length 1 (the index compares by cosine)."""
    return vector / float(np.linalg.norm(vector))


def composed(told: Told, weight: float) -> np.ndarray:
    """The stand-in: the context's and the question's vectors, weighted and normalised."""
    return unit(weight * told.context + (1 - weight) * told.question)


def texts_of(context: cv.Context, question: str) -> dict[str, str]:
    """The side's texts: first look (question, context) and the composable second chances', normalised."""
    texts = {"question": normalise(question), "context": normalise(context.text)}
    texts["told_as_one"] = normalise(cv.told_as_one(context, question))
    after = cv.after_answer(context, question)
    if after is not None:
        texts["after_answer"] = normalise(after)
    users = cv.users_said(context)
    if users:
        texts["user_turns"] = normalise(users)
    return texts


def sampled(size: int, seed: int) -> list[Pair]:
    """A seeded sample of the fit dev pairs (all of them with ``size`` 0)."""
    pairs = [pair for name in FIT for pair in dataset.load(name, "dev")]
    return pairs if size <= 0 or size >= len(pairs) else random.Random(seed).sample(pairs, size)


def embed_all(embedder: LocalEmbedder, texts: set[str]) -> dict[str, np.ndarray]:
    """Every text once, in one pass (the model groups texts by length)."""
    ordered = sorted(texts)
    return dict(zip(ordered, embedder.encode(ordered), strict=True))


def quantiles(values: list[float]) -> str:
    """p10 / p50 / p90."""
    cuts = statistics.quantiles(values, n=10)
    return f"{cuts[0]:.3f} / {statistics.median(values):.3f} / {cuts[8]:.3f}"


def crossings(real: list[float], stand_in: list[float], line: float) -> str:
    """How many go from under ``line`` to at or over it (up) and back (down), real -> composed."""
    up = sum(r < line <= c for r, c in zip(real, stand_in, strict=True))
    down = sum(c < line <= r for r, c in zip(real, stand_in, strict=True))
    over = sum(r >= line for r in real)
    return f"{over} real >= {line:.2f}; up {up}, down {down}"


def gated(real: list[float], stand_in: list[float]) -> str:
    """Of those whose real cosine passes ``ONE_QUESTION_THRESHOLD``, how many a gate would skip (composed under the
    threshold by more than a margin: 0.1, 0.2), were composing used only to decide whether to embed."""
    line = cv.ONE_QUESTION_THRESHOLD
    lost = [sum(r >= line > c + margin for r, c in zip(real, stand_in, strict=True)) for margin in (0.1, 0.2)]
    return f"{lost[0]} / {lost[1]}"


def agreement(sides: list[Told], weights: tuple[float, ...]) -> dict[str, dict[float, list[float]]]:
    """Per kind and weight, each side's cosine between the real vector and the composed one."""
    return {
        kind: {w: [float(s.real[kind] @ composed(s, w)) for s in sides if kind in s.real] for w in weights}
        for kind in KINDS
    }


def shifts(mixed: list[Mixed], weight: float, threshold: float) -> None:
    """The told-as-one cosine against the single question, real vs composed, should-hits and traps apart."""
    for label, same in (("should-hits", True), ("traps", False)):
        these = [m for m in mixed if m.pair.same_answer is same]
        if not these:
            continue
        real = [float(m.told.real["told_as_one"] @ m.single) for m in these]
        stand_in = [float(composed(m.told, weight) @ m.single) for m in these]
        moved = [c - r for r, c in zip(real, stand_in, strict=True)]
        print(
            f"| {weight:.1f} | {label} ({len(these)}) | {statistics.mean(moved):+.3f} | {quantiles(moved)} | "
            f"{crossings(real, stand_in, cv.ONE_QUESTION_THRESHOLD)} | {crossings(real, stand_in, threshold)} | "
            f"{gated(real, stand_in)} |"
        )


def _composed_score(mixed: Mixed, weight: float) -> float:
    """The told-as-one cosine against the single question, the stand-in's."""
    return float(composed(mixed.told, weight) @ mixed.single)


def ranking(mixed: list[Mixed], weights: list[float]) -> None:
    """Whether the stand-in tells should-hits from traps as the real vector does: the AUC of each, and the should-hits
    a composed cut admits at the traps the real vector admits at ``ONE_QUESTION_THRESHOLD`` (a cut moved, not kept)."""
    scores: list[tuple[str, Callable[[Mixed], float]]] = [
        ("real", lambda m: float(m.told.real["told_as_one"] @ m.single))
    ]
    scores += [(f"composed w={w:.1f}", functools.partial(_composed_score, weight=w)) for w in weights]
    allowed = 0
    for name, score in scores:
        hits = [score(m) for m in mixed if m.pair.same_answer]
        traps = [score(m) for m in mixed if not m.pair.same_answer]
        auc = sum((h > t) + 0.5 * (h == t) for h in hits for t in traps) / (len(hits) * len(traps))
        print(f"  {name}: AUC {auc:.3f}", end="")
        if name == "real":
            allowed = sum(t >= cv.ONE_QUESTION_THRESHOLD for t in traps)
            real_hits = sum(h >= cv.ONE_QUESTION_THRESHOLD for h in hits)
            print(f"; at {cv.ONE_QUESTION_THRESHOLD}: {real_hits} should-hits, {allowed} traps")
        else:
            cut = sorted(traps, reverse=True)[allowed] if allowed < len(traps) else min(traps)
            admitted = sum(h > cut for h in hits)
            print(f"; cut {cut:.3f} (just over the trap ranked {allowed + 1}): {admitted} should-hits, {allowed} traps")


def timed(embedder: LocalEmbedder, sides: list[tuple[dict[str, str], Told]], runs: int) -> None:
    """One embedder call of a side's real composable texts vs composing their three stand-ins (ms, medians)."""
    calls, composing, told_only = [], [], []
    for texts, told in sides[:runs]:
        real = [texts[kind] for kind in KINDS if kind in texts]
        start = time.perf_counter()
        embedder.encode(real)
        calls.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        embedder.encode([texts["told_as_one"]])
        told_only.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        for weight in (0.6, 0.7, 0.8):
            composed(told, weight)
        composing.append(1000 * (time.perf_counter() - start))
    print(f"\ntiming over {len(calls)} conversation sides (medians, p90 in brackets):")
    print(f"  one embedder call of its real texts ({'/'.join(KINDS)}): {_ms(calls)}")
    print(f"  one embedder call of the told-as-one text alone: {_ms(told_only)}")
    print(f"  composing three stand-ins (numpy): {_ms(composing)}")


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ms ({statistics.quantiles(values, n=10)[8]:.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=1500, help="fit dev pairs sampled (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timing-runs", type=int, default=40)
    args = parser.parse_args()
    embedder = LocalEmbedder()
    pairs = sampled(args.sample, args.seed)
    read = [(pair, looked_up(pair.a), looked_up(pair.b)) for pair in pairs]
    side_texts: dict[tuple[str, str], dict[str, str]] = {}
    wanted: set[str] = set()
    for _, (ca, qa), (cb, qb) in read:
        for context, question in ((ca, qa), (cb, qb)):
            if context is not None:
                texts = side_texts.setdefault((context.text, question), texts_of(context, question))
                wanted.update(texts.values())
            else:
                wanted.add(normalise(question))
    vectors = embed_all(embedder, wanted)

    sides: dict[tuple[str, str], Told] = {}
    for context_text, question in side_texts:
        texts = side_texts[(context_text, question)]
        sides[(context_text, question)] = Told(
            vectors[texts["question"]],
            vectors[texts["context"]],
            {kind: vectors[texts[kind]] for kind in KINDS if kind in texts},
        )
    mixed = []
    for pair, (ca, qa), (cb, qb) in read:
        if (ca is None) == (cb is None):
            continue
        context, question, single = (ca, qa, qb) if ca is not None else (cb, qb, qa)
        assert context is not None
        mixed.append(Mixed(pair, sides[(context.text, question)], vectors[normalise(single)]))
    told = list(sides.values())
    print(f"{len(pairs)} fit dev pairs (seed {args.seed}), {len(told)} conversation sides, {len(mixed)} mixed pairs")
    agreed = agreement(told, WEIGHTS)
    print(
        "\ncosine real vs composed, p10 / p50 / p90 (context weight w)\n| kind | n | "
        + " | ".join(f"w={w}" for w in WEIGHTS)
        + " |"
    )
    for kind in KINDS:
        row = agreed[kind]
        print(f"| {kind} | {len(row[WEIGHTS[0]])} | " + " | ".join(quantiles(row[w]) for w in WEIGHTS) + " |")
    for kind in KINDS:
        chosen = max(WEIGHTS, key=lambda w: statistics.median(agreed[kind][w]))
        print(f"{kind}: best w {chosen}, p10 / p50 / p90 {quantiles(agreed[kind][chosen])}")
    best = max(WEIGHTS, key=lambda w: statistics.median(agreed["told_as_one"][w]))
    threshold = DEFAULT_SIMILARITY_THRESHOLD
    print(f"\ntold as one vs the single question: composed - real (best told-as-one weight on fit: {best})")
    print(
        f"| w | pairs | mean shift | p10 / p50 / p90 | across {cv.ONE_QUESTION_THRESHOLD} | across {threshold} "
        "| gate skips (0.1 / 0.2) |"
    )
    for weight in sorted({best, 0.5}):
        shifts(mixed, weight, threshold)
    print("\nranking should-hits over traps by the told-as-one cosine (mixed pairs):")
    ranking(mixed, sorted({best, 0.5}))
    timed(embedder, list(zip(side_texts.values(), told, strict=True)), args.timing_runs)


if __name__ == "__main__":
    main()
