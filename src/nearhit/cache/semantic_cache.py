"""The engine's request path: a two-tier (exact, then semantic) cache of LLM answers, scoped, on Redis.

A lookup first reads the entry key made of scope + normalised prompt (one round trip, no embedding; none for a key
this process knows absent, with ``exact_presence``: :mod:`nearhit.cache.near`). On a miss it embeds the normalised
prompt (through the embedding store) and runs a KNN query restricted to the caller's scope; candidates a user's
"wrong" verdict refuses are dropped first (``cache.feedback``, ``cache.bounded``). The rest at or above the
similarity threshold (a floor) are judged (``cache.choose``): by the calibrated decision when it is on
(``nearhit.decision``, the default), else by the guards' vetoes. With a wrong-hit bound the chosen one is served
only where the bound is proven, else withheld as a :class:`Probe` to learn from. Every lookup returns a
:class:`LookupResult` that says what happened and why; a miss's answer is then stored with the vector the lookup
computed (:class:`Lookup`). A conversation's lookup embeds its earlier turns in the same embedder call and keeps
only candidates whose earlier turns are the same context (:mod:`nearhit.cache.conversation`); on a miss, those
refused by their turns are compared again without the chatter one side alone says (:mod:`nearhit.cache.turns`).
Administration: :mod:`nearhit.cache.admin`.
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import OutOfMemoryError, ResponseError

from nearhit import tracing, validate
from nearhit.cache import (
    bounded,
    choose,
    clear_counts,
    context_match,
    conversation,
    conversation_lookup,
    entry,
    judge,
    learned_add,
    negatives,
    referent,
    standalone,
    strict,
    turn_reading,
    verified,
)
from nearhit.cache import index as idx
from nearhit.cache import turns as turns_apart
from nearhit.cache.admin import CLEAR_INDEXING_TIMEOUT_S, CacheAdmin
from nearhit.cache.client import RedisClient, reads, unlink_each, wrong_type
from nearhit.cache.conversation import Context
from nearhit.cache.embedding_store import DEFAULT_TTL_S
from nearhit.cache.exploration_budget import ExplorationBudget
from nearhit.cache.feedback import SERVED_FLUSH_S, FeedbackStore, LabelSource, Served
from nearhit.cache.keys import Scope, normalise
from nearhit.cache.lookup import Lookup
from nearhit.cache.other_language import OtherLanguage
from nearhit.cache.prior import PriorFor, no_prior
from nearhit.cache.results import CachedAnswer, LookupResult, Margin, Probe
from nearhit.config import PRESENCE_KEYS
from nearhit.embeddings.base import Embedder
from nearhit.errors import StoreCleared
from nearhit.redis_full import redis_full

if TYPE_CHECKING:
    from nearhit.cache.judge import ConversationJudge
    from nearhit.decision import Decision
    from nearhit.guards import GuardSet
    from nearhit.llm.rewrite import Rewriter
    from nearhit.llm.verify import Verifier

_EXACT_FIELDS = tuple(name.encode() for name in (*entry.ANSWER, "ttl"))
"""What the exact read asks of an entry, as bytes: redis-py packs bytes as they are, text it encodes per call."""
_HAND_OVER_TURNS = 3
"""Turns of the event loop an embedding takes to reach the model's thread and start the model (measured in the
eighth session, when the batcher still ran a task of its own between; an idle batcher now hands the texts over at
the embedding task's first turn): run earlier, the guards' work would hold the GIL the thread needs to start."""

READ_AHEAD_CHARS = 1_000
"""The longest prompt the judge reads before its candidates are known (while its embedding runs or Redis searches):
a longer one is read as before, when a candidate is judged, so a lookup that judges none does not hold the event
loop for its reading (~0.4 ms of CPU for 100 characters, ~1.1 for 500, ~4.4 for 2,000 at load ~18)."""

OFF_LOOP_CHARS = 4_000
"""A single question's judgement where its prompt or a candidate's is longer than this runs in a thread: the
guards on a 32,000-character repetitive prompt took 0.3-2 s of CPU (load 20), which on the event loop held every
other request and ``/health``. The bundled sets' prompts are far shorter (their judgements stay on the loop)."""
_LONG_JUDGEMENTS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nearhit-long-judgement")
"""One thread of their own: the GIL runs one at a time anyway, and the default pool's threads stay the embedder's."""
_READ_AHEAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nearhit-read-ahead")
"""Where a chat's next turn is read ahead after a store (:meth:`SemanticCache._read_next_turn`): a long chat's took
30-70 ms (fow-cache's 42-turn chats, load 7-10), which on the event loop would hold every other request meanwhile."""

Refusal = tuple[str, str]
"""Why a caller will not take a stored answer: (``rejected_by``, the reason in words)."""
Accept = Callable[[CachedAnswer], Refusal | None]
"""The caller's own conditions on a hit (an entry's age, its length): None takes it, a refusal makes it a miss."""


class FirstLook:
    """A lookup's first look (:meth:`SemanticCache.first_look`) and, while :attr:`pending`, the second chances of
    the conversation it missed, still to run. ``result`` is final (counted) unless pending; :meth:`finish` runs
    the rest and settles it, once."""

    def __init__(self, result: LookupResult, rest: Callable[[], Awaitable[LookupResult]] | None = None) -> None:
        self.result = result
        self._rest = rest

    @property
    def pending(self) -> bool:
        """Whether second chances remain (the first look missed a conversation that has some)."""
        return self._rest is not None

    async def finish(self) -> LookupResult:
        """The final result: the second chances run, the result settled. Only while pending: a result is counted
        once (a second call, or one for a settled look, is a bug and raises)."""
        rest, self._rest = self._rest, None
        if rest is None:
            raise RuntimeError("this lookup has no second chances left to run: its result is settled")
        return await rest()


@dataclass(frozen=True)
class _SecondChances:
    """What the second chances read of the first look (:meth:`SemanticCache._second_chances`)."""

    rows: choose.Rows  # the candidates the context kept
    found: choose.Rows  # the KNN's rows, those the context refused included
    margins: dict[str, tuple[Margin, float]]
    contexts: dict[str, dict[str, object]]
    spec: idx.IndexSpec
    labelled: bool
    margins_in_force: choose.Margins
    twinned: bool
    later: choose.Rows  # the KNN's rows too far to serve at the first look: their turns not judged yet


