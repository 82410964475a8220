"""What the second look at a follow-up told after the assistant's last turn costs
(:func:`conversation_lookup.after_the_answer`): a lookup's, and a store's.

Lookup: each dev pair whose two sides are conversations after the very same turns (should-hits and traps), its
``a`` stored and its ``b`` looked up in a scratch index (a text another pair embedded before, the same story's
follow-up, is read from the embedding store, as a service would: run it on a fresh data dir); the call to
``after_the_answer`` timed in every lookup that reaches it (wall ms), apart for those that embedded (the second look
taken: its embedding and the rest) and those that did not, against the lookup's own embedding stage. Store: the
texts a conversation's store embeds in its one embedder call (the question, the context, the turns one by one, the
told twins), with and without the follow-up told after the answer, CPU time of the process, paired and interleaved
(``--rounds``). Dev splits only.

    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/after_answer_cost.py --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from nearhit import evaluation
from nearhit.cache import conversation_lookup
from nearhit.cache.keys import normalise
from nearhit.cli._common import settings
from nearhit.cli.eval_cmd import _configured
from nearhit.evaluation.dataset import CONVERSATION_SETS
from nearhit.evaluation.runner import judge_with
from turn_vectors_cost import asked


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else (values or [0.0])[0]


async def lookups() -> None:
    timed: dict[bool, list[float]] = {True: [], False: []}
    embed_ms: list[float] = []
    its_embedding: list[float] = []
    original = conversation_lookup.after_the_answer

    async def after_the_answer(cache: Any, *args: Any, **kwargs: Any) -> bool:
        embed = cache.embeddings.embed

        async def timed_embed(*texts: Any) -> Any:
            started = time.perf_counter()
            vectors = await embed(*texts)
            its_embedding.append((time.perf_counter() - started) * 1000)
            return vectors

        cache.embeddings.embed = timed_embed
        started = time.perf_counter()
        try:
            embedded = await original(cache, *args, **kwargs)
        finally:
            cache.embeddings.embed = embed
        timed[embedded].append((time.perf_counter() - started) * 1000)
        return embedded

    conversation_lookup.after_the_answer = after_the_answer  # type: ignore[assignment]
    async with evaluation.scratch_cache(settings()) as cache:
        sets = evaluation.guard_sets(_configured(cache), decision=cache.decision, guards=cache.guards)
        judge_with(cache, next(iter(sets.values())))
        limit = cache.max_prompt_chars
        n = 0
        for name in CONVERSATION_SETS:
            for pair in evaluation.load(name, "dev"):
                stored, query = asked(pair.a, f"t{n}", limit), asked(pair.b, f"t{n}", limit)
                n += 1
                if stored is None or query is None or stored.context != query.context:
                    continue
                await cache.store(stored, "answer")
                result = await cache.lookup(query)
                if "after_answer" in result.timings_ms:
                    embed_ms.append(result.timings_ms["embed"])
                await cache.clear(tenant=f"t{n - 1}")
    for embedded, values in timed.items():
        label = "took the second look (one embedding)" if embedded else "did not (no embedding)"
        print(
            f"after_the_answer, {label}: {len(values)} lookups, p50 {_p(values, 50):.3f} ms, p95 {_p(values, 95):.3f}"
        )
    rest = [total - embedding for total, embedding in zip(timed[True], its_embedding, strict=True)]
    print(f"of which its embedding (the embedding store's, cold or kept): p50 {_p(its_embedding, 50):.3f} ms")
    print(f"the rest (the told vectors compared, the guards' second judgement): p50 {_p(rest, 50):.3f} ms")
    print(f"the lookups that took it, their own embedding stage (question, context): p50 {_p(embed_ms, 50):.1f} ms")


def store_cpu(rounds: int) -> None:
    """The store's one embedder call with and without the told follow-up, CPU time, paired and interleaved."""
    from nearhit.cache.conversation import after_answer, told_as_one
    from nearhit.embeddings.local import LocalEmbedder

    embedder = LocalEmbedder()
    batches = []
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev")[:8]:
            side = asked(pair.a, "t", 100_000)
            if side is None or side.context is None:
                continue
            told = after_answer(side.context, side.prompt)
            if told is None:
                continue
            texts = [side.text, side.context_text, *(normalise(t) for _, t in side.context.turns)]
            texts.append(normalise(told_as_one(side.context, side.prompt)))
            batches.append((texts, normalise(told)))
    differences: list[float] = []
    for _ in range(rounds):
        for texts, told in batches:
            cpu = []
            for batch in (texts, [*texts, told]):
                started = time.process_time()
                embedder.encode(batch)
                cpu.append((time.process_time() - started) * 1000)
            differences.append(cpu[1] - cpu[0])
    print(
        f"store's embedder call, {len(batches)} conversations x {rounds}: the told follow-up added "
        f"p50 {_p(differences, 50):+.1f} ms CPU (mean {statistics.mean(differences):+.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the store's paired CPU measurement")
    args = parser.parse_args()
    asyncio.run(lookups())
    store_cpu(args.rounds)


if __name__ == "__main__":
    main()
