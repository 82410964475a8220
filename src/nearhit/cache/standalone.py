"""A conversation that found no entry of its own, told as one standalone question by an LLM and looked up
among the single questions of its scope (``NEARHIT_REWRITE_MODEL``; off by default).

"How do I cancel it?" after a talk about a gym plan is rewritten "How do I cancel my gym membership?", and
that question is judged as any question is (the guards, or the calibrated decision) against the single
questions stored; a rewrite that leaves out a condition of the asker's that the user's turns state ("I'm
expecting a baby": :mod:`nearhit.cache.constraints`) is not looked up. The rewrite is kept in Redis (by
model, normalised turns and question) for ``NEARHIT_REWRITE_TTL``, so a repeated conversation pays for it
once. A failed or late rewrite leaves the lookup as it was (counted, logged when the rewrite starts and stops
failing): the offline path never waits on it beyond ``NEARHIT_REWRITE_TIMEOUT``, and after a few failures in a row
not at all for a while (:mod:`nearhit.cache.model_calls`; counted in ``rewrites_skipped``). The result shows the
rewrite, its time and its price (``LookupResult.rewrite``); the counters (:mod:`nearhit.cache.rewrite_stats`)
add them up.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from nearhit.cache import choose, constraints, conversation, entry, model_calls
from nearhit.cache import index as idx
from nearhit.cache import rewrite_stats as counted
from nearhit.cache.keys import normalise, sha256_hex
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import LookupResult

if TYPE_CHECKING:
    from nearhit.cache.semantic_cache import SemanticCache
    from nearhit.llm.rewrite import Rewriter, Rewritten

_LOGGED = model_calls.Logged(
    "the standalone rewrite failed, conversations are looked up without it: %s",
    "the standalone rewrite answers again (%s)",
    "the standalone rewrite is skipped after %d failures in a row, conversations looked up without it; next try in "
    "%g s (%s)",
    "the standalone rewrite is called again: %s answered",
)


def rewrite_key(cache: SemanticCache, rewriter: Rewriter, query: Lookup) -> str:
    """Where the rewrite of ``query``'s conversation is kept: the tenant (one tenant cannot tell from a kept
    rewrite what another asked), the model, the normalised turns and question."""
    assert query.context is not None
    told = [[role, normalise(content)] for role, content in query.context.turns] + [["user", query.text]]
    digest = sha256_hex(json.dumps([query.scope.tenant, told], ensure_ascii=False))
    return cache.keys.for_tenant(query.scope.tenant).rewrite(query.scope.tenant, rewriter.model, digest)


async def serve(
    cache: SemanticCache, result: LookupResult, query: Lookup, spec: idx.IndexSpec, margins: choose.Margins
) -> None:
    """Look ``query`` (a conversation that missed) up by its rewrite among its scope's single questions
    (``query.alone``), with the lookup's ``margins``; on a hit, ``result`` is served that entry and shows the
    rewrite in ``context``."""
    rewriter = cache.rewriter
    assert rewriter is not None and query.context is not None and query.alone is not None
    started = time.perf_counter()
    rewrite = await _rewrite(cache, rewriter, query)
    result.rewrite = rewrite
    result.timings_ms["rewrite"] = round((time.perf_counter() - started) * 1000, 3)
    if "question" not in rewrite:
        return
    question: str = rewrite["question"]
    dropped = constraints.differ(conversation.told_as_one(query.context, query.prompt), question)
    if dropped is not None:
        # The model left out (or brought in) a condition of the asker's the user's turns state: its rewrite is
        # another question, whatever a single question it matches.
        rewrite["refused"] = f"the rewrite and the conversation differ: {dropped}"
        return
    started = time.perf_counter()
    async with cache._redis_errors():
        (vector,) = await cache.embeddings.embed([normalise(question)], query.scope.tenant)
        knn = idx.scoped_knn(cache.spec, spec.name, query.alone.search_id, cache.candidates, cache.ef_runtime(spec))
        rows = await cache._knn(spec, knn.command(vector.tobytes()))
    singles = [(doc_id, fields) for doc_id, fields in rows if not fields.get(entry.CONTEXT)]
    judged = LookupResult(match=None, threshold=result.threshold, scope_id=result.scope_id)
    if cache.decision is not None:
        choose.by_decision(judged, question, singles, cache.decision, margin=margins.fitted)
    else:
        choose.by_guards(judged, question, singles, cache.guards, quiet_margin=margins.quiet)
    result.candidates += judged.candidates
    result.timings_ms["rewrite_search"] = round((time.perf_counter() - started) * 1000, 3)
    if judged.hit:
        result.match, result.answer = judged.match, judged.answer
        result.similarity, result.distance, result.score = judged.similarity, judged.distance, judged.score
        result.rejected_by = result.rejection_reason = None
        result.context = {"turns": [], "similarity": judged.similarity, "rewritten": question}
        cache._count(counted.REWRITE_HITS)


async def _rewrite(cache: SemanticCache, rewriter: Rewriter, query: Lookup) -> dict[str, Any]:
    """The rewrite as the result shows it: read back from Redis, or asked of the model (then kept), or, when
    the model failed, the error (and no ``question``)."""
    assert query.context is not None
    context = query.context

    async def ask() -> tuple[dict[str, Any], Rewritten]:
        made = await rewriter.rewrite(context.turns, query.prompt)
        return {"question": made.question, "answered_by": made.model}, made

    key = rewrite_key(cache, rewriter, query)
    return await model_calls.kept_or_asked(cache, rewriter, query, key, ask, counted.COUNTERS, _LOGGED, _readable)


def _readable(kept: dict[str, Any]) -> bool:
    """A kept rewrite as :func:`_rewrite` keeps it: a question (text, not blank)."""
    question = kept.get("question")
    return isinstance(question, str) and bool(question.strip())