class SemanticCache(CacheAdmin):
    """Exact + semantic answer cache on one Redis index. Async; safe to share within one event loop."""

    def __init__(
        self,
        redis: RedisClient,
        embedder: Embedder,
        spec: idx.IndexSpec,
        *,
        threshold: float = 0.9,
        default_ttl: int | None = None,
        ttl_refresh_on_hit: bool = False,
        max_prompt_chars: int = 32_000,
        clear_indexing_timeout: float = CLEAR_INDEXING_TIMEOUT_S,
        guards: GuardSet | None = None,
        decision: Decision | None = None,
        candidates: int = 3,
        max_wrong_rate: float | None = None,
        max_exploration_rate: float | None = None,
        prior: PriorFor = no_prior,
        seed: int | None = None,
        embedding_ttl: int = DEFAULT_TTL_S,
        near_entries: int = 0,
        exact_presence: bool = False,
        exact_presence_keys: int = PRESENCE_KEYS,
        rewriter: Rewriter | None = None,
        verifier: Verifier | None = None,
        prepare_while_embedding: bool = False,
        read_during_knn: bool = False,
        fitted_margins: bool = True,
        given_threshold_margins: choose.Margins = choose.NO_MARGINS,
        other_language: OtherLanguage | None = None,
        conversation_strict: bool = False,
        read_stored_turns: bool = True,
        read_next_turn: bool = True,
        conversation_judge: ConversationJudge | None = None,
    ) -> None:
        super().__init__(
            redis,
            embedder,
            spec,
            embedding_ttl=embedding_ttl,
            near_entries=near_entries,
            exact_presence=exact_presence,
            exact_presence_keys=exact_presence_keys,
        )
        self.threshold = validate.threshold(threshold)
        self.default_ttl = validate.ttl(default_ttl)
        self.ttl_refresh_on_hit = ttl_refresh_on_hit
        self.max_prompt_chars = max_prompt_chars
        self.clear_indexing_timeout = clear_indexing_timeout
        self.guards = guards
        self.decision = decision
        self.candidates = candidates
        self.max_wrong_rate = None if max_wrong_rate is None else bounded.check_bound(max_wrong_rate)
        # At most this share of any 100 lookups explored under the bound; past it the static decision serves.
        self.exploration_budget = None if max_exploration_rate is None else ExplorationBudget(max_exploration_rate)
        self.prior = prior  # the evidence the bound starts from, for the judge the cache runs (cache.prior)
        self.feedback = FeedbackStore(redis, self.keys)
        self._random = random.Random(seed)  # audits are drawn at random; a seed makes a replay repeatable
        self.rewriter = rewriter  # a conversation that missed, rewritten to stand alone (cache.standalone)
        self.verifier = verifier  # a conversation's semantic hit confirmed by a model first (cache.verified)
        # The guards' work on the prompt alone done while its embedding runs (``_compute_meanwhile``).
        self.prepare_while_embedding = prepare_while_embedding
        # Else while Redis runs the KNN (``_read_ahead``); off (the default), the judge reads it after, as before.
        self.read_during_knn = read_during_knn
        # The margins fitted under the default threshold (a conversation's, the decision's: results.Margin);
        # off under a threshold the user set (``Settings.fitted_margins``), so nothing is served under it.
        self.fitted_margins = fitted_margins
        # A threshold passed to one lookup is a floor, as one set in the settings is: only the margins the user
        # set too (``NEARHIT_GUARDS_QUIET_MARGIN``, ``NEARHIT_FITTED_MARGINS``) go under it.
        self.given_threshold_margins = given_threshold_margins
        # A question in another language the guards read: its candidates' similarity also by the multilingual
        # cosine (cache.other_language), under the decision only, for a single question without a bound.
        self.other_language = other_language
        # A stored conversation's turns read in the background after its store (conversation.read_side), so the
        # first lookup that compares them finds their readings kept in this process; off, that lookup reads them.
        self.read_stored_turns = read_stored_turns
        # The turns a chat's next lookup will send (these and the exchange stored: conversation.next_turn) read in
        # the background after a store too, and its embedder's input worked out: that lookup's own side found read.
        self.read_next_turn = read_next_turn
        # A conversation's semantic hit refused whenever one side's user turns say something the other's do not
        # (``NEARHIT_CONVERSATION_STRICT``, cache.strict): read where a hit is settled, whichever stage served it.
        self.conversation_strict = conversation_strict
        # A trained cross-encoder asked about a conversation's nearest rows when its lookup and second chances
        # served nothing (``NEARHIT_CONVERSATION_JUDGE``, cache.judge; None: off); before the rewrite model's call.
        self.conversation_judge = conversation_judge

    def prepare(self, prompt: str | Lookup, scope: Scope | None = None) -> Lookup:
        """``prompt`` in ``scope`` as a :class:`Lookup` (checked and normalised), or the one given as is."""
        if isinstance(prompt, Lookup):
            return prompt
        if scope is None:
            raise TypeError("a prompt needs its scope (or pass a Lookup)")
        return Lookup.of(prompt, scope, self.max_prompt_chars)

    async def lookup(
        self,
        prompt: str | Lookup,
        scope: Scope | None = None,
        *,
        threshold: float | None = None,
        accept: Accept | None = None,
        vector: Sequence[float] | np.ndarray | None = None,
    ) -> LookupResult:
        """Find a stored answer for ``prompt`` in ``scope``: exact first, then semantic behind the guards.

        Given a :class:`Lookup`, the prompt is not checked or normalised again, and the lookup leaves its
        embedding there (``vector``) for the store that follows a miss. ``accept`` is the caller's own test of
        the answer found: one it refuses is a miss (with its ``rejected_by``), counted as a miss, not a hit.

        ``threshold``: this lookup's, instead of the cache's; a floor, as ``SEMANTIC_SIMILARITY_THRESHOLD`` set is
        (nothing under it served but by the margins the user set too: :meth:`margins`).

        ``vector``: a single question's embedding by this cache's model, when the caller has it (as :meth:`store`
        takes one; RedisVL's ``check(vector=...)``): nothing is embedded or read from the embedding store, and
        the KNN query goes in the exact read's round trip (:meth:`_read_exact`). A :class:`Lookup` whose
        ``vector`` (and context's, for a conversation) a lookup computed before is looked up the same way."""
        query = self.prepare(prompt, scope)
        if vector is not None:
            if query.context is not None:  # its context is embedded with it, in one call: no half to give
                raise TypeError("a vector is given for a single question, not for a conversation")
            query.vector = validate.vector(vector, self.embedder.dimension)
        with tracing.span("cache.lookup", scope=query.scope.id, tenant=query.scope.tenant) as span:
            first = await self._first_look(query, threshold=threshold, accept=accept)
            result = await first.finish() if first.pending else first.result
            tracing.set_attributes(
                span, match=result.match or "miss", similarity=result.similarity, threshold=result.threshold
            )
            return result

    async def first_look(
        self,
        prompt: str | Lookup,
        scope: Scope | None = None,
        *,
        threshold: float | None = None,
        accept: Accept | None = None,
    ) -> FirstLook:
        """:meth:`lookup` up to its second chances: the exact read, the KNN, the judgement. A conversation it
        missed that still has second chances comes back :attr:`FirstLook.pending` (its result not yet counted),
        for the caller to run them with :meth:`FirstLook.finish` beside something else (the service: the LLM call
        its miss would start, ``NEARHIT_SECOND_CHANCES_BESIDE_LLM``); ``lookup`` is the two, one after the other."""
        query = self.prepare(prompt, scope)
        with tracing.span("cache.lookup", scope=query.scope.id, tenant=query.scope.tenant) as span:
            first = await self._first_look(query, threshold=threshold, accept=accept)
            result = first.result
            tracing.set_attributes(
                span,
                match=result.match or "miss",
                similarity=result.similarity,
                threshold=result.threshold,
                second_chances=first.pending,
            )
            return first

    def margins(self, threshold: float | None = None) -> choose.Margins:
        """The margins under the threshold of a lookup at the cache's own threshold (None): its quiet band and
        fitted margins; at one given to the lookup, only those the user set (``given_threshold_margins``)."""
        if threshold is not None:
            return self.given_threshold_margins
        return choose.Margins(self.guards.quiet_margin if self.guards is not None else 0.0, self.fitted_margins)

    async def _first_look(self, query: Lookup, *, threshold: float | None, accept: Accept | None) -> FirstLook:
        started = time.perf_counter()
        if self.exploration_budget is not None:
            self.exploration_budget.tick()
        margins_in_force = self.margins(threshold)
        used_threshold = self.threshold if threshold is None else validate.threshold(threshold)
        # With a wrong-hit bound the policy may learn to serve below the static threshold: look from its floor.
        considered = used_threshold if self.max_wrong_rate is None else min(used_threshold, bounded.FLOOR)
        result = LookupResult(match=None, threshold=considered, scope_id=query.scope.id)
        async with self._redis_errors():
            spec = await self._index_for(query.scope.tenant)
            key = self.keys.entry(query.scope, query.text)
            # The vectors known already (given, or computed by an earlier lookup of this Lookup): none to read.
            given = query.vector if query.context is None or query.context_vector is not None else None
            k = conversation_lookup.neighbours(query, self.candidates)
            knn: idx.ScopedKnn | None = None
            with tracing.span("cache.exact") as span:
                texts = [query.text] if query.context is None else [query.text, query.context_text]
                texts = [] if given is not None else texts
                fields = self.near.get(key)  # an entry kept in process (cache.near): no round trip
                stored: list[object] = []
                # A single question's miss searches the conversations told as one question only where there are.
                mark = conversation_lookup.twins_mark(self.keys, query) if self.max_wrong_rate is None else None
                twinned = False
                extra: tuple[Sequence[str], str | None] | None = None  # read with the KNN: the clear counts, the mark
                searched: tuple[list[tuple[str, dict[str, str]]], bool] | None = None
                if fields is None:
                    # On one node a known vector's KNN rides with the exact read; a cluster routes the KNN to
                    # its index's shard (:meth:`_knn_and_labels`), after an exact miss.
                    ride = None
                    if given is not None and not isinstance(self.redis, RedisCluster):
                        knn = self._scoped_knn(query, spec, k)
                        ride = knn.command(given.tobytes())
                    clears = self.keys.clears_of(query.scope.tenant)
                    if ride is None and self.near.absent(key):
                        # Known absent (cache.near): no read first, the model at once (a vector stored for this
                        # text is not read); the counts and the mark are read with the KNN (_knn_and_labels).
                        fields, stored, extra = [None, None], [None] * len(texts), (clears, mark)
                    else:
                        fields, stored, twinned, searched, query.clears = await self._read_exact(
                            key, texts, query.scope.tenant, mark, ride, clears
                        )
                hit = fields[1] is not None  # the response
                tracing.set_attributes(span, match="exact" if hit else "miss", similarity=1.0 if hit else None)
            result.timings_ms["exact"] = _ms_since(started)
            if hit:
                result.match = "exact"
                result.similarity, result.distance = 1.0, 0.0
                result.answer = entry.read_answer(key, _decode_fields(entry.ANSWER, fields))
                self._settle(result, query, accept)
                result.timings_ms["total"] = _ms_since(started)
                return FirstLook(result)

            stage = time.perf_counter()
            vector, fresh = given, None
            if vector is None:
                with tracing.span("cache.embed", model=self.embedder.model_name):
                    vector, query.context_vector, fresh = await self._embed(query, stored)
                query.vector = vector
            result.timings_ms["embed"] = _ms_since(stage)

            stage = time.perf_counter()
            knn = self._scoped_knn(query, spec, k) if knn is None else knn
            # What needs no reply of Redis's, done while it searches (one node): idle time on that round trip. The
            # fresh vectors go to the store with the clear counts read before them: here, unless the KNN reads them.
            reply_free = self._reply_free(result, query, vector, knn, fresh, remember=extra is None)
            if searched is None:
                with tracing.span("cache.knn", index=spec.name, k=k) as span:
                    searched, also = await self._knn_and_labels(spec, knn.command(vector.tobytes()), extra, reply_free)
                    tracing.set_attributes(span, candidates=len(searched[0]))
                if extra is not None:
                    twinned, query.clears = _counts_and_mark(extra, also)
                    if fresh is not None:
                        self.embeddings.remember(*fresh, query.scope.tenant, query.clears)
            else:
                reply_free()
            rows, labelled = searched
            found = rows  # the KNN's rows: those the context refuses may get a second chance (turn_by_turn)
            result.timings_ms["knn"] = _ms_since(stage)
            stage = time.perf_counter()
            later: choose.Rows = []
            if self._judges_later(query):  # its second chances, run in finish(), read them (_judge_later)
                floor = context_match.servable_floor(result.threshold, margins_in_force.quiet)
                rows, later = context_match.split_under(rows, floor)
            rows, contexts, rejected, margins = context_match.match(result, query, rows, self.embedder.dimension)
            # context_rejections: the rows whose turns were compared and refused (here, or in finish() for the rows
            # left for later on a miss); the rows a hit leaves uncompared are counted nowhere (listed_uncompared).
            self._count(*["context_rejections"] * rejected)
            result.timings_ms["context"] = _ms_since(stage)
            stage = time.perf_counter()
            rows, observations, histogram = await negatives.refuse_by_feedback(self, result, vector, rows, labelled)
            result.timings_ms["feedback"] = _ms_since(stage)

        stage = time.perf_counter()
        # A conversation's lookup is judged by the guards, with its margins, under the decision too (unless under a
        # bound, whose evidence is the decision's): the decision's model was fitted on single questions, and
        # judged a follow-up ("it") from its margin only, 0.10; over the conversation dev splits it served 24
        # fewer reworded follow-ups, one trap fewer (benchmarks/README.md, "Conversations under the decision").
        decides = self.decision is not None and (query.context is None or self.max_wrong_rate is not None)
        judge = "decision" if decides else "guards"
        with tracing.span(f"cache.{judge}") as span:
            if decides:
                assert self.decision is not None
                if self.other_language is not None and query.context is None and self.max_wrong_rate is None:
                    rows = await self.other_language.rescore(query.prompt, rows)
                by_decision = functools.partial(choose.by_decision, margin=margins_in_force.fitted)
                await _judged(by_decision, result, query.prompt, rows, self.decision)
            else:
                # Under a wrong-hit bound the policy learns where to serve below the threshold itself: no margin
                # and no quiet band go below it.
                unbounded = self.max_wrong_rate is None
                widths = margins if unbounded and margins_in_force.fitted else None
                quiet = margins_in_force.quiet if unbounded else 0.0
                by_guards = functools.partial(choose.by_guards, quiet_margin=quiet)
                await _judged(by_guards, result, query.prompt, rows, self.guards, widths)
                if unbounded and query.context is not None:  # a veto read again with what the turns supply
                    turn_reading.read_with_turns(
                        result, query.context, query.prompt, rows, contexts, widths, self.guards
                    )
                if not unbounded and histogram is not None:
                    assert self.max_wrong_rate is not None
                    choose.vetoed_within_bound(result, vector, rows, observations, self.max_wrong_rate)
            result.candidates.sort(key=lambda candidate: -candidate.similarity)
            if result.match == "semantic" and histogram is not None and result.bound is None:
                assert self.max_wrong_rate is not None  # a histogram is read only under a bound
                decision = choose.within_bound(
                    result,
                    vector,
                    used_threshold,
                    self.max_wrong_rate,
                    observations,
                    histogram,
                    self._random.random(),
                    prior=self.judge_prior() if query.context is None else None,
                    budget=self.exploration_budget,
                )
                self._count(
                    "audits" if decision.audit else None,
                    "explorations" if decision.explores else None,
                    "bound_refusals" if decision.refused else None,
                )
            tracing.set_attributes(
                span,
                match=result.match or "miss",
                similarity=result.similarity,
                rejected_by=result.rejected_by,
                score=result.score,
            )
        result.timings_ms[judge] = _ms_since(stage)
        if later and result.hit:  # a hit settles now: the rows left for later are past it, their turns not compared
            context_match.listed_uncompared(result, later)
            later = []
        if result.answer is not None and result.answer.doc_id in contexts:
            result.context = contexts[result.answer.doc_id]
        # A history too long to compare word by word (conversation.MAX_COMPARED_WORDS) has no second chance either.
        compared = query.context is None or conversation.comparable(query.context)
        unbounded = self.max_wrong_rate is None
        chances = compared and ((unbounded and (query.context is not None or query.alone is not None)) or twinned)
        if result.hit or not chances:
            await self._hit_checks(result, query, found)  # a refused hit settles a miss: no second chance after it
            self._settle(result, query, accept)
            result.timings_ms["total"] = _ms_since(started)
            return FirstLook(result)
        chance = _SecondChances(rows, found, margins, contexts, spec, labelled, margins_in_force, twinned, later)
        return FirstLook(result, functools.partial(self._finish, result, query, chance, accept, started))

    async def _finish(
        self, result: LookupResult, query: Lookup, chance: _SecondChances, accept: Accept | None, started: float
    ) -> LookupResult:
        with tracing.span("cache.second_chances") as span:
            if chance.later:
                stage = time.perf_counter()
                kept, contexts, margins = self._judge_later(result, query, chance.later)
                chance = replace(
                    chance,
                    rows=chance.rows + kept,
                    contexts={**chance.contexts, **contexts},
                    margins={**chance.margins, **margins},
                )
                result.timings_ms["context_later"] = _ms_since(stage)
            await self._second_chances(result, query, chance, accept, started)
            tracing.set_attributes(span, match=result.match or "miss", similarity=result.similarity)
            return result

    def _judges_later(self, query: Lookup) -> bool:
        """Whether the first look of ``query`` leaves the turns of the rows it cannot serve to be judged later: a
        conversation's whose miss has second chances (no wrong-hit bound, turns short enough to compare), which run
        in :meth:`FirstLook.finish`, beside the LLM call in the service. Those rows are most of the KNN's
        (``conversation_lookup.CONTEXT_CANDIDATES``), their turns most of the first look's time."""
        return self.max_wrong_rate is None and query.context is not None and conversation.comparable(query.context)

    def _judge_later(
        self, result: LookupResult, query: Lookup, later: choose.Rows
    ) -> tuple[choose.Rows, dict[str, dict[str, object]], dict[str, tuple[Margin, float]]]:
        """The turns of the rows a missed first look left (``later``) judged as it would have judged them: refused by
        ``context`` (counted), or kept and listed below the threshold as :func:`choose.by_guards` lists them, under
        every margin (:func:`context_match.servable_floor`), the nearest of them the result's similarity when it has
        none; the candidates in the first look's order. Returns the rows kept, the contexts they matched and their
        margins, for the second chances."""
        kept, contexts, rejected, margins = context_match.match(result, query, later, self.embedder.dimension)
        self._count(*["context_rejections"] * rejected)
        context_match.listed(result, kept, "below_threshold")
        if kept and result.similarity is None:
            result.similarity = entry.similarity(kept[0][1])
            result.distance = 1.0 - result.similarity
        return kept, contexts, margins

    async def _second_chances(
        self, result: LookupResult, query: Lookup, chance: _SecondChances, accept: Accept | None, started: float
    ) -> None:
        """The rest of a lookup the first look missed (:meth:`first_look`): a conversation's second chances, then
        the result settled (counted) and its total time taken, from the first look's start."""
        rows, found, margins, spec, labelled = chance.rows, chance.found, chance.margins, chance.spec, chance.labelled
        margins_in_force = chance.margins_in_force
        if not result.hit and query.context is not None and self.max_wrong_rate is None:
            stage = time.perf_counter()
            # What the second chances below embed of the query's side, in one embedder call, not one each.
            if await conversation_lookup.embed_ahead(
                self,
                result,
                query,
                rows,
                found,
                margins,
                guards=self.guards,
                labelled=labelled,
                margins=margins_in_force,
            ):
                result.timings_ms["embed_ahead"] = _ms_since(stage)
            stage = time.perf_counter()
            if await conversation_lookup.after_the_answer(
                self,
                result,
                query,
                rows,
                (chance.contexts, margins),
                guards=self.guards,
                margins=margins_in_force,
            ):
                result.timings_ms["after_answer"] = _ms_since(stage)
            stage = time.perf_counter()
            if not result.hit and await referent.after_same_turns(self, result, query, rows, guards=self.guards):
                result.timings_ms["resolved"] = _ms_since(stage)
            stage = time.perf_counter()
            if not result.hit and await conversation_lookup.turn_by_turn(
                self, result, query, found, guards=self.guards, labelled=labelled, margins=margins_in_force
            ):
                result.timings_ms["turn_by_turn"] = _ms_since(stage)
            stage = time.perf_counter()
            if not result.hit and await conversation_lookup.user_turns(
                self, result, query, found, guards=self.guards, labelled=labelled, margins=margins_in_force
            ):
                result.timings_ms["user_turns"] = _ms_since(stage)
            if not result.hit and self.guards is not None:  # timed served or not: it runs on a miss, whose cost it is
                stage = time.perf_counter()
                learned_add.serve(result, query, found, self.guards)
                result.timings_ms["learned"] = _ms_since(stage)
        if not result.hit and query.alone is not None and self.max_wrong_rate is None:
            stage = time.perf_counter()
            await conversation_lookup.as_one_question(
                self,
                result,
                query,
                spec,
                guards=self.guards,
                candidates=self.candidates,
                margins=margins_in_force,
            )
            result.timings_ms["as_one_question"] = _ms_since(stage)
        elif not result.hit and chance.twinned:
            stage = time.perf_counter()
            await conversation_lookup.from_story(
                self, result, query, spec, guards=self.guards, candidates=self.candidates, margins=margins_in_force
            )
            result.timings_ms["from_story"] = _ms_since(stage)
        unbounded = self.max_wrong_rate is None
        if not result.hit and unbounded and self.conversation_judge is not None and query.context is not None:
            stage = time.perf_counter()
            if await judge.serve(self, result, query, found, spec, labelled=labelled):
                result.timings_ms[judge.STAGE] = _ms_since(stage)
        if not result.hit and unbounded and query.alone is not None and self.rewriter is not None:
            await standalone.serve(self, result, query, spec, margins_in_force)
        await self._hit_checks(result, query, chance.found)
        self._settle(result, query, accept)
        result.timings_ms["total"] = _ms_since(started)

    async def close(self) -> None:
        await super().close()
        for model in (self.rewriter, self.verifier):
            if model is not None:
                await model.aclose()

    def judge_prior(self) -> bounded.Histogram | None:
        """The prior evidence for the judge the cache runs now (``cache.prior``), added to the index's labels when
        a question asked alone is bounded (the prior was counted on single questions, not conversations)."""
        return self.prior(self.guards, self.decision)

    def _scoped_knn(self, query: Lookup, spec: idx.IndexSpec, k: int) -> idx.ScopedKnn:
        """The KNN query for ``query``'s scope on ``spec``'s index, as wide as the index's size asks."""
        return idx.scoped_knn(self.spec, spec.name, query.scope.search_id, k, self.ef_runtime(spec))

    async def _read_exact(
        self,
        key: str,
        texts: list[str],
        tenant: str,
        mark: str | None = None,
        knn: list[Any] | None = None,
        clears: Sequence[str] = (),
    ) -> tuple[
        list[Any], list[object], bool, tuple[list[tuple[str, dict[str, str]]], bool] | None, tuple[object, ...] | None
    ]:
        """One round trip: the entry (and its ``ttl`` field, for the near cache), for the semantic path if it
        comes to that, ``tenant``'s stored vectors of ``texts``, and whether the scope has conversations told as one
        question (``mark``: :func:`conversation_lookup.twins_mark`). A hit is kept near (``cache.near``): at once
        when it never expires, else once its PTTL is read in the background (not on this read: a semantic lookup
        would pay for it).

        ``knn`` (the vector known before the read, one node): the KNN query and the labels probe go in the same
        round trip, their rows and probe returned (None without). An exact hit wins: its KNN reply is dropped unparsed,
        and a KNN that failed (the index dropped) fails only a lookup that needed it.

        ``clears``: the clear counts (:meth:`KeySpace.clears_of`, in the tenant's slot), returned for the store after
        a miss (:meth:`store`); one that cannot be read (another client's key of another type) is None: the answer
        is then stored unchecked, not lost."""
        epoch = self.near.epoch
        searches = [self.feedback.labels_probe(), tuple(knn)] if knn is not None else []
        fields, *stored = await reads(
            self.redis,
            [
                ("HMGET", key, *_EXACT_FIELDS),
                *(("GET", name) for name in clears),
                *(("GET", self.embeddings.key_for(t, tenant)) for t in texts),
                *([("EXISTS", mark)] if mark else []),
                *searches,
            ],
            raise_on_error=False,
        )
        if isinstance(fields, ResponseError):
            if not wrong_type(fields):
                raise fields
            # Another client's string or list on this prompt's key: no entry, a miss (the store deletes it first).
            fields = [None] * len(_EXACT_FIELDS)
        counts = tuple(stored[: len(clears)])
        del stored[: len(clears)]
        if not searches:
            for failed in stored:
                if isinstance(failed, ResponseError):
                    raise failed
        if fields[1] is not None and not entry.whole(_decode_fields(entry.ANSWER, fields[:-1])):
            fields[1] = None  # edited by another client past serving: a miss, and the store writes it whole again
        searched = None
        if searches:
            probe, reply = stored[-2:]
            del stored[-2:]
            if fields[1] is None:
                for failed in (probe, reply, *stored):
                    if isinstance(failed, ResponseError):
                        raise failed
                searched = idx.parse_search_reply(reply), self.feedback.any_labels(probe)
        twinned = bool(mark) and bool(stored.pop())
        fields, ttl = fields[:-1], fields[-1]
        if self.near.size > 0 and self.near.active and fields[1] is not None:
            if ttl and int(ttl) > 0:
                self.background.run(self._keep_near(key, fields, epoch))
            else:
                self.near.put(key, fields, -1, epoch)
        return fields, stored, twinned, searched, clear_counts.read_counts(counts)

    async def _keep_near(self, key: str, fields: list[Any], epoch: int) -> None:
        self.near.put(key, fields, await self.redis.pttl(key), epoch)

    async def _knn_and_labels(
        self,
        spec: idx.IndexSpec,
        knn: list[Any],
        extra: tuple[Sequence[str], str | None] | None = None,
        meanwhile: Callable[[], None] | None = None,
    ) -> tuple[tuple[list[tuple[str, dict[str, str]]], bool], list[object]]:
        """The KNN rows, and whether any entry has labels. On one node (or a proxy) both reads go in one round
        trip (reads only: a write here would wait out a ``CLIENT PAUSE WRITE``, e.g. a failover); on a cluster
        the KNN goes to its index's shard (re-creating a moved index) and the probe, on another shard, is a read
        of its own that never fails the lookup (:meth:`FeedbackStore.may_have_labels`).

        ``extra`` (one node: a lookup that made no exact read): the clear counts and the twins' mark read in the
        same round trip, their replies returned (an error in their place, for :func:`_counts_and_mark`).

        ``meanwhile``: run while Redis searches (:meth:`_reply_free`); on a cluster once the replies are in."""
        if isinstance(self.redis, RedisCluster):
            searched = (await self._knn(spec, knn), await self.feedback.may_have_labels())
            if meanwhile is not None:
                meanwhile()
            return searched, []
        clears, mark = extra if extra is not None else ((), None)
        also = [*(("GET", name) for name in clears), *([("EXISTS", mark)] if mark else [])]
        probe, reply, *replies = await reads(
            self.redis, [self.feedback.labels_probe(), tuple(knn), *also], raise_on_error=False, meanwhile=meanwhile
        )
        if isinstance(probe, ResponseError):
            raise probe
        if isinstance(reply, ResponseError):
            if not idx.is_missing_index(reply):
                raise reply
            await self._recreate(spec)  # another client's FLUSHDB took it: a miss, not an error
            return (await idx.run_search(self.redis, knn), self.feedback.any_labels(probe)), replies
        return (idx.parse_search_reply(reply), self.feedback.any_labels(probe)), replies

    async def _embed(
        self, query: Lookup, stored: list[object]
    ) -> tuple[np.ndarray, np.ndarray | None, tuple[list[str], np.ndarray] | None]:
        """The question's embedding and its context's (None without one): read where stored, the others
        computed in one embedder batch, so a conversation costs one embedding call as a question does. The
        computed ones come back apart (texts, vectors) for the caller to remember once the lookup is done."""
        texts = [query.text] if query.context is None else [query.text, query.context_text]
        found = [self.embeddings.from_stored(raw) for raw in stored]
        missing = [text for text, vectors in zip(texts, found, strict=True) if vectors is None]
        computed = await self._compute_meanwhile(missing, query.prompt) if missing else None
        fresh = iter(computed) if computed is not None else iter(())
        vectors = [vectors[0] if vectors is not None else next(fresh) for vectors in found]
        context_vector = vectors[1] if query.context is not None else None
        return vectors[0], context_vector, ((missing, computed) if computed is not None else None)

    def _reply_free(
        self,
        result: LookupResult,
        query: Lookup,
        vector: np.ndarray,
        knn: idx.ScopedKnn,
        fresh: tuple[list[str], np.ndarray] | None,
        *,
        remember: bool,
    ) -> Callable[[], None]:
        """What a semantic lookup does that needs no KNN reply, to run while Redis searches (issue 18: ~0.2-0.35 ms
        of Redis's time at 2,000-10,000 entries, the event loop idle meanwhile): the result's embedding as a list
        and its query, the fresh embedding handed to the store when ``remember`` (its write waits ``FILL_DELAY_S``,
        so none of its CPU comes before the reply is read), then the judge's reading of the prompt
        (:meth:`_read_ahead`)."""
        ahead = self._read_ahead(query, read=fresh is not None and self.prepare_while_embedding)

        def run() -> None:
            result.embedding = vector.tolist()
            result.query = knn.json()
            if fresh is not None and remember:
                self.embeddings.remember(*fresh, query.scope.tenant, query.clears)
            if ahead is not None:
                ahead()

        return run

    def _read_ahead(self, query: Lookup, *, read: bool) -> Callable[[], None] | None:
        """The judge's reading of the prompt (:meth:`GuardSet.prepare`: the per-text caches its first look fills),
        to run while Redis searches, so only the candidates' texts are read once the KNN answers (issue 13: the
        reading took ~0.3 ms of a cold judgement's ~0.9). None where there is nothing to do: no guards, the prompt
        ``read`` during its embedding already (:meth:`_compute_meanwhile`), over :data:`READ_AHEAD_CHARS`, or
        ``read_during_knn`` off."""
        guards = self.decision.guards if self.decision is not None else self.guards
        if guards is None or read or not self.read_during_knn or len(query.prompt) > READ_AHEAD_CHARS:
            return None
        prompt = query.prompt
        return lambda: guards.prepare(prompt)

    async def _compute_meanwhile(self, texts: list[str], prompt: str) -> np.ndarray:
        """Embed ``texts``; with ``prepare_while_embedding``, while the embedder runs (this lookup's event loop
        idle), work out what the guards read of ``prompt`` alone (:meth:`GuardSet.prepare`), so their first look at
        a candidate is mostly the comparison. The loop first lets the embedding reach the model's thread, so the
        model does not wait. Off by default: the local model takes every core while it runs, and the work done
        meanwhile slowed it by more than it saved (benchmarks/README.md, Engine, eighth session)."""
        guards = self.decision.guards if self.decision is not None else self.guards
        if guards is None or not self.prepare_while_embedding or len(prompt) > READ_AHEAD_CHARS:
            return await self.embeddings.compute(texts)
        embedding = asyncio.ensure_future(self.embeddings.compute(texts))
        try:
            for _ in range(_HAND_OVER_TURNS):
                await asyncio.sleep(0)
            guards.prepare(prompt)
        except BaseException:
            embedding.cancel()
            raise
        return await embedding

    async def _hit_checks(self, result: LookupResult, query: Lookup, rows: choose.Rows) -> None:
        """Under ``conversation_strict``, refuse a semantic hit where either side is a conversation and one side's
        user turns say something the other's do not (:func:`strict.refuses`), unless a judge is sure of it
        (:func:`judge.refuse_strictly`); the one place every stage's hit passes (an exact hit is the very same history:
        nothing differs). Then, with a check's model (``verifier``), a
        conversation's semantic hit is confirmed by it or refused (:func:`verified.check`). With a judge's veto
        (``NEARHIT_CONVERSATION_JUDGE_VETO``), a conversation's hit that rules served, or a single question's on one
        it adds to or that adds to it, is refused under it first (:func:`judge.veto`): before the model's call, which
        costs more."""
        vetoes = self.conversation_judge is not None and self.conversation_judge.veto is not None
        semantic = result.match == "semantic" and result.answer is not None
        # The entry's turns, read once for both checks (from the KNN rows, else one round trip).
        stored = await self.served_turns(result, rows) if semantic and (self.conversation_strict or vetoes) else None
        if self.conversation_strict and semantic:
            assert result.answer is not None
            why = strict.refuses(query.prompt, query.told_before, result.answer.prompt, stored)
            if why is not None:
                await judge.refuse_strictly(self, result, query, stored, why)
        judged = result.context or {}
        by_rules = result.match == "semantic" and judge.STAGE not in judged and judge.VETO not in judged
        if vetoes and by_rules and self.max_wrong_rate is None:
            stage = time.perf_counter()
            if await judge.veto(self, result, query, stored):
                result.timings_ms[judge.VETO] = _ms_since(stage)
        if self.verifier is not None:
            await verified.check(self, result, query, rows)

    async def served_turns(self, result: LookupResult, rows: choose.Rows) -> Context | None:
        """The earlier turns of the entry ``result`` serves (None: a single question), read from ``rows`` (the first
        look's KNN rows), else from Redis (a stage that searched another scope: one round trip, on a hit only)."""
        assert result.answer is not None
        doc_id = result.answer.doc_id
        fields = next((found for name, found in rows if name == doc_id), None)
        if fields is None:
            async with self._redis_errors():
                values = await self.redis.hmget(doc_id, [entry.CONTEXT, entry.EARLIER])
            fields = _decode_fields((entry.CONTEXT, entry.EARLIER), values)
        return conversation.entry_turns(fields)

    def _settle(self, result: LookupResult, query: Lookup, accept: Accept | None) -> None:
        """Count the lookup once it is known whether the caller takes the answer: a refused hit is a miss (and
        not a guard rejection: the entry may answer other requests). Conversation hits are counted apart too:
        the share of chat traffic that the context matching serves."""
        refusal = accept(result.answer) if accept is not None and result.answer is not None else None
        if refusal is not None:
            result.match, result.answer = None, None
            result.rejected_by, result.rejection_reason = refusal
            self._count("misses")
            return
        if not result.hit:
            self._count("misses", "guard_rejections" if result.rejected_by else None)
            return
        conversation_hit = "conversation_hits" if query.context is not None else None
        self._count("exact_hits" if result.match == "exact" else "semantic_hits", conversation_hit)
        if self.ttl_refresh_on_hit and result.answer is not None:
            self.background.run(self._refresh_ttl(result.answer.doc_id))

    async def _refresh_ttl(self, doc_id: str) -> None:
        ttl = await self.redis.hget(doc_id, "ttl")
        if ttl and int(ttl) > 0:
            await self.redis.expire(doc_id, int(ttl))

    async def store(
        self,
        prompt: str | Lookup,
        response: str,
        scope: Scope | None = None,
        *,
        ttl: int | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        cost_usd: float | None = None,
        vector: Sequence[float] | np.ndarray | None = None,
    ) -> str:
        """Store an answer; returns its document id. The entry is written in one MULTI/EXEC over its own key
        (all of it or nothing); the old answer's labels and the counter follow outside it, as they live in
        other slots (no transaction may span slots on a cluster or a sharded Enterprise database).

        Given the :class:`Lookup` of the miss it answers, the lookup's embedding is stored (no second embed).
        ``cost_usd`` is the price of the call that produced the answer: a hit reads it back (what it saved)."""
        query = self.prepare(prompt, scope)
        response = validate.response(response)
        ttl = validate.ttl(ttl) or self.default_ttl
        validate.token_count(prompt_tokens, "prompt_tokens")
        validate.token_count(completion_tokens, "completion_tokens")
        if cost_usd is not None:
            validate.cost(cost_usd, "cost_usd")
        async with self._redis_errors():
            await self._index_for(query.scope.tenant)  # the tenant's index exists before its first entry
            embedding = validate.vector(vector, self.embedder.dimension) if vector is not None else query.vector
            context_vector = query.context_vector
            # A question standing alone after turns keeps their embedding too: a conversation that retells
            # them matches its entry by them (conversation_lookup._after_earlier_turns).
            turns = query.told_before
            needs_context = turns is not None and context_vector is None
            # A conversation keeps its turns embedded one by one too, for a second chance (cache.turns).
            apart = query.context.turns if query.context is not None and query.turn_vectors is None else ()
            key = self.keys.entry(query.scope, query.text)
            twins = conversation_lookup.twins(self.keys, query, key)
            # What the lookup did not compute is embedded in one call: the question, its context, its turns one by
            # one, its story told as one question (a conversation's twins), its question told after the last
            # answer, or all of them.
            texts = [query.text] if embedding is None else []
            texts += [normalise(turns.text)] if turns is not None and needs_context else []
            texts += [normalise(text) for _, text in apart]
            told_texts = [normalise(text) for _, text in twins]
            unknown = [text for text in told_texts if text not in query.embedded]  # a miss's second chance's, kept
            texts += unknown
            after = conversation_lookup.followup_to_embed(query)
            texts += [after] if after is not None else []
            computed = iter(await self.embeddings.embed(texts, query.scope.tenant))  # none to embed: no call
            embedding = next(computed) if embedding is None else embedding
            context_vector = next(computed) if needs_context else context_vector
            turn_vectors = np.array([next(computed) for _ in apart]) if apart else query.turn_vectors
            known = {**query.embedded, **{text: next(computed) for text in unknown}}
            told_vectors = [known[text] for text in told_texts]
            followup_vector = next(computed) if after is not None else query.followup_vector
            assert embedding is not None
            mapping = entry.to_hash(
                prompt=query.prompt,
                response=response,
                scope=query.scope,
                vector=embedding.astype(np.float32).tobytes(),
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                ttl=ttl,
                cost_usd=cost_usd,
                context=query.context.to_json() if query.context is not None else "",
                context_vector=context_match.vector_text(context_vector) if context_vector is not None else "",
                earlier=query.earlier.to_json() if query.earlier is not None else "",
                turn_vectors=turns_apart.vectors_text(turn_vectors) if turn_vectors is not None else "",
                followup_vector=context_match.vector_text(followup_vector) if followup_vector is not None else "",
            )
            written = {key: mapping}
            if twins and query.alone is not None:
                mapping[entry.TWIN] = " ".join(name for name, _ in twins)
                told = conversation_lookup.told_scope(query.alone.search_id)
                for (name, text), told_vector in zip(twins, told_vectors, strict=True):
                    told_bytes = told_vector.astype(np.float32).tobytes()
                    written[name] = entry.twin_hash(
                        scope_tag=told, tenant=query.scope.tenant, vector=told_bytes, told=text, owner=key
                    )
            self.near.written(key)  # a lookup of it from now on reads it (Redis names it on tracking, maybe later)
            async with self.redis.pipeline(transaction=True) as pipe:
                for name, fields in written.items():  # one tenant's keys: one slot on a cluster
                    pipe.delete(name)  # an overwrite must not keep fields (or a TTL) of the old entry
                    pipe.hset(name, mapping=fields)  # type: ignore[arg-type]
                    if ttl:
                        pipe.expire(name, ttl)
                if twins:
                    conversation_lookup.mark_twins(pipe, self.keys, query, ttl)
                try:
                    await pipe.execute()
                except OutOfMemoryError as exc:  # all or nothing: nothing of it was written
                    raise redis_full("the answer was not stored") from exc
            self.near.drop(key)  # this process's next lookup reads the new answer (Redis's word may come later)
            clears = self.keys.clears_of(query.scope.tenant) if query.clears is not None else ()
            # Packed as a lookup's reads are (an idempotent DEL): the clear counts cost the store ~nothing more.
            # Should the DEL fail, the old answer's labels stay with the new one until the next store. The counts
            # are read after the write: a clear that counts itself later deletes what was written.
            _, *counts = await reads(
                self.redis,
                [("DEL", self.keys.observations(key)), *(("GET", name) for name in clears)],
                raise_on_error=False,
            )
            if clears and clear_counts.cleared_since(query.clears, counts):
                # A clear ran since the miss began: the answer is from before it. Whatever it wrote goes (one
                # round trip, on this rare path only); a store racing it on the same prompt may lose its entry too.
                await unlink_each(self.redis, written)
                self._count("stores_cleared")
                raise StoreCleared("not stored: the cache was cleared while the answer was generated")
            self._count("stores")
        if query.context is not None and self.read_stored_turns:
            self.background.run(_read_side(mapping[entry.CONTEXT]))
        self.read_next_turn_after(query, response)
        return key

    def read_next_turn_after(self, query: Lookup, answer: str) -> None:
        """With ``read_next_turn``, the chat's next lookup read ahead in the background (:meth:`_read_next_turn`) once
        ``query`` got ``answer``, the text its client received: the answer a miss stored (:meth:`store`), or a served
        hit's (the service's, cut at ``max_tokens`` where it was), so a chat that hit finds its next turn read too."""
        if not self.read_next_turn:
            return
        turns = query.told_before
        earlier = turns.turns if turns is not None else ()
        self.background.run(
            self._read_next_turn(conversation.next_turn(earlier, query.prompt, answer), query.scope.tenant)
        )

    async def _read_next_turn(self, context: Context, tenant: str) -> None:
        """The asking side of a chat's next lookup read ahead (:func:`conversation.read_turns`), with its context's
        embedder input (the stored vector's key its exact read names): a client sends its history back as received,
        so that lookup finds its own turns read (a question the chat never asks costs this background work only).
        In a thread of its own (:data:`_READ_AHEAD`): each reading is pure, kept in a thread-safe cache."""
        await asyncio.get_running_loop().run_in_executor(_READ_AHEAD, self._read_turns_ahead, context, tenant)

    def _read_turns_ahead(self, context: Context, tenant: str) -> None:
        conversation.read_turns(context)
        self.embeddings.key_for(context.normalised, tenant)

    async def label(
        self,
        doc_id: str,
        vector: Sequence[float] | np.ndarray,
        similarity: float,
        right: bool,
        source: LabelSource,
        *,
        counted: bool = True,
    ) -> None:
        """Record that ``doc_id``'s answer was right or wrong for the query with this embedding (``counted``:
        also in the index's histogram; not for a pair a guard vetoed, ``Probe.vetoed``)."""
        query = validate.vector(vector, self.embedder.dimension)
        async with self._redis_errors():
            await self.feedback.observe(doc_id, bounded.Observation(right, similarity, query), source, counted=counted)

    async def label_by_answers(self, probe: Probe, vector: Sequence[float], fresh_response: str, tenant: str) -> bool:
        """Label ``tenant``'s probe offline: the fresh answer's embedding against the cached one's
        (right iff cosine >= ``bounded.ANSWERS_AGREE``). Returns the label."""
        answers = [probe.cached_response[:4000], fresh_response[:4000]]
        cached, fresh = await self.embeddings.embed(answers, tenant)
        right = bounded.answers_agree(cached, fresh)
        await self.label(probe.doc_id, vector, probe.similarity, right, "answer", counted=not probe.vetoed)
        return right

    def remember_served(self, request_id: str | None, result: LookupResult, tenant: str, prompt: str) -> None:
        """Remember (in the background, briefly) which entry a request was served, so feedback may name it:
        written with the others served within ``SERVED_FLUSH_S``, one round trip for them all."""
        if request_id is None or result.answer is None:
            return
        self.feedback.remember_served(
            Served(request_id, result.answer.doc_id, tenant, prompt, result.similarity or 1.0)
        )
        self.background.soon("the record of the entries served", SERVED_FLUSH_S, self.feedback.write_served)


