"""The engine: a two-tier (exact, then semantic) cache of LLM answers, scoped, on Redis.

A lookup first reads the entry key made of scope + normalised prompt (one round trip, no embedding). On a
miss it embeds the normalised prompt (through the embedding cache) and runs a KNN query restricted to the
caller's scope; candidates a user's "wrong" verdict refuses are dropped first (``cache.feedback``,
``cache.bounded``). The rest at or above the similarity threshold (a floor) are judged by the calibrated
decision when it is on (``nearhit.decision``: a probability that the cached answer serves the new question; the
best one whose score reaches the decision threshold is served), else the guards veto and the first candidate
that passes is served. With a wrong-hit bound the chosen one is served only where the bound is proven, else
withheld as a :class:`Probe` to learn from. Every lookup returns a :class:`LookupResult` that says what
happened and why.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import random
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redisvl.query.filter import FilterExpression

from nearhit import tracing, validate
from nearhit.cache import bounded
from nearhit.cache import index as idx
from nearhit.cache.feedback import FeedbackStore, LabelSource, Served
from nearhit.cache.keys import KeySpace, Scope, normalise
from nearhit.embeddings.base import Embedder
from nearhit.embeddings.cache import CachedEmbedder
from nearhit.errors import RedisUnavailable

if TYPE_CHECKING:
    from nearhit.decision import Decision, Judgement
    from nearhit.guards import GuardSet, GuardVerdict

Match = Literal["exact", "semantic"]
COUNTS_FLUSH_S = 1.0
_STAT_FIELDS = ("exact_hits", "semantic_hits", "misses", "guard_rejections", "stores")


@dataclass(frozen=True)
class CachedAnswer:
    """A stored answer as read back from Redis."""

    doc_id: str
    prompt: str
    response: str
    model: str
    tenant: str
    created_at: float
    prompt_tokens: int
    completion_tokens: int

    @classmethod
    def from_fields(cls, doc_id: str, fields: dict[str, str]) -> CachedAnswer:
        return cls(
            doc_id=doc_id,
            prompt=fields.get("prompt", ""),
            response=fields.get("response", ""),
            model=fields.get("model", ""),
            tenant=fields.get("tenant", ""),
            created_at=float(fields.get("created_at") or 0),
            prompt_tokens=int(fields.get("prompt_tokens") or 0),
            completion_tokens=int(fields.get("completion_tokens") or 0),
        )


@dataclass(frozen=True)
class Candidate:
    """A semantic neighbour that was considered, and what became of it."""

    doc_id: str
    prompt: str
    similarity: float
    outcome: Literal[
        "served",
        "below_threshold",
        "rejected_by_guard",
        "rejected_by_decision",
        "rejected_by_feedback",
        "withheld",
        "not_needed",
    ]
    guard: str | None = None
    reason: str | None = None
    score: float | None = None
    """The decision's probability that this candidate's answer serves the query (None: not judged)."""


@dataclass(frozen=True)
class Probe:
    """A candidate withheld to learn from (``NEARHIT_MAX_WRONG_RATE``): label it once the LLM has answered.

    ``exploration`` is True when the static decision would have served it (an LLM call spent on learning)."""

    doc_id: str
    similarity: float
    exploration: bool
    cached_response: str


@dataclass
class LookupResult:
    """What one lookup did: the match (if any), the numbers behind it, and the time each stage took."""

    match: Match | None
    threshold: float
    answer: CachedAnswer | None = None
    similarity: float | None = None
    distance: float | None = None
    rejected_by: str | None = None
    rejection_reason: str | None = None
    score: float | None = None
    """The decision's score of the candidate served, else of the best candidate judged."""
    decision_threshold: float | None = None
    """The score a candidate needs (None when the cache runs without the decision)."""
    top_features: list[dict[str, Any]] = field(default_factory=list)
    """The features that moved that score most: ``{feature, value, effect}`` (effect in log-odds)."""
    candidates: list[Candidate] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    query: dict[str, Any] | None = None
    embedding: list[float] | None = None
    scope_id: str = ""
    bound: dict[str, Any] | None = None  # the error-bounded decision, when NEARHIT_MAX_WRONG_RATE is set
    probe: Probe | None = None

    @property
    def hit(self) -> bool:
        return self.match is not None

    @property
    def doc_id(self) -> str | None:
        return self.answer.doc_id if self.answer else None

    def to_dict(self, embedding_head: int = 8) -> dict[str, Any]:
        """JSON-ready, with the embedding cut to its first ``embedding_head`` values."""
        data = asdict(self)
        data["hit"] = self.hit
        data["doc_id"] = self.doc_id
        data["response"] = self.answer.response if self.answer else None
        if self.probe is not None:  # the withheld answer is not the caller's: say which entry, not what it says
            del data["probe"]["cached_response"]
        if self.embedding is not None:
            data["embedding"] = [round(x, 5) for x in self.embedding[:embedding_head]]
            data["embedding_dimension"] = len(self.embedding)
        return data


