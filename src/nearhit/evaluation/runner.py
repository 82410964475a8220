"""Labelled pairs through the real cache path: store each ``a`` in a scratch scope, look up ``b`` there.

Every pair gets its own tenant (``eval-<run id>-<n>``), so a lookup can only find its own ``a``; or, ``shared``,
every ``a`` goes into one tenant (``eval-<run id>-shared``), as a real cache holds many questions of a domain, and a
lookup may be served another pair's answer (an outcome's ``neighbour``; an ``a`` of the same text, turns
included, counts as its own: one entry holds both). For conversations each side is a request with its earlier
turns, built as the service builds it (:class:`nearhit.service.request.AskRequest`: exact turns for the exact
path, the context by meaning).
The ``a`` sides are stored concurrently (the embedder batches them); the ``b`` lookups run one at a time so
their latency is that of a lone request. Scratch entries, and the embeddings cached for them,
are deleted afterwards, even when the run fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence

from nearhit.cache import SemanticCache, normalise, verified
from nearhit.cache.client import unlink_each
from nearhit.cache.lookup import Lookup
from nearhit.decision import Decision
from nearhit.evaluation.dataset import Pair, Side
from nearhit.evaluation.metrics import Outcome
from nearhit.evaluation.scratch_index import dropped_after
from nearhit.guards import GUARD_NAMES, GuardSet
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest

Judge = GuardSet | Decision | None
"""What decides on a candidate in one pass: the calibrated decision, guards as vetoes, or nothing."""
Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``."""
Ask = Callable[[], Lookup]
"""A pair's ``b`` as a fresh lookup in its pair's scratch tenant."""

CHUNK = 64


def _quiet(stage: str, done: int, total: int) -> None:
    """The default progress callback: says nothing."""


@contextlib.asynccontextmanager
async def scratch(
    cache: SemanticCache,
    pairs: Sequence[Pair],
    *,
    run_id: str | None = None,
    shared: bool = False,
    progress: Progress = _quiet,
) -> AsyncIterator[list[Ask]]:
    """Store every pair's ``a``; yields each ``b`` as a lookup in its pair's tenant (``shared``: all in one);
    cleans up after (:func:`_clean_up`)."""
    run_id = run_id or uuid.uuid4().hex[:8]
    tenants = [f"eval-{run_id}-{'shared' if shared else n}" for n in range(len(pairs))]
    begun = 0  # the pairs whose store began: a run stopped midway (Ctrl-C) cleans up theirs, not all 20,000
    stopped = False
    try:
        for start in range(0, len(pairs), CHUNK):
            chunk = range(start, min(start + CHUNK, len(pairs)))
            begun = chunk.stop
            # Every request built before any store is made: a side the cache refuses (InvalidInput) would leave
            # the stores already made never awaited.
            asked = [(request(cache, tenants[i], pairs[i].a), answer(pairs[i])) for i in chunk]
            await asyncio.gather(*(cache.store(query, text) for query, text in asked))
            progress("store", chunk.stop, len(pairs))
        yield [_asker(cache, tenants[i], pair.b) for i, pair in enumerate(pairs)]
    except asyncio.CancelledError:
        stopped = True
        raise
    finally:
        await _clean_up(cache, pairs[:begun], tenants[:begun], stopped=stopped)


def request(cache: SemanticCache, tenant: str, side: Side) -> Lookup:
    """One side of a pair as the service would look it up: its prompt after its earlier turns."""
    history = tuple(ChatMessage(role, content) for role, content in side.history)  # type: ignore[arg-type]
    return AskRequest(side.prompt, tenant=tenant, history=history).checked("default", cache.max_prompt_chars).query  # type: ignore[return-value]


def answer(pair: Pair) -> str:
    """The answer cached for ``pair``'s ``a``: the one the pair carries (``a_answer``), else a placeholder of its
    own, so a lookup says whose answer it was served. The placeholder is letters drawn from a digest of the id, not
    the id: an id's words ("constraint_added", "since-year") read as the answer's words by the checks that read
    a stored answer (:mod:`nearhit.cache.answer_rests_on`)."""
    return pair.a_answer if pair.a_answer is not None else f"stored answer {_letters(pair.id)}"