def _counts_and_mark(
    extra: tuple[Sequence[str], str | None], replies: list[object]
) -> tuple[bool, tuple[object, ...] | None]:
    """Whether the scope has twins, and the clear counts for the store (None: one unread, the answer stored
    unchecked), from the replies :meth:`SemanticCache._knn_and_labels` read for ``extra``."""
    clears, mark = extra
    exists = replies[len(clears)] if mark else 0
    return isinstance(exists, int) and exists > 0, clear_counts.read_counts(tuple(replies[: len(clears)]))


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def _decode_fields(names: Sequence[str], values: Sequence[object]) -> dict[str, str]:
    return {name: idx.as_text(value) for name, value in zip(names, values, strict=True) if value is not None}


async def _judged(judge: Callable[..., None], result: LookupResult, prompt: str, rows: choose.Rows, *args: Any) -> None:
    """``judge(result, prompt, rows, *args)``: on the event loop, or in a thread where ``prompt`` or a candidate's
    prompt is longer than :data:`OFF_LOOP_CHARS` (the guards are pure, their pair caches thread-safe)."""
    if max([len(prompt), *(len(fields.get("prompt", "")) for _, fields in rows)]) <= OFF_LOOP_CHARS:
        judge(result, prompt, rows, *args)
    else:
        await asyncio.get_running_loop().run_in_executor(_LONG_JUDGEMENTS, judge, result, prompt, rows, *args)


async def _read_side(raw: object) -> None:
    """A stored conversation's side read ahead (:func:`conversation.read_side`), in the background after its store:
    the first lookup that compares the entry's turns finds their readings kept in this process."""
    if isinstance(raw, str):
        conversation.read_side(raw)
