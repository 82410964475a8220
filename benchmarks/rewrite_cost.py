"""What the optional standalone rewrite (``NEARHIT_REWRITE_MODEL``) adds to a conversation's lookup: time and
price per lookup, on the real engine (embedded Redis, local embedder).

Stores fow-cache's dev conversations (each ``a`` side), then looks up each ``b`` side: without a rewrite
(the offline default; once to embed every question and context, then measured), with one (a call to the
model for every conversation that missed), and again (the rewrite read back from Redis: no call). The model
is the fake OpenAI-compatible server of the tests (a real HTTP socket, the real client code; it answers each
call with a one-sentence question of its own and sends no usage, so the tokens are counted with the model's
tokenizer, as for such a server), optionally waiting ``--model-ms`` before it answers; ``--real`` calls the
provider configured in the environment instead (``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` / Azure, and
``NEARHIT_REWRITE_MODEL``). The fake's rewrites are not real ones: this measures time and price, not what
the rewrite serves.

    python benchmarks/rewrite_cost.py [--model-ms 0] [--real]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from nearhit.cache import SemanticCache
from nearhit.config import load_settings
from nearhit.economics.prices import request_cost
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request
from nearhit.llm.rewrite import build_rewriter
from tests.support.fake_upstream import FakeUpstream, Pause, Stream

FAKE_REWRITE = "How do I cancel my gym membership without paying the early termination fee?"
PRICED_AS = ("gpt-4o-mini", "gpt-4.1-nano", "gpt-4o")


async def main(model_ms: float, real: bool) -> None:
    pairs = [p for p in dataset.load("conversations", "dev") if p.b.history]
    run = uuid.uuid4().hex[:6]  # rewrites never embedded before, in this run as in a fresh deployment
    fake = None if real else FakeUpstream()
    if fake is not None:
        # A rewrite of its own per call, as a real model's: each is embedded once, as it would be.
        replies = [fake.answer(f"{FAKE_REWRITE[:-1]} ({run}-{n})?") for n in range(len(pairs))]
        fake.reset(*(Stream([Pause(model_ms / 1000), *reply.items]) if model_ms else reply for reply in replies))
        settings = load_settings(llm="openai", openai_base_url=fake.base_url, rewrite_model="gpt-4o-mini")
    else:
        settings = load_settings()
    tenant = f"t{run}"

    def turn_on(cache: SemanticCache) -> None:
        cache.rewriter = build_rewriter(settings)
        assert cache.rewriter is not None, "no rewrite model: set NEARHIT_REWRITE_MODEL and a real provider"

    try:
        offline, called, kept = await three_passes(pairs, tenant, "an answer", turn_on, _lookups)
    finally:
        if fake is not None:
            fake.close()
    print("stage medians, ms (timings_ms):")
    for name, rows in (("offline", offline), ("called", called), ("kept", kept)):
        keys = sorted({k for r in rows for k in r["stages"]})
        print(
            f"  {name}: "
            + ", ".join(f"{k} {statistics.median(r['stages'].get(k, 0.0) for r in rows):.2f}" for k in keys)
        )
    paid = [r for r in called if r["rewrite"] is not None and "question" in r["rewrite"]]
    print(f"{len(pairs)} conversation lookups (fow-cache dev), one at a time; {len(paid)} missed and paid a rewrite")
    print(f"model: {'configured provider' if real else f'fake OpenAI server, answering after {model_ms:g} ms'}\n")
    print("| lookup | p50 ms | p90 ms | rewrite p50 ms | rewrite p90 ms | rewrite search p50 ms |")
    print("|---|---|---|---|---|---|")
    for name, rows in (("offline (no rewrite)", offline), ("rewrite called", called), ("rewrite kept in Redis", kept)):
        totals = [r["total"] for r in rows]
        calls = [r["rewrite_ms"] for r in rows if r["rewrite_ms"] is not None]
        search = [r["search_ms"] for r in rows if r["search_ms"] is not None]
        print(
            f"| {name} | {percentile(totals, 50)} | {percentile(totals, 90)} | {percentile(calls, 50)} | "
            f"{percentile(calls, 90)} | {percentile(search, 50)} |"
        )
    prompt = statistics.mean(r["rewrite"]["prompt_tokens"] for r in paid)
    completion = statistics.mean(r["rewrite"]["completion_tokens"] for r in paid)
    print(f"\ntokens per call: {prompt:.0f} prompt + {completion:.0f} completion (mean)\n")
    print("| priced as | USD per call | USD per 1,000 conversation lookups (this set's miss share) |")
    print("|---|---|---|")
    for model in PRICED_AS:
        usd = request_cost(model, round(prompt), round(completion)).usd
        print(f"| {model} | {usd:.6f} | {usd * len(paid) / len(pairs) * 1000:.3f} |")


async def three_passes(
    pairs: list[dataset.Pair],
    tenant: str,
    answer: str,
    turn_on: Callable[[SemanticCache], None],
    lookups: Callable[[SemanticCache, str, list[dataset.Pair]], Awaitable[list[dict[str, Any]]]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Each ``a`` stored with ``answer`` on a scratch index, then each ``b`` looked up (``lookups``): offline (once to
    embed every question and context, then measured), with the model ``turn_on`` sets on the cache (its calls), and
    again (its replies kept in Redis). A model's cost benchmark's three passes (this one, ``verify_cost.py``)."""
    async with scratch_cache(load_settings()) as cache:
        for pair in pairs:
            await cache.store(request(cache, tenant, pair.a), answer)
        await lookups(cache, tenant, pairs)  # every question and context embedded once, then kept
        offline = await lookups(cache, tenant, pairs)
        turn_on(cache)
        return offline, await lookups(cache, tenant, pairs), await lookups(cache, tenant, pairs)


async def _lookups(cache: SemanticCache, tenant: str, pairs: list[dataset.Pair]) -> list[dict[str, Any]]:
    rows = []
    for pair in pairs:
        result = await cache.lookup(request(cache, tenant, pair.b))
        t = result.timings_ms
        rows.append(
            {
                "total": t["total"],
                "rewrite_ms": t.get("rewrite"),
                "search_ms": t.get("rewrite_search"),
                "rewrite": result.rewrite,
                "stages": t,
            }
        )
    return rows


def percentile(values: list[float], q: int) -> str:
    """The ``q``-th percentile of ``values`` for a table, "–" for fewer than two."""
    return f"{statistics.quantiles(values, n=100)[q - 1]:.2f}" if len(values) > 1 else "–"


def arguments(doc: str) -> argparse.Namespace:
    """The options of a model's cost benchmark (this one, ``verify_cost.py``): the fake's wait, or the real model."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--model-ms", type=float, default=0.0, help="the fake model's wait before it answers")
    parser.add_argument("--real", action="store_true", help="call the provider configured in the environment")
    return parser.parse_args()


if __name__ == "__main__":
    args = arguments(__doc__)
    asyncio.run(main(args.model_ms, args.real))
