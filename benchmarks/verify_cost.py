"""What the optional check of a conversation's hit (``NEARHIT_VERIFY_MODEL``) adds to a lookup: tokens and price per
call, time on the client's path, on the real engine (embedded Redis, local embedder).

Stores fow-cache's dev conversations (each ``a`` side, with one stand-in answer: the set carries none), then looks up
each ``b`` side: without the check (the offline default; once to embed every question and context, then measured),
with it (a call for every conversation's semantic hit), and again (the verdict read back from Redis: no call). The
model is the fake OpenAI-compatible server of the tests (a real HTTP socket, the real client code); it says "yes" to
every call and sends no usage, so the tokens are counted with the model's tokenizer (``nearhit.llm.tokens``), as for
such a server; optionally it waits ``--model-ms`` before it answers. ``--real`` calls the provider configured in the
environment instead (``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` / Azure, and ``NEARHIT_VERIFY_MODEL``). The fake's
verdicts are not a model's: this measures time and price, not what the check refuses.

    python benchmarks/verify_cost.py [--model-ms 0] [--real]
"""

from __future__ import annotations

import asyncio
import statistics
import uuid
from typing import Any

from nearhit.cache import SemanticCache
from nearhit.config import load_settings
from nearhit.economics.prices import request_cost
from nearhit.evaluation import dataset
from nearhit.evaluation.runner import request
from nearhit.llm.tokens import count_tokens
from nearhit.llm.verify import build_verifier
from rewrite_cost import arguments, percentile, three_passes
from tests.support.fake_upstream import FakeUpstream, Pause, Stream

STAND_IN_ANSWER = (
    "Yes, you can. Start by checking the terms you agreed to: most providers let you cancel online from your account "
    "page, under billing or membership, and some ask you to call or write instead. Cancelling usually stops the next "
    "renewal rather than the current period, so you keep access until it ends. If you are inside a minimum term, an "
    "early cancellation fee may apply; the contract says how much, and some providers waive it if you are moving "
    "away or for medical reasons, so it is worth asking. Keep the confirmation email or reference number, and check "
    "your next statement to make sure no further payment was taken. If a payment goes out after you cancelled, "
    "contact them with that reference first, then your bank if they do not refund it."
)
"""A chat answer of a common length (~140 words): fow-cache's conversations carry no answers, and the check's prompt
holds the stored answer whole, so its tokens grow with it (a longer answer: more prompt tokens, shown apart)."""
PRICED_AS = ("gpt-4o-mini", "gpt-4.1-nano", "gpt-4o")


async def main(model_ms: float, real: bool) -> None:
    pairs = [p for p in dataset.load("conversations", "dev") if p.b.history]
    run = uuid.uuid4().hex[:6]
    fake = None if real else FakeUpstream()
    if fake is not None:
        reply = fake.answer("yes")
        fake.reset(Stream([Pause(model_ms / 1000), *reply.items]) if model_ms else reply)
        settings = load_settings(llm="openai", openai_base_url=fake.base_url, verify_model="gpt-4o-mini")
    else:
        settings = load_settings()
    tenant = f"t{run}"

    def turn_on(cache: SemanticCache) -> None:
        cache.verifier = build_verifier(settings)
        assert cache.verifier is not None, "no check's model: set NEARHIT_VERIFY_MODEL and a real provider"

    try:
        offline, called, kept = await three_passes(pairs, tenant, STAND_IN_ANSWER, turn_on, _lookups)
    finally:
        if fake is not None:
            fake.close()
    paid = [r for r in called if r["verify"] is not None and not r["verify"]["cached"] and "serves" in r["verify"]]
    failed = [r for r in called if r["verify"] is not None and "error" in r["verify"]]
    print(f"{len(pairs)} conversation lookups (fow-cache dev), one at a time; {len(paid)} semantic hits paid a check")
    print(f"({len(failed)} checks failed); model: ", end="")
    print("configured provider" if real else f"fake OpenAI server, answering 'yes' after {model_ms:g} ms")
    checked = [n for n, r in enumerate(called) if r["verify"] is not None]  # the same lookups in every row
    print("\nthe lookups a check ran for (conversations' semantic hits), each way:\n")
    print("| lookup | p50 ms | p90 ms | check p50 ms | check p90 ms |")
    print("|---|---|---|---|---|")
    for name, rows in (("offline (no check)", offline), ("check called", called), ("verdict kept in Redis", kept)):
        totals = [rows[n]["total"] for n in checked]
        checks = [rows[n]["verify_ms"] for n in checked if rows[n]["verify_ms"] is not None]
        cells = [percentile(totals, 50), percentile(totals, 90), percentile(checks, 50), percentile(checks, 90)]
        print(f"| {name} | {' | '.join(cells)} |")
    prompt = statistics.mean(r["verify"]["prompt_tokens"] for r in paid)
    completion = statistics.mean(r["verify"]["completion_tokens"] for r in paid)
    answer = count_tokens(STAND_IN_ANSWER, "gpt-4o-mini")
    print(f"\ntokens per call: {prompt:.0f} prompt (of them {answer} the stored answer) + {completion:.0f} completion")
    print("(mean; one more prompt token per token of a longer stored answer)\n")
    print("| priced as | USD per call | USD per 1,000 conversation lookups (this set's hit share) |")
    print("|---|---|---|")
    for model in PRICED_AS:
        usd = request_cost(model, round(prompt), round(completion)).usd
        print(f"| {model} | {usd:.6f} | {usd * len(paid) / len(pairs) * 1000:.3f} |")


async def _lookups(cache: SemanticCache, tenant: str, pairs: list[dataset.Pair]) -> list[dict[str, Any]]:
    rows = []
    for pair in pairs:
        result = await cache.lookup(request(cache, tenant, pair.b))
        t = result.timings_ms
        rows.append({"total": t["total"], "verify_ms": t.get("verify"), "verify": result.verify})
    return rows


if __name__ == "__main__":
    args = arguments(__doc__)
    asyncio.run(main(args.model_ms, args.real))
