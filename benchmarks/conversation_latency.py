"""What matching a conversation by meaning adds to a lookup, on the real engine (embedded Redis, local embedder).

Stores fow-cache's dev conversations (each ``a`` side), then times lookups of prompts never embedded before
(so every lookup pays its embedding), one at a time: the last question alone (a single-question lookup), the
same question after its earlier turns (question and context embedded in one batch, contexts compared), and
the identical conversation again (the exact path: one read, no embedding). A conversation that finds no
entry of its own is then told as one question and looked for among the single questions (one more
embedding and KNN, on a miss only): its cost is the last column, over the lookups that paid it. A second
table splits the conversation lookups by outcome: served at the first look (the embedding, the context stage and
the guards), served by a second chance, or missed; with the conversation judge's veto (the default), a hit the rules
served on other turns than the asked ones is read by the judge too, its time apart in the last column.

A third table asks the same conversations through the service (the Answerer's cache column, as ``/ask/stream``
and the gateway do, with the simulated LLM), ``NEARHIT_SECOND_CHANCES_BESIDE_LLM`` on and off one after the other
for each conversation, each mode with marks of its own (on the first turn): for a conversation the cache misses, the
wait before its LLM call starts (the provider asked to generate), and for one a second chance serves, the time to its
answer (its first piece of text). Off is the order before the setting: the second chances first, the LLM call after
them.

    python benchmarks/conversation_latency.py [--service-only | --no-service]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from nearhit.cache import SemanticCache, judge
from nearhit.config import Settings, load_settings
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request
from nearhit.evaluation.scratch_index import drop_scratch, scratch_name
from nearhit.llm import ChatMessage, LLMEvent, SimulatedLLM
from nearhit.service.answering import Answerer
from nearhit.service.events import CacheDocument, Chunk
from nearhit.service.request import AskRequest
from nearhit.service.runtime import Runtime

_LETTERS = str.maketrans("0123456789", "ghijklmnop")


async def main(service_only: bool, service: bool = True) -> None:
    pairs = [p for p in dataset.load("conversations", "dev") if p.a.history]
    run = RUN_MARK
    async with scratch_cache(load_settings()) as cache:
        if service_only:
            await _through_the_service(pairs, cache.embedder)
            return
        embed_every_time(cache)
        for pair in pairs:
            await cache.store(request(cache, f"t{run}", pair.a), "an answer")
        single = await _time(cache, [(f"{p.b.prompt} ({run}s)", ()) for p in pairs], run)
        conversation = await _time(cache, [marked(p.b, run) for p in pairs], run)
        exact = await _time(cache, [(p.a.prompt, p.a.history) for p in pairs], run)
        embedder = cache.embedder
    print(f"{len(pairs)} lookups each, one at a time, prompts never embedded before\n")
    print(
        "| lookup | p50 ms | p90 ms | embed p50 ms | context p50 ms | told as one p50 ms (lookups) "
        "| learned add p50 ms (lookups) | first look less the embed p50 / p90 ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, rows in (("single question", single), ("conversation", conversation), ("identical history", exact)):
        totals, embeds, contexts, as_one, learned, _, looked, _ = zip(*rows, strict=True)
        print(
            f"| {name} | {_p(totals, 50)} | {_p(totals, 90)} | {_p(embeds, 50)} | {_p(contexts, 50)} "
            f"| {_paid(as_one)} | {_paid(learned)} | {_p(looked, 50)} / {_p(looked, 90)} |"
        )
    with_embed = {
        name: tuple(row[6] + row[1] for row in rows) for name, rows in (("single", single), ("conv", conversation))
    }
    print(
        f"\n{WITH_EMBED}: single question {_p(with_embed['single'], 50)}, conversation {_p(with_embed['conv'], 50)}"
        " (work moved into the embedding's time shows here, not in the last column above)"
    )
    print("\nThe first look's stages (p50 ms; ``exact`` timed from the lookup's start; context later: in finish())\n")
    print(f"| lookup | {' | '.join(FIRST_LOOK_STAGES)} | context later (lookups) |")
    print(f"|---|{'---|' * len(FIRST_LOOK_STAGES)}---|")
    for name, rows in (("single question", single), ("conversation", conversation)):
        stages = [row[7] for row in rows]
        cells = " | ".join(_p(tuple(t.get(stage, 0.0) for t in stages), 50) for stage in FIRST_LOOK_STAGES)
        print(f"| {name} | {cells} | {_paid(tuple(t.get('context_later') for t in stages))} |")
    print("\nThe conversation lookups by outcome (the first look: the embedding, the context stage and the guards)\n")
    print(
        "| outcome | lookups | p50 ms | p90 ms | embed p50 ms | context p50 ms | beyond the embed p50 ms "
        "| the judge's veto p50 ms (lookups) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, outcome in (("served at the first look", FIRST), ("served by a second chance", SECOND), ("missed", None)):
        rows = [row for row in conversation if row[5] == outcome]
        if len(rows) < 2:
            continue
        totals, embeds, contexts = zip(*(row[:3] for row in rows), strict=True)
        beyond = tuple(total - embed for total, embed in zip(totals, embeds, strict=True))
        vetoes = _paid(tuple(row[7].get(judge.VETO) for row in rows))
        print(
            f"| {name} | {len(rows)} | {_p(totals, 50)} | {_p(totals, 90)} | {_p(embeds, 50)} | {_p(contexts, 50)} "
            f"| {_p(beyond, 50)} | {vetoes} |"
        )
    if service:
        await _through_the_service(pairs, embedder)


WITH_EMBED = "The first look with its embedding, p50 ms"
"""The line ``latency_ab.py`` reads beside the first table's last column: the first look, embedding included."""
FIRST, SECOND = "first look", "second chance"
SECOND_CHANCES = ("after_answer", "resolved", "turn_by_turn", "user_turns", "learned", "as_one_question", "from_story")
"""The stages a conversation runs only when its first look (the context stage, then the guards) served nothing."""
FIRST_LOOK = ("exact", "embed", "knn", "context", "feedback", "guards", "decision")
"""The first look's stages (``exact`` is timed from the lookup's start, the others each alone)."""
FIRST_LOOK_STAGES = tuple(stage for stage in FIRST_LOOK if stage != "embed")
"""The stages of a first look without its embedding, each shown apart (a single question is judged by the decision,
a conversation by the guards)."""
Row = tuple[float, float, float, float | None, float | None, str | None, float, dict[str, float]]
"""A lookup's total, embed, context, told-as-one and learned-add ms, how it was served (None: missed), its first
look's ms but the embedding (what a conversation's first look adds to its one embedder call is this less a single
question's), and its stages' ms (``LookupResult.timings_ms``)."""


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
                sum(t.get(stage, 0.0) for stage in FIRST_LOOK if stage != "embed"),
                dict(t),
            )
        )
    return rows


