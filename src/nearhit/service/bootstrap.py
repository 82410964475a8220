"""Wiring: from settings to a connected Redis, an embedder and a ready cache. Used by the CLI and the API."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from nearhit import redis_server, redis_topology
from nearhit.cache import judge
from nearhit.cache.choose import Margins
from nearhit.cache.client import RedisClient
from nearhit.cache.index import IndexSpec
from nearhit.cache.keys import KeySpace
from nearhit.cache.other_language import OtherLanguage
from nearhit.cache.prior import shipped as shipped_prior
from nearhit.cache.semantic_cache import SemanticCache
from nearhit.config import Settings
from nearhit.embeddings import Embedder, build_embedder
from nearhit.embeddings.multilingual import check_installed
from nearhit.errors import ConfigError, RedisUnavailable
from nearhit.llm.rewrite import build_rewriter
from nearhit.llm.verify import build_verifier
from nearhit.redis_topology import Topology

if TYPE_CHECKING:
    from nearhit.decision import Decision
    from nearhit.guards import GuardSet

MAX_CONNECTIONS = 64


async def redis_url(settings: Settings) -> str:
    """``REDIS_URL``, or the URL of the embedded server for ``NEARHIT_DATA_DIR`` (started if needed).

    Finding or starting the embedded server takes a file lock and may wait seconds for it to be ready, so it
    runs in a thread: the event loop keeps serving meanwhile.
    """
    if settings.redis_url:
        return settings.redis_url
    server, _ = await asyncio.to_thread(redis_server.ensure_running, settings.data_dir)
    return server.url


async def embedded_url_now(settings: Settings) -> str | None:
    """Where the embedded server listens right now (it may have come back on another port), or None when
    ``REDIS_URL`` is set or no embedded server runs. Never starts one; reads its state file in a thread."""
    if settings.redis_url:
        return None
    server = await asyncio.to_thread(redis_server.find_running, settings.data_dir)
    return server.url if server is not None else None


async def connect_redis(settings: Settings, url: str | None = None) -> RedisClient:
    """A client with bounded timeouts, checked with a PING: an unreachable Redis fails fast and clearly.
    ``url`` defaults to :func:`redis_url`; its topology (one node, Sentinel, cluster) is read from its form and
    ``NEARHIT_REDIS_CLUSTER`` (:func:`nearhit.redis_topology.parse_target`)."""
    url = url or await redis_url(settings)
    target = redis_topology.parse_target(url, cluster=settings.redis_cluster)
    timeouts = {"socket_connect_timeout": settings.redis_timeout, "socket_timeout": settings.redis_timeout}
    try:
        client: RedisClient
        if target.kind is Topology.SINGLE:
            pool = BlockingConnectionPool.from_url(
                url,
                max_connections=MAX_CONNECTIONS,
                timeout=settings.redis_timeout,  # a burst waits for a free connection instead of failing
                health_check_interval=30,
                protocol=2,  # flat replies: what the index module parses, on every redis-py version
                **timeouts,
            )
            client = Redis.from_pool(pool)
        else:
            client = redis_topology.open_client(target, max_connections=MAX_CONNECTIONS, protocol=2, **timeouts)
    except ValueError as exc:
        raise ConfigError(f"REDIS_URL: {exc}") from None
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        raise RedisUnavailable(
            f"cannot reach Redis at {redis_topology.redact(url)} within {settings.redis_timeout} s: {exc}"
        ) from exc
    return client


def index_spec(settings: Settings, embedder: Embedder, *, sharded: bool = False) -> IndexSpec:
    """The index for the embedder; ``sharded``: one per tenant (a cluster without a search coordinator)."""
    if settings.vector_dimension is not None and settings.vector_dimension != embedder.dimension:
        raise ConfigError(
            f"VECTOR_DIMENSION: {settings.vector_dimension} does not match the embedder "
            f"{embedder.model_name!r}, which makes {embedder.dimension}-d vectors"
        )
    return IndexSpec(
        name=settings.index_name,
        keys=KeySpace(settings.index_name, sharded=sharded),
        dimension=embedder.dimension,
        algorithm=settings.index_algorithm,
        m=settings.hnsw_m,
        ef_construction=settings.hnsw_ef_construction,
        ef_runtime=settings.hnsw_ef_runtime,
        ef_runtime_large=settings.hnsw_ef_runtime_large,
        large_at=settings.hnsw_large_index,
        ef_runtime_small=settings.hnsw_ef_runtime_small,
        small_below=settings.hnsw_small_index,
        hybrid_policy=settings.knn_hybrid_policy,
    )


def prepare_while_embedding(settings: Settings) -> bool:
    """Whether a lookup prepares the guards' reading of its prompt while the embedding runs: as set, or, unset,
    when the embedder is a remote service (its call leaves the cores idle; the local model takes them all)."""
    if settings.guards_prepare_while_embedding is not None:
        return settings.guards_prepare_while_embedding
    return settings.resolved_embedder in ("azure", "openai")


def other_language(settings: Settings) -> OtherLanguage | None:
    """The multilingual cosine for questions in another read language, when set and the embedder is the local
    MiniLM (the multilingual embedder's one cosine is USE's already); without the extra, an error naming it. The
    model loads at the first such question, not here."""
    if not settings.other_language_similarity or settings.resolved_embedder != "local":
        return None
    check_installed()
    return OtherLanguage()


async def open_cache(settings: Settings, embedder: Embedder | None = None, url: str | None = None) -> SemanticCache:
    """A ready cache: Redis reached (at ``url``, default :func:`redis_url`), Query Engine checked, index created
    or checked."""
    # Loaded before Redis is reached: a judge's folder that cannot serve fails the start naming it, nothing to close.
    conversation_judge = judge.build(
        settings.conversation_judge, settings.conversation_judge_cut, settings.conversation_judge_veto
    )
    embedder = embedder or build_embedder(settings)
    url = url or await redis_url(settings)
    sharded = False
    if settings.redis_url:  # the embedded server is nearhit's own: no topology to check
        # At start, not at the first request: a cluster named without cluster mode, an unknown Sentinel
        # service, a node without the Query Engine are each a clear error naming what to change.
        detected = await redis_topology.inspect(redis_topology.parse_target(url, cluster=settings.redis_cluster))
        sharded = detected.kind is Topology.CLUSTER and not detected.search_coordinator
    redis = await connect_redis(settings, url)
    spec = index_spec(settings, embedder, sharded=sharded)
    guards = _default_guards(settings) if settings.guards else None
    cache = SemanticCache(
        redis,
        embedder,
        spec,
        threshold=settings.similarity_threshold,
        default_ttl=settings.cache_ttl,
        ttl_refresh_on_hit=settings.ttl_refresh_on_hit,
        max_prompt_chars=settings.max_prompt_chars,
        clear_indexing_timeout=settings.clear_indexing_timeout,
        guards=guards,
        decision=_decision(settings, guards),
        max_wrong_rate=settings.max_wrong_rate,
        max_exploration_rate=settings.max_exploration_rate,
        prior=shipped_prior,
        embedding_ttl=settings.embedding_cache_ttl,
        near_entries=settings.near_cache_entries,
        exact_presence=settings.exact_presence,
        exact_presence_keys=settings.exact_presence_keys,
        rewriter=build_rewriter(settings),
        verifier=build_verifier(settings),
        prepare_while_embedding=prepare_while_embedding(settings),
        read_during_knn=settings.guards_read_during_knn,
        fitted_margins=settings.fitted_margins,
        given_threshold_margins=given_threshold_margins(settings),
        other_language=other_language(settings),
        conversation_strict=settings.conversation_strict,
        conversation_judge=conversation_judge,
    )
    try:
        await cache.setup()
    except Exception:
        await redis.aclose()
        for model in (cache.rewriter, cache.verifier):
            if model is not None:
                await model.aclose()
        raise
    return cache


def given_threshold_margins(settings: Settings) -> Margins:
    """The margins under a threshold given to one lookup: those the user set (``NEARHIT_GUARDS_QUIET_MARGIN``,
    ``NEARHIT_FITTED_MARGINS``), none else, as under a ``SEMANTIC_SIMILARITY_THRESHOLD`` set."""
    return Margins(settings.guards_quiet_margin_env or 0.0, bool(settings.fitted_margins_env))


def _default_guards(settings: Settings) -> GuardSet:
    from nearhit.guards import GuardSet

    return GuardSet.default(
        uncovered_threshold=settings.guards_uncovered_threshold, quiet_margin=settings.guards_quiet_margin
    )


def _decision(settings: Settings, guards: GuardSet | None) -> Decision | None:
    """The calibrated decision over these guards, unless it or the guards are turned off."""
    if guards is None or not settings.decision:
        return None
    from nearhit.decision import Decision

    return Decision(guards, threshold=settings.decision_threshold)
