"""Would comparing two conversations' earlier turns one by one, leaving out the chatter neither side matches,
let the context check pass more reworded conversations than it lets traps through? Offline (no Redis).

For each dev pair whose two sides are both read as conversations (a context on each side, as the service reads
them), the context check (:func:`conversation.differs`) is run twice: on the whole earlier turns with their
embedding's cosine (the engine's), and on the turns left after dropping *chatter*: a turn with no counterpart on
the other side (its best same-role cosine, each turn embedded apart, under ``--floor``) that is short (at most
``--short`` words) and carries nothing the guards compare (no number, date, name, negation, correction or
constraint). The kept turns are embedded again as one text for the cosine. Prints, per set and per category,
the pairs whose context check flips (refused -> passed, and passed -> refused), should-hits and traps apart,
and the cost of embedding turns apart. ``--one-sided``: chatter dropped only when one side alone has some (a
turn unmatched on both sides is a swap, not an aside); ``--either``: the kept turns as a second chance, main's
check passing stays passing; ``--unmatched``: no turn dropped when each side has a turn the other lacks, chatter
or not (the engine's rule, :mod:`nearhit.cache.turns`). Dev splits only.

    python benchmarks/conversation_turns.py                          # both sides' chatter, replacing the check
    python benchmarks/conversation_turns.py --either --one-sided --show  # the variant that let no trap through
    python benchmarks/conversation_turns.py --either --one-sided --unmatched  # the engine's rule (cache.turns)
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter

import numpy as np

from nearhit.cache.conversation import Context, differs, fact_free
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import CONVERSATION_SETS, Side
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest


def context(side: Side) -> Context | None:
    history = tuple(ChatMessage(role, content) for role, content in side.history)  # type: ignore[arg-type]
    query = AskRequest(side.prompt, tenant="t", history=history).checked("default", 100_000).query
    return getattr(query, "context", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor", type=float, default=0.5)
    parser.add_argument("--short", type=int, default=15)
    parser.add_argument("--topic", type=float, default=1.0, help="drop a turn only under this cosine with its question")
    parser.add_argument("--either", action="store_true", help="pass when the whole turns or the kept ones pass")
    parser.add_argument("--one-sided", action="store_true", help="drop chatter only when one side alone has some")
    parser.add_argument("--unmatched", action="store_true", help="with --one-sided: no drop when each side has a turn")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    embedder = LocalEmbedder()
    cache: dict[str, np.ndarray] = {}

    def embed(texts: list[str]) -> None:
        todo = sorted({t for t in texts if t not in cache})
        for start in range(0, len(todo), 32):
            cache.update(zip(todo[start : start + 32], embedder.encode(todo[start : start + 32]), strict=True))

    def cos(a: str, b: str) -> float:
        return float(np.dot(cache[a], cache[b]))

    totals: Counter[str] = Counter()
    by_category: Counter[tuple[str, str]] = Counter()
    costs_apart: list[float] = []
    costs_one: list[float] = []
    print(f"floor {args.floor}, short <= {args.short} words\n")
    print("| set (dev) | pairs, both conversations | should-hits: passed base -> turns | traps: passed base -> turns |")
    print("|---|---|---|---|")
    for name in CONVERSATION_SETS:
        pairs = [p for p in dataset.load(name, "dev")]
        row: Counter[str] = Counter()
        for pair in pairs:
            ca, cb = context(pair.a), context(pair.b)
            if ca is None or cb is None:
                continue
            turns = [t for _, t in ca.turns] + [t for _, t in cb.turns]
            embed([ca.text, cb.text, pair.a.prompt, pair.b.prompt, *turns])
            base_sim = cos(ca.text, cb.text)
            base = differs(pair.b.prompt, cb, ca, base_sim, pair.a.prompt) is None
            keep_a = _kept(ca, cb, pair.a.prompt, cos, args)
            keep_b = _kept(cb, ca, pair.b.prompt, cos, args)
            alone_a, alone_b = (keep_a != ca.turns, keep_b != cb.turns)
            if args.unmatched:  # the engine's rule (cache.turns): a turn the other lacks, chatter or not
                alone_a, alone_b = _alone(ca, cb, cos, args.floor), _alone(cb, ca, cos, args.floor)
            if args.one_sided and alone_a and alone_b:
                keep_a, keep_b = ca.turns, cb.turns
            ka, kb = Context(keep_a), Context(keep_b)
            if keep_a and keep_b and (ka != ca or kb != cb):
                embed([ka.text, kb.text])
                sim = cos(ka.text, kb.text)
                after = differs(pair.b.prompt, kb, ka, sim, pair.a.prompt) is None or (args.either and base)
            else:
                sim, after = base_sim, base
            kind = "should" if pair.same_answer else "trap"
            row[f"{kind} pairs"] += 1
            row[f"{kind} base"] += base
            row[f"{kind} after"] += after
            if base != after:
                by_category[(kind, f"{pair.category} {'+' if after else '-'}")] += 1
                if args.show:
                    dropped = [f"a: {t}" for r, t in ca.turns if (r, t) not in keep_a] + [
                        f"b: {t}" for r, t in cb.turns if (r, t) not in keep_b
                    ]
                    alike = cos(pair.a.prompt, pair.b.prompt)
                    print(f"  {name} {pair.id} {kind} {base_sim:.3f}->{sim:.3f} question {alike:.3f} dropped {dropped}")
        totals.update(row)
        print(
            f"| {name} | {row['should pairs']} + {row['trap pairs']} | {row['should base']} -> {row['should after']}"
            f" /{row['should pairs']} | {row['trap base']} -> {row['trap after']} /{row['trap pairs']} |"
        )
    print(
        f"| **pooled** | {totals['should pairs']} + {totals['trap pairs']} | {totals['should base']} -> "
        f"{totals['should after']} | {totals['trap base']} -> {totals['trap after']} |\n"
    )
    for (kind, cat), n in sorted(by_category.items()):
        print(f"{kind:7} {cat:40} {n}")
    sample = [(pair.a) for pair in dataset.load(CONVERSATION_SETS[0], "dev") if len(pair.a.history) >= 2][:30]
    for side in sample:
        texts = [t for _, t in side.history]
        start = time.perf_counter()
        embedder.encode(["\n".join(texts)])
        costs_one.append(time.perf_counter() - start)
        start = time.perf_counter()
        embedder.encode(texts)
        costs_apart.append(time.perf_counter() - start)
    print(
        f"\nembedding, p50 over {len(sample)} histories: as one text {statistics.median(costs_one) * 1e3:.1f} ms,"
        f" turns apart (one batch) {statistics.median(costs_apart) * 1e3:.1f} ms"
    )


def _alone(mine: Context, theirs: Context, cos, floor: float) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``mine`` has a turn with no same-role counterpart in ``theirs`` (chatter or not)."""
    return any(max((cos(t, o) for r, o in theirs.turns if r == role), default=0.0) < floor for role, t in mine.turns)


def _kept(mine: Context, theirs: Context, question: str, cos, args) -> tuple[tuple[str, str], ...]:  # type: ignore[no-untyped-def]
    """``mine``'s turns but the chatter: fact-free short turns with no same-role counterpart in ``theirs``."""
    kept = []
    for role, text in mine.turns:
        best = max((cos(text, other) for r, other in theirs.turns if r == role), default=0.0)
        if best < args.floor and cos(text, question) < args.topic and fact_free(text, args.short):
            continue
        kept.append((role, text))
    return tuple(kept)


if __name__ == "__main__":
    main()