class _Timed(SimulatedLLM):
    """The simulated model, noting when it is asked to generate (the call's start, as a provider's request)."""

    def __init__(self) -> None:
        super().__init__("gpt-4o", ttft_ms=20, tokens_per_second=20_000)
        self.asked_at: float | None = None

    async def stream(self, messages: Sequence[ChatMessage], **options: Any) -> AsyncIterator[LLMEvent]:
        self.asked_at = time.perf_counter()
        async for event in super().stream(messages, **options):
            yield event


SERVICE_PASSES = 2
"""Passes through the service: each conversation asked with the setting on and off one after the other (which first
alternating), each mode's conversations marked apart (:func:`run_mark`: the same marks in every run, every stored vector
read as absent), so a change of load hits both alike and two runs ask the same texts."""


async def _through_the_service(pairs: list[dataset.Pair], embedder: Any) -> None:
    """The third table (the module's docstring): the same conversations through the Answerer, setting on and off."""
    settings = load_settings()
    own = settings.model_copy(update={"index_name": scratch_name(settings.index_name)})
    llm = _Timed()
    runtime = Runtime(own, embedder, llm)
    answerer = Answerer(runtime)
    waits: dict[bool, list[float]] = {True: [], False: []}
    looks: dict[bool, list[float]] = {True: [], False: []}
    answers: dict[bool, list[float]] = {True: [], False: []}
    try:
        cache = await runtime.cache()
        embed_every_time(cache)
        for pair in pairs:
            stored = _checked(answerer, own, pair.a.prompt, pair.a.history).query
            assert stored is not None
            await cache.store(stored, "an answer")
        modes = {beside: own.model_copy(update={"second_chances_beside_llm": beside}) for beside in (True, False)}
        for number in range(SERVICE_PASSES):
            marks = {beside: run_mark(1 + 2 * number + int(beside)) for beside in modes}
            for index, pair in enumerate(pairs):
                for beside in (True, False) if (index + number) % 2 == 0 else (False, True):
                    runtime.settings = modes[beside]
                    run = marks[beside]
                    asked = _checked(answerer, own, *marked(pair.b, run))
                    outcome, waited, answered, looked = await _ask(answerer, llm, asked)
                    if outcome is None and waited is not None:
                        waits[beside].append(waited)
                        looks[beside].append(looked)
                    elif outcome == SECOND and answered is not None:
                        answers[beside].append(answered)
    finally:
        await _drop(runtime, own)
    print(f"\nThrough the service (the Answerer's cache column, the simulated LLM), {SERVICE_PASSES} passes, paired\n")
    print(
        "| NEARHIT_SECOND_CHANCES_BESIDE_LLM | conversation misses | wait before the LLM call starts p50 / p90 ms "
        "| their first look p50 / p90 ms | second-chance hits | time to the answer p50 / p90 ms |"
    )
    print("|---|---|---|---|---|---|")
    for beside in (True, False):
        wait, look, answer = tuple(waits[beside]), tuple(looks[beside]), tuple(answers[beside])
        print(
            f"| {'on' if beside else 'off'} | {len(wait)} | {_p(wait, 50)} / {_p(wait, 90)} "
            f"| {_p(look, 50)} / {_p(look, 90)} | {len(answer)} | {_p(answer, 50)} / {_p(answer, 90)} |"
        )


