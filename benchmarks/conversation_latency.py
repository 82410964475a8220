"""What matching a conversation by meaning adds to a lookup, on the real engine (embedded Redis, local embedder).

Stores fow-cache's dev conversations (each ``a`` side), then times lookups of prompts never embedded before
(so every lookup pays its embedding), one at a time: the last question alone (a single-question lookup), the
same question after its earlier turns (question and context embedded in one batch, contexts compared), and
the identical conversation again (the exact path: one read, no embedding). A conversation that finds no
entry of its own is then told as one question and looked for among the single questions (one more
embedding and KNN, on a miss only): its cost is the last column, over the lookups that paid it. A second
table splits the conversation lookups by outcome: served at the first look (the embedding, the context stage and
the guards), served by a second chance, or missed.

    python benchmarks/conversation_latency.py
"""

from __future__ import annotations

import asyncio
import statistics
import uuid

from nearhit.cache import SemanticCache
from nearhit.config import load_settings
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request

_LETTERS = str.maketrans("0123456789", "ghijklmnop")


async def main() -> None:
    pairs = [p for p in dataset.load("conversations", "dev") if p.a.history]
    run = fresh_mark()
    async with scratch_cache(load_settings()) as cache:
        for pair in pairs:
            await cache.store(request(cache, f"t{run}", pair.a), "an answer")
        single = await _time(cache, [(f"{p.b.prompt} ({run}s)", ()) for p in pairs], run)
        conversation = await _time(cache, [(f"{p.b.prompt} ({run}c)", fresh(p.b.history, run)) for p in pairs], run)
        exact = await _time(cache, [(p.a.prompt, p.a.history) for p in pairs], run)
    print(f"{len(pairs)} lookups each, one at a time, prompts never embedded before\n")
    print(
        "| lookup | p50 ms | p90 ms | embed p50 ms | context p50 ms | told as one p50 ms (lookups) "
        "| learned add p50 ms (lookups) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, rows in (("single question", single), ("conversation", conversation), ("identical history", exact)):
        totals, embeds, contexts, as_one, learned, _ = zip(*rows, strict=True)
        print(
            f"| {name} | {_p(totals, 50)} | {_p(totals, 90)} | {_p(embeds, 50)} | {_p(contexts, 50)} "
            f"| {_paid(as_one)} | {_paid(learned)} |"
        )
    print("\nThe conversation lookups by outcome (the first look: the embedding, the context stage and the guards)\n")
    print("| outcome | lookups | p50 ms | p90 ms | embed p50 ms | context p50 ms | beyond the embed p50 ms |")
    print("|---|---|---|---|---|---|---|")
    for name, outcome in (("served at the first look", FIRST), ("served by a second chance", SECOND), ("missed", None)):
        kept = [row[:3] for row in conversation if row[5] == outcome]
        if len(kept) < 2:
            continue
        totals, embeds, contexts = zip(*kept, strict=True)
        beyond = tuple(total - embed for total, embed, _ in kept)
        print(
            f"| {name} | {len(kept)} | {_p(totals, 50)} | {_p(totals, 90)} | {_p(embeds, 50)} | {_p(contexts, 50)} "
            f"| {_p(beyond, 50)} |"
        )


FIRST, SECOND = "first look", "second chance"
SECOND_CHANCES = ("after_answer", "resolved", "turn_by_turn", "user_turns", "learned", "as_one_question", "from_story")
"""The stages a conversation runs only when its first look (the context stage, then the guards) served nothing."""
Row = tuple[float, float, float, float | None, float | None, str | None]
"""A lookup's total, embed, context, told-as-one and learned-add ms, and how it was served (None: missed)."""


async def _time(cache: SemanticCache, asks: list[tuple[str, tuple[tuple[str, str], ...]]], run: str) -> list[Row]:
    rows = []
    for prompt, history in asks:
        result = await cache.lookup(request(cache, f"t{run}", dataset.Side(prompt, history)))
        t = result.timings_ms
        rows.append(
            (
                t["total"],
                t.get("embed", 0.0),
                t.get("context", 0.0),
                t.get("as_one_question"),
                t.get("learned"),
                (SECOND if any(stage in t for stage in SECOND_CHANCES) else FIRST) if result.hit else None,
            )
        )
    return rows


def _paid(stage: tuple[float | None, ...]) -> str:
    """A stage's p50 over the lookups that ran it (a miss's second chances run on some only), and how many."""
    paid = tuple(ms for ms in stage if ms is not None)
    return f"{_p(paid, 50)} ({len(paid)})" if len(paid) > 1 else "–"


def fresh_mark() -> str:
    """Six random letters marking a run's text: nothing embedded before, and no digit, so no number for the checks
    to read (a hex mark's digits changed which stages ran from run to run)."""
    return uuid.uuid4().hex[:6].translate(_LETTERS)


def fresh(history: tuple[tuple[str, str], ...], run: str) -> tuple[tuple[str, str], ...]:
    """The history with a mark on its first turn: a context the embedding store has never seen."""
    (role, content), *rest = history
    return ((role, f"({run}) {content}"), *rest)


def _p(values: tuple[float, ...], q: int) -> str:
    return f"{statistics.quantiles(values, n=100)[q - 1]:.2f}"


if __name__ == "__main__":
    asyncio.run(main())