def _letters(text: str) -> str:
    """Ten letters a-p from a digest of ``text``: no word, no number, the same for the same text."""
    return "".join(chr(ord("a") + (byte & 15)) for byte in hashlib.blake2b(text.encode(), digest_size=10).digest())


def _question(side: Side) -> tuple[str, tuple[str, ...]]:
    """A side as the cache keys it: its normalised prompt, after its normalised earlier turns."""
    return normalise(side.prompt), tuple(normalise(content) for _, content in side.history)


Questions = dict[str, set[tuple[str, tuple[str, ...]]]]
"""Each stored answer's text, and the questions (:func:`_question`) of the pairs whose ``a`` it answers."""


def questions_by_answer(pairs: Sequence[Pair]) -> Questions:
    """The questions each answer text of ``pairs`` was stored for: what :func:`is_neighbour` reads."""
    questions: Questions = {}
    for pair in pairs:
        questions.setdefault(answer(pair), set()).add(_question(pair.a))
    return questions


def is_neighbour(pair: Pair, served: str | None, questions: Questions) -> bool:
    """Whether ``served`` (the answer text a lookup of ``pair``'s ``b`` got) is another pair's: stored for none of
    the questions ``pair``'s ``a`` asks. An answer carried by pairs of other questions too (two questions may be
    given the very same text) is no neighbour's for any of them: the words served are those of its own."""
    return served is not None and _question(pair.a) not in questions.get(served, set())


def _asker(cache: SemanticCache, tenant: str, side: Side) -> Ask:
    return lambda: request(cache, tenant, side)


async def _clean_up(cache: SemanticCache, pairs: Sequence[Pair], tenants: Sequence[str], *, stopped: bool) -> None:
    """The run's entries and the embeddings cached for its texts deleted. A tenant's clear scans the keyspace for its
    kept replies: one per tenant took ~50 minutes after 20,000 pairs. On a scratch cache
    (:func:`nearhit.evaluation.scratch_index.dropped_after`), whose entries are this run's alone (runs on one are
    one after the other), every entry goes in one clear; a run stopped midway (Ctrl-C, SIGTERM) leaves them to the
    index's drop, one call, and is gone in seconds."""
    # The embeddings and counters the lookups left to write in the background are written now, not after the
    # keys below are deleted (an embedding written back a moment later was a leftover).
    await cache.background.drain()
    if dropped_after(cache):
        if not stopped:
            await cache.clear()
    else:
        distinct = list(dict.fromkeys(tenants))
        for start in range(0, len(distinct), CHUNK):
            await asyncio.gather(*(cache.clear(tenant=t) for t in distinct[start : start + CHUNK]))
            # Their clear counts too: a run's tenants are its own, and none of its misses is still in flight.
            await unlink_each(cache.redis, [cache.keys.tenant_clears(t) for t in distinct[start : start + CHUNK]])
    texts = {
        (normalise(text), tenant)
        for pair, tenant in zip(pairs, tenants, strict=True)
        for side in (pair.a, pair.b)
        for text in (side.prompt, "\n".join(c for _, c in side.history))
    }  # kept per tenant (cache.embedding_store)
    keys = [cache.embeddings.key_for(text, tenant) for text, tenant in texts]
    for start in range(0, len(keys), 500):
        await unlink_each(cache.redis, keys[start : start + 500])  # key by key: they lie in many slots