def _checked(answerer: Answerer, settings: Settings, prompt: str, history: tuple[tuple[str, str], ...]) -> AskRequest:
    """A conversation as ``/ask/stream`` asks it: its Lookup made, nothing stored (each pass looks up as the first)."""
    messages = tuple(ChatMessage(role, content) for role, content in history)  # type: ignore[arg-type]
    asked = AskRequest(prompt, history=messages, store=False)
    return asked.checked(answerer.model_for(asked), settings.max_prompt_chars)


async def _ask(
    answerer: Answerer, llm: _Timed, asked: AskRequest
) -> tuple[str | None, float | None, float | None, float]:
    """How the cache column answered (first look, second chance, None: missed), the ms before the LLM was asked
    (None: it was not), the ms to its first piece of text, and the ms of the lookup's first look."""
    llm.asked_at = None
    start = time.perf_counter()
    outcome: str | None = None
    answered = None
    looked = 0.0
    async for event in answerer.cached(asked):
        if isinstance(event, CacheDocument) and event.result is not None:
            stages = event.result.timings_ms
            looked = sum(stages.get(stage, 0.0) for stage in FIRST_LOOK)
        if isinstance(event, CacheDocument) and event.hit:
            assert event.result is not None
            outcome = SECOND if any(stage in stages for stage in SECOND_CHANCES) else FIRST
        elif isinstance(event, Chunk) and answered is None:
            answered = (time.perf_counter() - start) * 1000
    waited = (llm.asked_at - start) * 1000 if llm.asked_at is not None else None
    return outcome, waited, answered, looked


async def _drop(runtime: Runtime, settings: Settings) -> None:
    """The service's scratch index gone, as ``scratch_cache`` drops its own."""
    await runtime.close()
    await drop_scratch(settings)


def _paid(stage: tuple[float | None, ...]) -> str:
    """A stage's p50 over the lookups that ran it (a miss's second chances run on some only), and how many."""
    paid = tuple(ms for ms in stage if ms is not None)
    return f"{_p(paid, 50)} ({len(paid)})" if len(paid) > 1 else "–"


RUN_MARK = "ghijkl"
"""The first two tables' mark, the same in every run: which stages each lookup runs is then the same from run to run
and from tree to tree (under :func:`fresh_mark`'s random letters, of fow-cache's 155 first looks that compare turns,
95 and 97 passed the turns' cosine over two runs; 94 and 94 under this mark), so ``latency_ab.py`` compares two trees
on the same work. Its vectors may be stored by an earlier run: :func:`embed_every_time`. The other scripts that mark
their lookups take theirs from :func:`run_mark`."""