@dataclass(frozen=True)
class SearchHit:
    """An entry found by an admin search, nearest first."""

    doc_id: str
    prompt: str
    response: str
    tenant: str
    model: str
    similarity: float


@dataclass(frozen=True)
class CacheStats:
    entries: int
    index_name: str
    dimension: int
    algorithm: str
    vector_index_mb: float
    used_memory_bytes: int
    counters: dict[str, int]
    embedding_cache: dict[str, int]
    indexing: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SemanticCache:
    """Exact + semantic answer cache on one Redis index. Async; safe to share within one event loop."""

    def __init__(
        self,
        redis: Redis,
        embedder: Embedder,
        spec: idx.IndexSpec,
        *,
        threshold: float = 0.9,
        default_ttl: int | None = None,
        ttl_refresh_on_hit: bool = False,
        max_prompt_chars: int = 32_000,
        guards: GuardSet | None = None,
        decision: Decision | None = None,
        candidates: int = 3,
        max_wrong_rate: float | None = None,
        seed: int | None = None,
    ) -> None:
        self.redis = redis
        self.embedder = embedder
        self.spec = spec
        self.keys: KeySpace = spec.keys
        self.threshold = validate.threshold(threshold)
        self.default_ttl = validate.ttl(default_ttl)
        self.ttl_refresh_on_hit = ttl_refresh_on_hit
        self.max_prompt_chars = max_prompt_chars
        self.guards = guards
        self.decision = decision
        self.candidates = candidates
        self.max_wrong_rate = None if max_wrong_rate is None else bounded.check_bound(max_wrong_rate)
        self.feedback = FeedbackStore(redis, self.keys)
        self._random = random.Random(seed)  # audits are drawn at random; a seed makes a replay repeatable
        self._background: set[asyncio.Task[Any]] = set()
        self._pending_counts: Counter[str] = Counter()
        self._counts_flush: asyncio.Task[None] | None = None

    # --- set-up ---------------------------------------------------------------------------------------

    async def setup(self) -> None:
        """Check the server has the Query Engine; create or check the index."""
        async with self._redis_errors():
            await idx.check_query_engine(self.redis)
            await idx.ensure_index(self.redis, self.spec)

    # --- the request path -----------------------------------------------------------------------------

    async def lookup(self, prompt: str, scope: Scope, *, threshold: float | None = None) -> LookupResult:
        """Find a stored answer for ``prompt`` in ``scope``: exact first, then semantic behind the guards."""
        with tracing.span("cache.lookup", scope=scope.id, tenant=scope.tenant) as span:
            result = await self._lookup(prompt, scope, threshold=threshold)
            tracing.set_attributes(
                span, match=result.match or "miss", similarity=result.similarity, threshold=result.threshold
            )
            return result

    async def _lookup(self, prompt: str, scope: Scope, *, threshold: float | None) -> LookupResult:
        started = time.perf_counter()
        prompt = validate.prompt(prompt, self.max_prompt_chars)
        used_threshold = self.threshold if threshold is None else validate.threshold(threshold)
        text = normalise(prompt)
        # With a wrong-hit bound the policy may learn to serve below the static threshold: look from its floor.
        considered = used_threshold if self.max_wrong_rate is None else min(used_threshold, bounded.FLOOR)
        result = LookupResult(match=None, threshold=considered, scope_id=scope.id)
        cached_embedder = self.embedder if isinstance(self.embedder, CachedEmbedder) else None
        async with self._redis_errors():
            key = self.keys.entry(scope, text)
            with tracing.span("cache.exact") as span:
                # One round trip: the entry, and (for the semantic path, if it comes to that) the stored vector.
                async with self.redis.pipeline(transaction=False) as pipe:
                    pipe.hmget(key, list(idx.ENTRY_FIELDS))
                    if cached_embedder is not None:
                        pipe.get(cached_embedder.key_for(text))
                    replies = await pipe.execute()
                fields = replies[0]
                hit = fields[1] is not None
                tracing.set_attributes(span, match="exact" if hit else "miss", similarity=1.0 if hit else None)
            result.timings_ms["exact"] = _ms_since(started)
            if fields[1] is not None:  # the response
                result.match = "exact"
                result.similarity, result.distance = 1.0, 0.0
                result.answer = CachedAnswer.from_fields(key, _decode_fields(idx.ENTRY_FIELDS, fields))
                self._after_hit(result)
                result.timings_ms["total"] = _ms_since(started)
                return result

            stage = time.perf_counter()
            with tracing.span("cache.embed", model=self.embedder.model_name):
                if cached_embedder is None:
                    vector = (await self.embedder.embed([text]))[0]
                else:
                    stored = cached_embedder.from_stored(replies[1])
                    vector = (stored if stored is not None else await cached_embedder.embed_fresh([text]))[0]
            result.timings_ms["embed"] = _ms_since(stage)
            result.embedding = vector.tolist()

            stage = time.perf_counter()
            query = idx.knn_query(vector.tobytes(), k=self.candidates, filter_expression=idx.scope_filter(scope.id))
            with tracing.span("cache.knn", index=self.spec.name, k=self.candidates) as span:
                rows = await idx.run_knn(self.redis, self.spec.name, query)
                tracing.set_attributes(span, candidates=len(rows))
            result.timings_ms["knn"] = _ms_since(stage)
            result.query = idx.query_as_json(query, self.spec.name)
            stage = time.perf_counter()
            rows, observations, histogram = await self._feedback_state(result, vector, rows)
            result.timings_ms["feedback"] = _ms_since(stage)

        stage = time.perf_counter()
        judge = "decision" if self.decision is not None else "guards"
        with tracing.span(f"cache.{judge}") as span:
            self._choose(result, prompt, rows)
            result.candidates.sort(key=lambda candidate: -candidate.similarity)
            if result.match == "semantic" and histogram is not None:
                self._bound(result, vector, used_threshold, observations, histogram)
            tracing.set_attributes(
                span,
                match=result.match or "miss",
                similarity=result.similarity,
                rejected_by=result.rejected_by,
                score=result.score,
            )
        result.timings_ms[judge] = _ms_since(stage)
        if result.hit:
            self._after_hit(result)
        else:
            self._count("misses", "guard_rejections" if result.rejected_by else None)
        result.timings_ms["total"] = _ms_since(started)
        return result

    def _choose(self, result: LookupResult, prompt: str, rows: list[tuple[str, dict[str, str]]]) -> None:
        if self.decision is not None:
            self._decide(self.decision, result, prompt, rows)
            return
        for doc_id, fields in rows:
            distance = float(fields.get(idx.DISTANCE_FIELD, "2"))
            similarity = 1.0 - distance
            cached_prompt = fields.get("prompt", "")
            if result.hit:
                result.candidates.append(Candidate(doc_id, cached_prompt, similarity, "not_needed"))
                continue
            if similarity < result.threshold:
                result.candidates.append(Candidate(doc_id, cached_prompt, similarity, "below_threshold"))
                if result.similarity is None:
                    result.similarity, result.distance = similarity, distance
                continue
            verdict: GuardVerdict | None = (
                self.guards.first_rejection(prompt, cached_prompt, similarity) if self.guards is not None else None
            )
            if verdict is not None:
                result.candidates.append(
                    Candidate(doc_id, cached_prompt, similarity, "rejected_by_guard", verdict.guard, verdict.reason)
                )
                if result.rejected_by is None:
                    result.rejected_by, result.rejection_reason = verdict.guard, verdict.reason
                    result.similarity, result.distance = similarity, distance
                continue
            result.candidates.append(Candidate(doc_id, cached_prompt, similarity, "served"))
            result.match = "semantic"
            result.similarity, result.distance = similarity, distance
            result.answer = CachedAnswer.from_fields(doc_id, fields)

    async def _feedback_state(
        self, result: LookupResult, vector: np.ndarray, rows: list[tuple[str, dict[str, str]]]
    ) -> tuple[list[tuple[str, dict[str, str]]], dict[str, list[bounded.Observation]], bounded.Histogram | None]:
        """Drop the candidates a recorded negative refuses (``rejected_by: "feedback"``); read the evidence the
        error-bounded policy needs. One round trip, and none when no candidate reaches the threshold."""
        similarities = [1.0 - float(fields.get(idx.DISTANCE_FIELD, "2")) for _, fields in rows]
        eligible = [doc_id for (doc_id, _), sim in zip(rows, similarities, strict=True) if sim >= result.threshold]
        if not eligible:
            return rows, {}, None
        observations, histogram = await self.feedback.state(eligible, histogram=self.max_wrong_rate is not None)
        kept = []
        for (doc_id, fields), similarity in zip(rows, similarities, strict=True):
            negative = bounded.refusing_negative(vector, similarity, observations.get(doc_id, ()))
            if negative is None:
                kept.append((doc_id, fields))
                continue
            reason = (
                f"a look-alike of a query labelled wrong for this entry (that query was {negative.similarity:.3f} "
                "similar to the entry; this one is at least as close to it)"
            )
            result.candidates.append(
                Candidate(doc_id, fields.get("prompt", ""), similarity, "rejected_by_feedback", "feedback", reason)
            )
            self._count("feedback_rejections")
            if result.rejected_by is None:
                result.rejected_by, result.rejection_reason = "feedback", reason
                result.similarity, result.distance = similarity, 1.0 - similarity
        return kept, observations, histogram

    def _bound(
        self,
        result: LookupResult,
        vector: np.ndarray,
        static_threshold: float,
        observations: dict[str, list[bounded.Observation]],
        histogram: bounded.Histogram,
    ) -> None:
        """Serve the chosen candidate only where the wrong-hit bound holds; otherwise withhold it as a probe."""
        assert result.answer is not None and result.similarity is not None and self.max_wrong_rate is not None
        answer, similarity = result.answer, result.similarity
        decision = bounded.decide(
            similarity,
            static_threshold=static_threshold,
            bound=self.max_wrong_rate,
            histogram=histogram,
            is_verified=bounded.verified(vector, observations.get(answer.doc_id, ())),
            draw=self._random.random(),
        )
        result.bound = {
            "max_wrong_rate": self.max_wrong_rate,
            "action": decision.action,
            "reason": decision.reason,
            "served_from": decision.served_from,
            "static_threshold": static_threshold,
            "audit": decision.audit,
        }
        if decision.action == "serve":
            return
        exploration = decision.action == "explore"
        result.probe = Probe(answer.doc_id, similarity, exploration, answer.response)
        result.candidates = [replace(c, outcome="withheld") if c.outcome == "served" else c for c in result.candidates]
        result.match, result.answer = None, None
        result.rejected_by, result.rejection_reason = "bound", decision.reason
        self._count("audits" if decision.audit else None, "explorations" if exploration else None)

    async def label(
        self, doc_id: str, vector: Sequence[float] | np.ndarray, similarity: float, right: bool, source: LabelSource
    ) -> None:
        """Record that ``doc_id``'s answer was right or wrong for the query with this embedding."""
        query = validate.vector(vector, self.embedder.dimension)
        async with self._redis_errors():
            await self.feedback.observe(doc_id, bounded.Observation(right, similarity, query), source)

    async def label_by_answers(self, probe: Probe, vector: Sequence[float], fresh_response: str) -> bool:
        """Label a probe offline: the fresh answer's embedding against the cached one's
        (right iff cosine >= ``bounded.ANSWERS_AGREE``). Returns the label."""
        cached, fresh = await self.embedder.embed([probe.cached_response[:4000], fresh_response[:4000]])
        right = bounded.answers_agree(cached, fresh)
        await self.label(probe.doc_id, vector, probe.similarity, right, "answer")
        return right

    def remember_served(self, request_id: str | None, result: LookupResult, tenant: str, prompt: str) -> None:
        """Remember (in the background, briefly) which entry a request was served, so feedback may name it."""
        if request_id is None or result.answer is None:
            return
        served = Served(request_id, result.answer.doc_id, tenant, prompt, result.similarity or 1.0)
        self._in_background(self.feedback.remember_served(served))

    def _decide(
        self, decision: Decision, result: LookupResult, prompt: str, rows: list[tuple[str, dict[str, str]]]
    ) -> None:
        """Judge every candidate at or above the similarity floor; serve the best-scoring one that passes."""
        result.decision_threshold = decision.threshold
        judged: list[tuple[int, Judgement]] = []
        for n, (doc_id, fields) in enumerate(rows):
            similarity = 1.0 - float(fields.get(idx.DISTANCE_FIELD, "2"))
            cached_prompt = fields.get("prompt", "")
            if similarity < result.threshold:
                result.candidates.append(Candidate(doc_id, cached_prompt, similarity, "below_threshold"))
                continue
            judgement = decision.judge(prompt, cached_prompt, similarity)
            judged.append((n, judgement))
            outcome: Literal["served", "rejected_by_guard", "rejected_by_decision"] = (
                "served" if judgement.served else "rejected_by_guard" if judgement.veto else "rejected_by_decision"
            )
            result.candidates.append(
                Candidate(
                    doc_id, cached_prompt, similarity, outcome, judgement.rejected_by, judgement.reason, judgement.score
                )
            )
        if not judged:
            if result.candidates:  # the nearest, to say how far the miss was
                result.similarity = result.candidates[0].similarity
                result.distance = 1.0 - result.similarity
            return
        passing = [item for item in judged if item[1].served]
        # The one to report: the best that passes, else the best judged (a veto ranks below any score).
        chosen, judgement = max(passing or judged, key=lambda item: (item[1].veto is None, item[1].score))
        for n, _ in passing:
            if n != chosen:
                result.candidates[n] = replace(result.candidates[n], outcome="not_needed")
        result.similarity = result.candidates[chosen].similarity
        result.distance = 1.0 - result.similarity
        result.score = judgement.score
        result.top_features = [c.to_dict() for c in judgement.top]
        if judgement.served:
            doc_id, fields = rows[chosen]
            result.match = "semantic"
            result.answer = CachedAnswer.from_fields(doc_id, fields)
        else:
            result.rejected_by, result.rejection_reason = judgement.rejected_by, judgement.reason

    def _after_hit(self, result: LookupResult) -> None:
        self._count("exact_hits" if result.match == "exact" else "semantic_hits")
        if self.ttl_refresh_on_hit and result.answer is not None:
            self._in_background(self._refresh_ttl(result.answer.doc_id))

    async def _refresh_ttl(self, doc_id: str) -> None:
        ttl = await self.redis.hget(doc_id, "ttl")
        if ttl and int(ttl) > 0:
            await self.redis.expire(doc_id, int(ttl))

    async def store(
        self,
        prompt: str,
        response: str,
        scope: Scope,
        *,
        ttl: int | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        vector: Sequence[float] | np.ndarray | None = None,
    ) -> str:
        """Store an answer; returns its document id. The write is one MULTI/EXEC: all of it or nothing."""
        prompt = validate.prompt(prompt, self.max_prompt_chars)
        response = validate.response(response)
        ttl = validate.ttl(ttl) or self.default_ttl
        validate.token_count(prompt_tokens, "prompt_tokens")
        validate.token_count(completion_tokens, "completion_tokens")
        text = normalise(prompt)
        async with self._redis_errors():
            if vector is None:
                embedding = (await self.embedder.embed([text]))[0]
            else:
                embedding = validate.vector(vector, self.embedder.dimension)
            key = self.keys.entry(scope, text)
            mapping: dict[str, str | bytes | int | float] = {
                "prompt": prompt,
                "response": response,
                "model": scope.model,
                "tenant": scope.tenant,
                idx.TENANT_FIELD: idx.tenant_tag(scope.tenant),
                "scope": scope.id,
                "system_hash": scope.system_hash,
                "history_hash": scope.history_hash,
                "created_at": time.time(),
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "ttl": ttl or 0,
                idx.VECTOR_FIELD: embedding.astype(np.float32).tobytes(),
            }
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.delete(key)  # an overwrite must not keep fields (or a TTL) of the old entry
                pipe.delete(self.keys.observations(key))  # nor the labels of the old answer
                pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
                if ttl:
                    pipe.expire(key, ttl)
                pipe.hincrby(self.keys.stats_key, "stores", 1)
                await pipe.execute()
        return key

    # --- admin ----------------------------------------------------------------------------------------

    async def search(
        self,
        *,
        text: str | None = None,
        vector: Sequence[float] | np.ndarray | None = None,
        top_k: int = 5,
        threshold: float | None = None,
        tenant: str | None = None,
        scope: Scope | None = None,
    ) -> list[SearchHit]:
        """Nearest entries to a text or a vector, optionally within a tenant or a scope."""
        if (text is None) == (vector is None):
            raise validate.InvalidInput("give exactly one of 'text' or 'vector'")
        top_k = validate.top_k(top_k)
        minimum = 0.0 if threshold is None else validate.threshold(threshold)
        async with self._redis_errors():
            if text is not None:
                query_vector = (await self.embedder.embed([normalise(validate.prompt(text, self.max_prompt_chars))]))[0]
            else:
                assert vector is not None
                query_vector = validate.vector(vector, self.embedder.dimension)
            filters: FilterExpression | None = None
            if scope is not None:
                filters = idx.scope_filter(scope.id)
            elif tenant is not None:
                filters = idx.tenant_filter(validate.label(tenant, "tenant"))
            query = idx.knn_query(query_vector.astype(np.float32).tobytes(), k=top_k, filter_expression=filters)
            rows = await idx.run_knn(self.redis, self.spec.name, query)
        hits = []
        for doc_id, fields in rows:
            similarity = 1.0 - float(fields.get(idx.DISTANCE_FIELD, "2"))
            if similarity >= minimum:
                hits.append(
                    SearchHit(
                        doc_id=doc_id,
                        prompt=fields.get("prompt", ""),
                        response=fields.get("response", ""),
                        tenant=fields.get("tenant", ""),
                        model=fields.get("model", ""),
                        similarity=similarity,
                    )
                )
        return hits

    async def stats(self) -> CacheStats:
        """Entries, index and memory sizes, hit/miss counters."""
        await self._flush_counts()
        async with self._redis_errors():
            info = await idx.index_info(self.redis, self.spec.name) or {}
            memory = await self.redis.info("memory")
            counters = await self.redis.hmget(self.keys.stats_key, list(_STAT_FIELDS))
        embedding_cache = {
            "hits": int(getattr(self.embedder, "hits", 0)),
            "misses": int(getattr(self.embedder, "misses", 0)),
        }
        return CacheStats(
            entries=int(info.get("num_docs", 0)),
            index_name=self.spec.name,
            dimension=self.spec.dimension,
            algorithm=self.spec.algorithm,
            vector_index_mb=float(info.get("vector_index_sz_mb", 0) or 0),
            used_memory_bytes=int(memory.get("used_memory", 0)),
            counters={name: int(value or 0) for name, value in zip(_STAT_FIELDS, counters, strict=True)},
            embedding_cache=embedding_cache,
            indexing=bool(int(info.get("indexing", 0) or 0)),
        )

    async def clear(
        self, *, tenant: str | None = None, scope: Scope | None = None, prompt_pattern: str | None = None
    ) -> int:
        """Delete entries: all of them, one tenant's, one scope's, or those whose prompt matches a glob
        pattern (``*``, ``?``, ``[...]``, case-insensitive). Returns how many were deleted.

        Only keys under this index's entry prefix are ever deleted, whatever the pattern says.
        """
        if prompt_pattern is not None:
            return await self._clear_matching(validate.label(prompt_pattern, "pattern"))
        filters: FilterExpression | None = None
        if scope is not None:
            filters = idx.scope_filter(scope.id)
        elif tenant is not None:
            filters = idx.tenant_filter(validate.label(tenant, "tenant"))
        deleted = 0
        async with self._redis_errors():
            if filters is None:
                async for batch in self._scan_entries():
                    deleted += await self.redis.unlink(*batch)
                await self.redis.delete(self.keys.stats_key, self.keys.evidence_key)
                async for raw in self.redis.scan_iter(match=self.keys.observations_prefix + "*", count=1000):
                    await self.redis.unlink(raw)  # the labels of the entries just deleted
                return deleted
            while True:
                reply = await self.redis.execute_command(
                    "FT.SEARCH", self.spec.name, str(filters), "NOCONTENT", "LIMIT", 0, 500, "DIALECT", 2
                )
                keys = [k for k in (_as_text(k) for k in reply[1:]) if self.keys.is_entry_key(k)]
                if not keys:
                    return deleted
                deleted += await self.redis.unlink(*keys)

    async def delete(self, doc_id: str) -> bool:
        """Delete one entry by its document id (what ``store`` returned); False when there is no such entry.

        Only a key under this index's entry prefix is accepted, so an id can never name another key.
        """
        if not isinstance(doc_id, str) or not self.keys.is_entry_key(doc_id):
            raise validate.InvalidInput(
                f"{doc_id!r} is not an entry id of index {self.spec.name!r} "
                f"(expected {self.keys.entry_prefix}<64 hex digits>)"
            )
        async with self._redis_errors():
            return bool(await self.redis.unlink(doc_id))

    async def _clear_matching(self, pattern: str) -> int:
        def fold(text: str) -> str:  # case and spacing don't matter; punctuation (the glob's own) does
            return " ".join(text.casefold().split())

        matcher = re.compile(fnmatch.translate(fold(pattern)))
        deleted = 0
        async with self._redis_errors():
            async for batch in self._scan_entries():
                prompts = await asyncio.gather(*(self.redis.hget(key, "prompt") for key in batch))
                doomed = [k for k, p in zip(batch, prompts, strict=True) if p and matcher.match(fold(_as_text(p)))]
                if doomed:
                    deleted += await self.redis.unlink(*doomed)
        return deleted

    async def rebuild(self, *, drop_entries: bool = False) -> None:
        """Drop and re-create the index; entries are kept (and re-indexed, migrated to the index's current
        fields) unless ``drop_entries``."""
        async with self._redis_errors():
            await idx.drop_index(self.redis, self.spec.name, delete_entries=drop_entries)
            if not drop_entries:
                async for batch in self._scan_entries():
                    await idx.write_tenant_tags(self.redis, batch)
            await idx.ensure_index(self.redis, self.spec)

    async def close(self) -> None:
        """Write pending counters, wait for background writes (TTL refreshes, embeddings), then close."""
        if self._counts_flush is not None:
            self._counts_flush.cancel()
        await self._flush_counts()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        flush = getattr(self.embedder, "flush", None)
        if flush is not None:
            await flush()
        await self.redis.aclose()

    # --- helpers --------------------------------------------------------------------------------------

    async def _scan_entries(self) -> AsyncIterator[list[str]]:
        batch: list[str] = []
        async for raw in self.redis.scan_iter(match=self.keys.entry_prefix + "*", count=1000):
            key = _as_text(raw)
            if self.keys.is_entry_key(key):
                batch.append(key)
            if len(batch) >= 500:
                yield batch
                batch = []
        if batch:
            yield batch

    def _count(self, *names: str | None) -> None:
        """Add to the hit/miss counters in process; they reach Redis in one write per COUNTS_FLUSH_S, not one
        per lookup (a round trip saved on every request)."""
        self._pending_counts.update(name for name in names if name)
        if self._counts_flush is None or self._counts_flush.done():
            self._counts_flush = asyncio.create_task(self._flush_counts_soon())

    async def _flush_counts_soon(self) -> None:
        await asyncio.sleep(COUNTS_FLUSH_S)
        await self._flush_counts()

    async def _flush_counts(self) -> None:
        pending, self._pending_counts = self._pending_counts, Counter()
        if not pending:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for name, amount in pending.items():
                    pipe.hincrby(self.keys.stats_key, name, amount)
                await pipe.execute()
        except (RedisError, OSError):
            pass  # counters are statistics: losing a second's worth while Redis is away is acceptable

    def _in_background(self, coroutine: Any) -> None:
        """Fire-and-forget work that must not slow down or fail the lookup."""
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved, so a lost counter update is not logged as an unhandled error

    @contextlib.asynccontextmanager
    async def _redis_errors(self) -> AsyncIterator[None]:
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise RedisUnavailable(f"Redis is unreachable: {exc}") from exc


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def _as_text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _decode_fields(names: Sequence[str], values: Sequence[Any]) -> dict[str, str]:
    return {name: _as_text(value) for name, value in zip(names, values, strict=True) if value is not None}
