"""What a conversation's lookup pays for the turns' embeddings its entries keep (:mod:`nearhit.cache.turns`), paired.

The ``a`` sides of the conversation dev splits' should-hits (both sides read as conversations) are stored twice in
one scratch index, under two tenants: ``with`` keeps each entry's turns' embeddings (read back with every KNN row),
``without`` has them deleted (as entries stored before they were kept: no second chance). Each ``b`` is then looked
up in both tenants, in alternating order, ``--rounds`` times, its embeddings read from the embedding store (a
warm-up round first). Prints, over the pairs whose lookup under ``with`` took no second chance, the p50 of each
tenant's lookup ms and of their paired difference; and the same over those that took it (its embeddings warm: the
cold cost is ``conversation_sides.py --latency RUN --route turn_by_turn``), and the bytes Redis sent for each
lookup (``total_net_output_bytes`` read around it, the reads' own replies included). Dev splits only.

    NEARHIT_DATA_DIR=<yours> PYTHONPATH=src:benchmarks python benchmarks/turn_vectors_cost.py --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import defaultdict

from nearhit import evaluation
from nearhit.cache import entry
from nearhit.cache.lookup import Lookup
from nearhit.cli._common import settings
from nearhit.cli.eval_cmd import _configured
from nearhit.evaluation.dataset import CONVERSATION_SETS, Side
from nearhit.evaluation.runner import judge_with
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest

TENANTS = ("with", "without")


def asked(side: Side, tenant: str, limit: int) -> Lookup | None:
    """The lookup the service makes for ``side`` (None unless it is read as a conversation)."""
    history = tuple(ChatMessage(role, content) for role, content in side.history)  # type: ignore[arg-type]
    query = AskRequest(side.prompt, tenant=tenant, history=history).checked("default", limit).query
    return query if query is not None and query.context is not None else None


async def run(sets: list[str], rounds: int) -> None:
    async with evaluation.scratch_cache(settings()) as cache:
        judge_with(
            cache,
            next(
                iter(evaluation.guard_sets(_configured(cache), decision=cache.decision, guards=cache.guards).values())
            ),
        )
        limit = cache.max_prompt_chars
        pairs = [
            pair
            for name in sets
            for pair in evaluation.load(name, "dev")
            if pair.same_answer and asked(pair.a, "t", limit) and asked(pair.b, "t", limit)
        ]
        for tenant in TENANTS:
            for n, pair in enumerate(pairs):
                query = asked(pair.a, tenant, limit)
                assert query is not None
                key = await cache.store(query, f"answer {n}")
                if tenant == "without":
                    await cache.redis.hdel(key, entry.TURN_VECTORS)
        ms: dict[tuple[int, str], list[float]] = defaultdict(list)
        sent: dict[tuple[int, str], list[int]] = defaultdict(list)

        async def bytes_out() -> int:
            return int((await cache.redis.info("stats"))["total_net_output_bytes"])

        took: set[int] = set()
        for round_ in range(rounds + 1):  # round 0 warms the embedding store
            for n, pair in enumerate(pairs):
                order = TENANTS if (n + round_) % 2 else TENANTS[::-1]
                for tenant in order:
                    query = asked(pair.b, tenant, limit)
                    assert query is not None
                    before = await bytes_out()
                    started = time.perf_counter()
                    result = await cache.lookup(query)
                    elapsed = (time.perf_counter() - started) * 1000
                    if round_:
                        ms[(n, tenant)].append(elapsed)
                        sent[(n, tenant)].append(await bytes_out() - before)
                    if tenant == "with" and "turn_by_turn" in result.timings_ms:
                        took.add(n)
            if not round_:
                await asyncio.sleep(1)  # the embeddings computed are written within FILL_DELAY_S
    for title, chosen in (
        ("no second chance", [n for n in range(len(pairs)) if n not in took]),
        ("second chance taken", sorted(took)),
    ):
        if not chosen:
            continue
        each = {t: [statistics.median(ms[(n, t)]) for n in chosen] for t in TENANTS}
        paired = [a - b for a, b in zip(each["with"], each["without"], strict=True)]
        out = {t: statistics.median(statistics.median(sent[(n, t)]) for n in chosen) for t in TENANTS}
        print(
            f"{title}: {len(chosen)} lookups, p50 with {statistics.median(each['with']):.2f} ms, without"
            f" {statistics.median(each['without']):.2f} ms, paired difference p50 {statistics.median(paired):+.2f} ms;"
            f" bytes sent by Redis p50 with {out['with']:,.0f}, without {out['without']:,.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(CONVERSATION_SETS))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.sets, args.rounds))


if __name__ == "__main__":
    main()