def run_mark(n: int = 0) -> str:
    """The mark of a run's ``n``-th set (or pass): :data:`RUN_MARK` for the first, then :data:`RUN_MARK` followed by
    ``n``'s digits as letters. The same in every run, so two runs do the same work; apart for each set, so no two sets
    of a run share a scope or a text a per-text cache already read (as :func:`fresh_mark` kept them apart)."""
    return RUN_MARK + str(n).translate(_LETTERS) if n else RUN_MARK


def embed_every_time(cache: SemanticCache) -> None:
    """Every stored vector read as absent: each lookup embeds its texts as one never asked before would (the read of
    the stored vectors is still made, in the exact read's round trip). The embedding store is shared by every index
    (its keys are under the root, not the scratch index), so without this a fixed mark's second run found its
    vectors and skipped the embedding (embed p50 0.01 ms)."""
    cache.embeddings.from_stored = lambda raw: None  # type: ignore[method-assign]


def only_this_runs_vectors(cache: SemanticCache) -> None:
    """A stored vector read only if this run wrote it (the store as on a root nothing ran on before): a text this
    run embedded and wrote is read back, one an earlier run wrote is embedded again. For a script that counts the
    texts read from the store apart from those computed (``miss_embeds.py``), where :func:`embed_every_time` would
    compute them all. Written means filled (``remember`` waits for its fill): a vector waiting to be written is not
    read back, as in the store itself."""
    store = cache.embeddings
    written: set[bytes] = set()
    fill, from_stored = store._fill, store.from_stored

    async def filling() -> None:
        written.update(row.vector.tobytes() for row in store._unwritten)
        await fill()

    store._fill = filling  # type: ignore[method-assign]
    store.from_stored = lambda raw: from_stored(raw) if raw in written else None  # type: ignore[method-assign]


def fresh_mark() -> str:
    """Six random letters marking a run's text: nothing embedded before, and no digit, so no number for the checks
    to read (a hex mark's digits changed which stages ran from run to run). Random, not one sequence: the embedding
    store is shared by every index (its keys are under the root, not the scratch index), so a mark used by an earlier
    run would find its vectors and skip the embedding (a fixed sequence measured an embed p50 of 0.01 ms). The letters
    move some lookups' turns' cosine across its threshold, so which stages run differs a little from run to run (of
    fow-cache's 155 first looks that compare turns, 95 and 97 passed the cosine under two random marks, 94 and 94
    under one mark run twice). This module's tables and every script whose figure depends on which lookups pass use
    :func:`run_mark` instead, with :func:`embed_every_time`; ``knn_payload.py`` and ``stored_side_reading.py field``
    name their scope with this (their figures time every lookup's KNN alike, whatever passes)."""
    return uuid.uuid4().hex[:6].translate(_LETTERS)


def marked(side: dataset.Side, run: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A conversation's prompt and history as timed: its question as the pair asks it, its first turn marked
    (:func:`fresh`). Not the question: after it, "(mark)" is split off as a statement of its own (``AskRequest``'s
    ``split_statements``), a user turn nobody sent at the end of the context (every conversation timed had one turn
    more than its pair's until lt62); before it, the question's opening words are no longer read as its start (of
    fow-cache's 180 first looks, 46 had another outcome than under the pair's own question, 175 missed)."""
    return side.prompt, fresh(side.history, run)


def fresh(history: tuple[tuple[str, str], ...], run: str) -> tuple[tuple[str, str], ...]:
    """The history with a mark on its first turn: a context the embedding store has never seen."""
    (role, content), *rest = history
    return ((role, f"({run}) {content}"), *rest)


def _p(values: tuple[float, ...], q: int) -> str:
    return f"{statistics.quantiles(values, n=100)[q - 1]:.2f}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--service-only", action="store_true", help="only the third table (through the service)")
    parser.add_argument("--no-service", action="store_true", help="all but the third table (the cache alone)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.service_only, service=not arguments.no_service))