async def look_up(
    cache: SemanticCache,
    pairs: Sequence[Pair],
    asks: Sequence[Ask],
    *,
    threshold: float | None = None,
    label: str = "",
    progress: Progress = _quiet,
) -> list[Outcome]:
    """Look up each ``b`` in its scope with the cache's current guards, one at a time, at the cache's threshold
    and margins (``threshold`` None) or at ``threshold`` given, a floor (:meth:`SemanticCache.margins`); an
    answer cached for another pair's ``a`` (not the same question as its own) is a neighbour, not a match."""
    questions = questions_by_answer(pairs)
    outcomes = []
    for n, (pair, ask) in enumerate(zip(pairs, asks, strict=True), 1):
        result = await cache.lookup(ask(), threshold=threshold)
        served = result.answer.response if result.match is not None and result.answer is not None else None
        neighbour = is_neighbour(pair, served, questions)
        # A hit the check refused because it failed (not its "no"): told apart, or a run whose check's provider is
        # down would read as a check that refuses everything.
        failed = result.verify.get("error") if result.verify and result.rejected_by == verified.REFUSED_BY else None
        outcomes.append(
            Outcome(
                pair_id=pair.id,
                category=pair.category,
                same_answer=pair.same_answer,
                threshold=result.threshold,
                match=None if neighbour else result.match,
                similarity=result.similarity,
                rejected_by=verified.FAILED if failed is not None else result.rejected_by,
                latency_ms=result.timings_ms["total"],
                lang=pair.lang,
                neighbour=neighbour,
                candidates=len(result.candidates),
                check_error=failed,
            )
        )
        if n % 100 == 0 or n == len(pairs):
            progress(f"look up{' ' + label if label else ''}", n, len(pairs))
    return outcomes


async def evaluate(
    cache: SemanticCache,
    pairs: Sequence[Pair],
    *,
    threshold: float | None = None,
    guard_sets: Mapping[str, Judge],
    thresholds: Mapping[str, float] | None = None,
    shared: bool = False,
    progress: Progress = _quiet,
) -> dict[str, list[Outcome]]:
    """One lookup pass per judge (label -> decision, guard set, or None for neither) over one scratch store
    (``shared``: every ``a`` in one tenant), at the cache's threshold with its margins (``threshold`` None), or
    at ``threshold`` or the label's own in ``thresholds``, each a floor as a threshold set is (:func:`look_up`).

    The first pass sees the embedder cold for every ``b``; later passes find ``b``'s embedding cached,
    so only the first pass's latency is that of a first-seen prompt.
    """
    configured = cache.guards, cache.decision
    results: dict[str, list[Outcome]] = {}
    try:
        async with scratch(cache, pairs, shared=shared, progress=progress) as asks:
            for label, judge in guard_sets.items():
                judge_with(cache, judge)
                used = (thresholds or {}).get(label, threshold)
                results[label] = await look_up(cache, pairs, asks, threshold=used, label=label, progress=progress)
    finally:
        cache.guards, cache.decision = configured
    return results


def judge_with(cache: SemanticCache, judge: Judge) -> None:
    """Make ``cache`` judge candidates with ``judge``: a decision (over its guards), guards as vetoes, or neither."""
    cache.guards, cache.decision = (judge.guards, judge) if isinstance(judge, Decision) else (judge, None)


def guard_sets(
    spec: str, *, per_guard: bool = False, decision: Decision | None = None, guards: GuardSet | None = None
) -> dict[str, Judge]:
    """``decision``, ``all`` (every guard as a veto), ``none`` or a comma list of guard names (vetoes); with
    ``per_guard`` also each guard alone, none, all and the decision. ``decision`` is the one to use for
    ``decision`` (default: the shipped model over every guard), ``guards`` the set for ``all`` (default:
    every guard with its default settings), so a configured cache is measured with its own settings (its quiet
    margin for the guards named too)."""
    quiet = {} if guards is None else {"quiet_margin": guards.quiet_margin}

    def parse(text: str) -> Judge:
        if text == "none":
            return None
        if text == "decision":
            return decision if decision is not None else Decision(GuardSet.default())
        if text == "all":
            return guards if guards is not None else GuardSet.default()
        return GuardSet.from_names(text.split(","), **quiet)

    spec = spec.strip().lower()
    sets = {spec: parse(spec)}
    if per_guard:
        for name in (*GUARD_NAMES, "none", "all", "decision"):
            sets.setdefault(name, parse(name))
    return sets
