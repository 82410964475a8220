"""Settings from the environment, in one place.

The seed's variable names (``REDIS_URL``, ``VECTOR_INDEX_NAME``, ``AZURE_OPENAI_*``, ...) are read as they
are; nearhit's own settings start with ``NEARHIT_``. A bad value is a :class:`ConfigError` that names the
variable, raised once at start-up rather than as a confusing failure later.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import AliasChoices, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nearhit.errors import ConfigError
from nearhit.validate import MAX_TTL, THRESHOLD_RANGE

# From `nearhit calibrate --max-wrong 0.02` on fow-cache's question pairs with all guards on (docs/accuracy.md):
# 0.76 serves 62% of true paraphrases and 1.0% of look-alike traps; the calibrated minimum, 0.72, sits
# exactly on the 2% bound, so the default keeps a margin.
DEFAULT_SIMILARITY_THRESHOLD = 0.76
# A shorter admin token can be guessed online; 16 characters of a random token are far out of reach.
MIN_ADMIN_TOKEN_CHARS = 16


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


def _rate(value: object, check: Callable[[float], float], expected: str) -> float | None:
    """A rate read from the environment: None when blank (unset), else ``check``-ed; ``expected`` says what a
    value that is no number should have been."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{expected}; got {value!r}") from None
    return check(number)


PRESENCE_KEYS = 500_000
"""The bound of the near cache's record of the entry keys that may exist (``NEARHIT_EXACT_PRESENCE_KEYS``; ~70 B a
key, ~35 MB; :mod:`nearhit.cache.near`): a key Redis names stays in the record after it is deleted or expires, so a
stream of new keys grew it for ever. Past the bound the keys are scanned again (the gone ones leave it); a scan
that finds more than half as many keeps no record (every key may exist) until the tracking connection is opened
again or Redis reports a flush. Here, not in the near cache's module, so that the settings do not load Redis's
client to read it."""


class Settings(BaseSettings):
    """Every setting nearhit reads. Field aliases are the environment variable names."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    # --- Redis -------------------------------------------------------------------------------------
    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL", "redis_url"))
    redis_timeout: float = Field(2.0, gt=0, le=60, validation_alias=_env("NEARHIT_REDIS_TIMEOUT", "redis_timeout"))
    redis_cluster: bool = Field(False, validation_alias=_env("NEARHIT_REDIS_CLUSTER", "redis_cluster"))
    """REDIS_URL names a node of an OSS Redis Cluster (as ``redis+cluster://`` or ``?cluster=true`` do)."""
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("nearhit")),
        validation_alias=_env("NEARHIT_DATA_DIR", "data_dir"),
    )

    # --- The cache ---------------------------------------------------------------------------------
    index_name: str = Field(
        "q_idx", min_length=1, max_length=64, validation_alias=_env("VECTOR_INDEX_NAME", "index_name")
    )
    vector_dimension: int | None = Field(
        None, ge=2, le=8192, validation_alias=_env("VECTOR_DIMENSION", "vector_dimension")
    )
    index_algorithm: Literal["hnsw", "flat"] = Field(
        "hnsw", validation_alias=_env("NEARHIT_INDEX_ALGORITHM", "index_algorithm")
    )
    # HNSW index creation: graph links per node and build breadth (an existing index with others is refused).
    hnsw_m: int = Field(16, ge=2, le=512, validation_alias=_env("NEARHIT_HNSW_M", "hnsw_m"))
    hnsw_ef_construction: int = Field(
        200, ge=1, le=4096, validation_alias=_env("NEARHIT_HNSW_EF_CONSTRUCTION", "hnsw_ef_construction")
    )
    # HNSW search breadth per query, from NEARHIT_HNSW_SMALL_INDEX documents to NEARHIT_HNSW_LARGE_INDEX. 100 keeps
    # scope-filtered recall at >= 98% of an exact search at 100k entries (50 served 140 of 144 there); the cost is
    # ~0.1-0.2 ms. Ignored for FLAT.
    hnsw_ef_runtime: int = Field(
        100, ge=1, le=10_000, validation_alias=_env("NEARHIT_HNSW_EF_RUNTIME", "hnsw_ef_runtime")
    )
    # From NEARHIT_HNSW_LARGE_INDEX documents in the index (its size read every 30 s), this breadth instead: at
    # 250k entries 100 served 90-93% of an exact search's paraphrases, 200 served 98%. 0 documents: never switch.
    hnsw_ef_runtime_large: int = Field(
        200, ge=1, le=10_000, validation_alias=_env("NEARHIT_HNSW_EF_RUNTIME_LARGE", "hnsw_ef_runtime_large")
    )
    hnsw_large_index: int = Field(150_000, ge=0, validation_alias=_env("NEARHIT_HNSW_LARGE_INDEX", "hnsw_large_index"))
    # Below NEARHIT_HNSW_SMALL_INDEX documents, this breadth instead: up to 20k entries 50 found every paraphrase and
    # nearest neighbour 100 found, 0.1-0.26 ms sooner after an embedding (at 30k one nearest fewer). 0: never switch.
    hnsw_ef_runtime_small: int = Field(
        50, ge=1, le=10_000, validation_alias=_env("NEARHIT_HNSW_EF_RUNTIME_SMALL", "hnsw_ef_runtime_small")
    )
    hnsw_small_index: int = Field(20_000, ge=0, validation_alias=_env("NEARHIT_HNSW_SMALL_INDEX", "hnsw_small_index"))
    # Exact entries kept in this process while Redis tracks their keys (cache.near; client-side caching, one
    # node only): an exact hit without a round trip. 0: off.
    near_cache_entries: int = Field(
        1000, ge=0, le=1_000_000, validation_alias=_env("NEARHIT_NEAR_CACHE_ENTRIES", "near_cache_entries")
    )
    # A record in this process of which entry keys may exist (cache.near, on the near cache's tracking connection;
    # one node only): a lookup whose key is known absent skips its exact read and embeds at once, its clear counts
    # read with the KNN instead. Off: -0.23 to -0.31 ms of CPU a new prompt, paired; no quiet run yet (perf23).
    exact_presence: bool = Field(False, validation_alias=_env("NEARHIT_EXACT_PRESENCE", "exact_presence"))
    # The record's bound (PRESENCE_KEYS).
    exact_presence_keys: int = Field(
        PRESENCE_KEYS, ge=2, le=100_000_000, validation_alias=_env("NEARHIT_EXACT_PRESENCE_KEYS", "exact_presence_keys")
    )
    # How the scope filter meets HNSW: BATCHES walks the graph in batches and filters them (fast, complete
    # with EF_RUNTIME); "auto" lets Redis choose, and it picks a brute-force scan for small filtered sets.
    knn_hybrid_policy: Literal["auto", "batches", "adhoc_bf"] = Field(
        "batches", validation_alias=_env("NEARHIT_KNN_HYBRID_POLICY", "knn_hybrid_policy")
    )
    similarity_threshold_env: float | None = Field(
        None,
        ge=THRESHOLD_RANGE[0],
        le=THRESHOLD_RANGE[1],
        validation_alias=_env("SEMANTIC_SIMILARITY_THRESHOLD", "similarity_threshold"),
    )
    distance_threshold_env: float | None = Field(
        None,
        ge=THRESHOLD_RANGE[0],
        le=THRESHOLD_RANGE[1],
        validation_alias=_env("SEMANTIC_DISTANCE_THRESHOLD", "distance_threshold"),
    )
    cache_ttl: int | None = Field(None, gt=0, le=MAX_TTL, validation_alias=_env("CACHE_TTL", "cache_ttl"))
    ttl_refresh_on_hit: bool = Field(False, validation_alias=_env("NEARHIT_TTL_REFRESH_ON_HIT", "ttl_refresh_on_hit"))
    store_failures_degraded: int = Field(
        3, ge=1, le=10_000, validation_alias=_env("NEARHIT_STORE_FAILURES_DEGRADED", "store_failures_degraded")
    )  # /readiness says "degraded" after this many answers in a row could not be stored
    max_prompt_chars: int = Field(
        32_000, gt=0, le=10_000_000, validation_alias=_env("NEARHIT_MAX_PROMPT_CHARS", "max_prompt_chars")
    )
    # How long a clear of one tenant waits for its index, re-created over the keys there, to read them (then it
    # fails saying how far it read; run again, it deletes what is left).
    clear_indexing_timeout: float = Field(
        300.0, gt=0, le=86_400, validation_alias=_env("NEARHIT_CLEAR_INDEXING_TIMEOUT", "clear_indexing_timeout")
    )
    # A hit's text is sent in pieces of at most this many characters (the gateway's content chunks, the
    # /ask/stream content_chunk events): a few writes, not a word-by-word replay (the demo page paces words).
    hit_chunk_chars: int = Field(
        1024, ge=1, le=10_000_000, validation_alias=_env("NEARHIT_HIT_CHUNK_CHARS", "hit_chunk_chars")
    )
    guards: bool = Field(True, validation_alias=_env("NEARHIT_GUARDS", "guards"))
    # The similarity a semantic candidate needs when the guards cannot read the prompts' language (they read
    # English and twelve European languages, README "Settings"): 1.0 serves no semantic hit in the others.
    guards_uncovered_threshold: float = Field(
        0.98,
        ge=0,
        le=1,
        validation_alias=_env("NEARHIT_GUARDS_UNCOVERED_THRESHOLD", "guards_uncovered_threshold"),
    )
    # How far under the similarity threshold a candidate is still served when no guard reads even half a
    # difference in it (wording only): most missed paraphrases sit just under the threshold. 0 turns it off.
    # Unset: 0.10 under the default threshold, 0 under one the user set (``guards_quiet_margin``).
    guards_quiet_margin_env: float | None = Field(
        None, ge=0, le=0.2, validation_alias=_env("NEARHIT_GUARDS_QUIET_MARGIN", "guards_quiet_margin")
    )
    # The margins fitted under the default threshold: a conversation's follow-up served by an entry whose earlier
    # turns match (the same turns' 0.16, the conversation model's ~0.156: cache.context_match) and the calibrated
    # decision's model margin. Unset: on under the default threshold, off under one the user set.
    fitted_margins_env: bool | None = Field(None, validation_alias=_env("NEARHIT_FITTED_MARGINS", "fitted_margins"))
    # The guards' work on the prompt alone done while its embedding runs: a gain only where the embedder leaves
    # the cores free (a remote one, the default there); the local model takes every core, and measured slower.
    # Unset: on for a remote embedder, off for the local one.
    guards_prepare_while_embedding: bool | None = Field(
        None,
        validation_alias=_env("NEARHIT_GUARDS_PREPARE_WHILE_EMBEDDING", "guards_prepare_while_embedding"),
    )
    # The same reading done instead while Redis runs the KNN (after an exact miss, a prompt of at most 1,000
    # characters): a gain only where a core is free meanwhile (Redis on another machine); off by default, as it
    # measured not consistently faster on 2 loaded cores, and costs CPU on a lookup that judges no candidate (issue 13).
    guards_read_during_knn: bool = Field(
        False, validation_alias=_env("NEARHIT_GUARDS_READ_DURING_KNN", "guards_read_during_knn")
    )
    # A conversation its first look misses runs its second chances (issue 14: ~20-55 ms of embedding and CPU)
    # beside the LLM call its miss makes, started at once: a second chance that serves drops the call (a provider
    # may bill the input tokens of a cancelled call), a miss streams it. The verdicts are the same either way;
    # off: the second chances first, the LLM call after them, as before.
    second_chances_beside_llm: bool = Field(
        True, validation_alias=_env("NEARHIT_SECOND_CHANCES_BESIDE_LLM", "second_chances_beside_llm")
    )
    # Strict conversations (on by default with the bundled judge since decision rule 59): a conversation's hit is
    # refused whenever one side's user turns say something the other side's do not ("I'm on warfarin" added),
    # whether or not the stored answer takes it up (nearhit.cache.strict), unless the judge is sure of it (p >= its
    # cut). Off (false): the rules alone decide, as before the fifty-second session (docs/conversations.md).
    conversation_strict: bool = Field(True, validation_alias=_env("NEARHIT_CONVERSATION_STRICT", "conversation_strict"))
    # A trained conversation judge ("bundled" by default: the one that ships, at its cut; "none": off) or a folder
    # with an ONNX cross-encoder (judge.int8.onnx or model.onnx) and its tokenizer.json, asked about a conversation's
    # nearest stored conversations when its lookup and second chances served nothing; the most probable at p >= the
    # cut is served (nearhit.cache.judge). The cut: NEARHIT_CONVERSATION_JUDGE_CUT, else the folder's judge.json; a
    # judge's scale is its own (an int8 export moves it), so none is guessed.
    conversation_judge: str | None = Field(
        "bundled", validation_alias=_env("NEARHIT_CONVERSATION_JUDGE", "conversation_judge")
    )
    conversation_judge_cut: float | None = Field(
        None, gt=0, lt=1, validation_alias=_env("NEARHIT_CONVERSATION_JUDGE_CUT", "conversation_judge_cut")
    )
    # With a judge: a rules' hit the veto reads (a conversation's on other turns; one question adding to the other,
    # after the same turns or none) is refused when the judge's p is under this (under the cut; where the earlier
    # turns exchange a detail, under 0.5 if that is higher); unset, the folder's judge.json "veto" (bundled: 0.2),
    # else none; 0: none. It costs a judgement (~7-22 ms at 64-160 tokens) on each such hit.
    conversation_judge_veto: float | None = Field(
        None, ge=0, lt=1, validation_alias=_env("NEARHIT_CONVERSATION_JUDGE_VETO", "conversation_judge_veto")
    )
    # Error-bounded caching (unset: off): serve only where the learned wrong-hit rate's upper bound is under it.
    max_wrong_rate: float | None = Field(None, validation_alias=_env("NEARHIT_MAX_WRONG_RATE", "max_wrong_rate"))
    # Under the bound, at most this share of any 100 lookups explored (unset: no cap); past it the static decision
    # serves, unproven: fewer LLM calls spent to learn, for answers served outside the bound's promise.
    max_exploration_rate: float | None = Field(
        None, validation_alias=_env("NEARHIT_MAX_EXPLORATION_RATE", "max_exploration_rate")
    )
    # A model asked whether two answers match, to label what the cache learns from (never the simulated one).
    judge_model: str | None = Field(None, validation_alias=_env("NEARHIT_JUDGE_MODEL", "judge_model"))
    # A model asked to rewrite a conversation's last question as a standalone question when the conversation
    # found no entry of its own (nearhit.cache.standalone); unset: off, no call. Ignored (with a warning) while
    # the LLM is the simulated model. A rewrite slower than its timeout, or failing, leaves the offline path.
    rewrite_model: str | None = Field(None, validation_alias=_env("NEARHIT_REWRITE_MODEL", "rewrite_model"))
    rewrite_timeout: float = Field(
        2.0, gt=0, le=60, validation_alias=_env("NEARHIT_REWRITE_TIMEOUT", "rewrite_timeout")
    )
    rewrite_ttl: int = Field(
        7 * 24 * 3600, gt=0, le=MAX_TTL, validation_alias=_env("NEARHIT_REWRITE_TTL", "rewrite_ttl")
    )  # how long a rewrite is kept in Redis: a repeated conversation pays for it once
    # A model asked to confirm a conversation's semantic hit before it is served (nearhit.cache.verified): does the
    # stored answer answer this conversation, yes or no. Unset: off, no call. Ignored (with a warning) while the LLM
    # is the simulated model, and under NEARHIT_MAX_WRONG_RATE. A check that fails, is late or says no: a miss.
    verify_model: str | None = Field(None, validation_alias=_env("NEARHIT_VERIFY_MODEL", "verify_model"))
    verify_timeout: float = Field(2.0, gt=0, le=60, validation_alias=_env("NEARHIT_VERIFY_TIMEOUT", "verify_timeout"))
    verify_ttl: int = Field(
        7 * 24 * 3600, gt=0, le=MAX_TTL, validation_alias=_env("NEARHIT_VERIFY_TTL", "verify_ttl")
    )  # how long a verdict is kept in Redis: the same request for the same entry pays for it once

    # The calibrated decision (nearhit.decision, v3): the guards veto at their cuts; the rest, from the model's
    # margin (0.10) under the similarity threshold (from the threshold itself when the user set it, unless
    # ``fitted_margins``), is scored (the probability that the cached answer serves the new question) and
    # served from this score up. Unset: on (the default since the eleventh session: on a fresh set stated in
    # advance it served more should-hits at no more wrong answers; benchmarks/README.md, "Wrong hits"), except
    # under a wrong-hit bound, which keeps the guards as vetoes as its gate (its prior, its learning over a
    # veto); true or false: as set, bound or not. Needs the guards (NEARHIT_GUARDS=false turns it off too).
    decision_env: bool | None = Field(None, validation_alias=_env("NEARHIT_DECISION", "decision"))
    decision_threshold: float | None = Field(
        None, gt=0, lt=1, validation_alias=_env("NEARHIT_DECISION_THRESHOLD", "decision_threshold")
    )

    # --- Embeddings --------------------------------------------------------------------------------
    # local: all-MiniLM-L6-v2 (English, 384-d); local-multilingual: USE multilingual v3 (16 languages, 512-d,
    # the `nearhit[multilingual]` extra). Switching between them needs a new index (the dimension differs).
    embedder: Literal["auto", "local", "local-multilingual", "openai", "azure"] = Field(
        "auto", validation_alias=_env("NEARHIT_EMBEDDER", "embedder")
    )
    # The local embedder reads misspelt prose words repaired ("recieve" -> "receive", nearhit.guards.spelling):
    # its WordPiece tokenizer cuts them into pieces that mean nothing. Stored prompts and the exact key are
    # untouched; an index stored without it stays valid (its old vectors only miss the gain).
    embed_typo_repair: bool = Field(True, validation_alias=_env("NEARHIT_EMBED_TYPO_REPAIR", "embed_typo_repair"))
    # A question in another language the guards read (German, Polish...: guards/languages.py READ) is compared with
    # its nearest candidate by the larger of MiniLM's and USE multilingual's cosine where both say a subject word
    # (nearhit.cache.other_language; the `nearhit[multilingual]` extra). Opt-in: on the dev splits more
    # paraphrases served and no more wrong answers, pair mode and --shared, but its subject rule was found there.
    other_language_similarity: bool = Field(
        False, validation_alias=_env("NEARHIT_OTHER_LANGUAGE_SIMILARITY", "other_language_similarity")
    )
    openai_embedding_model: str = Field(
        "text-embedding-3-small",
        validation_alias=_env("NEARHIT_OPENAI_EMBEDDING_MODEL", "openai_embedding_model"),
    )
    embedding_cache_ttl: int = Field(
        7 * 24 * 3600, gt=0, le=MAX_TTL, validation_alias=_env("NEARHIT_EMBEDDING_CACHE_TTL", "embedding_cache_ttl")
    )

    # --- LLM providers -----------------------------------------------------------------------------
    llm: Literal["auto", "simulated", "openai", "azure"] = Field("auto", validation_alias=_env("NEARHIT_LLM", "llm"))
    chat_model: str = Field("gpt-4o", min_length=1, validation_alias=_env("NEARHIT_MODEL", "chat_model"))
    simulated_ttft_ms: float = Field(
        450.0, ge=0, le=60_000, validation_alias=_env("NEARHIT_SIM_TTFT_MS", "simulated_ttft_ms")
    )
    simulated_tokens_per_second: float = Field(
        80.0,
        gt=0,
        le=100_000,
        validation_alias=_env("NEARHIT_SIM_TOKENS_PER_SECOND", "simulated_tokens_per_second"),
    )
    llm_timeout: float = Field(60.0, gt=0, le=600, validation_alias=_env("NEARHIT_LLM_TIMEOUT", "llm_timeout"))
    llm_max_retries: int = Field(2, ge=0, le=10, validation_alias=_env("NEARHIT_LLM_MAX_RETRIES", "llm_max_retries"))

    openai_api_key: str | None = Field(None, validation_alias=_env("OPENAI_API_KEY", "openai_api_key"))
    openai_base_url: str | None = Field(None, validation_alias=_env("OPENAI_BASE_URL", "openai_base_url"))
    azure_openai_endpoint: str | None = Field(
        None, validation_alias=_env("AZURE_OPENAI_ENDPOINT", "azure_openai_endpoint")
    )
    azure_openai_api_key: str | None = Field(
        None, validation_alias=_env("AZURE_OPENAI_API_KEY", "azure_openai_api_key")
    )
    azure_openai_api_version: str = Field(
        "2024-10-21", validation_alias=_env("AZURE_OPENAI_API_VERSION", "azure_openai_api_version")
    )
    azure_openai_embedding_model: str | None = Field(
        None, validation_alias=_env("AZURE_OPENAI_EMBEDDING_MODEL", "azure_openai_embedding_model")
    )
    azure_openai_gpt5_model: str | None = Field(
        None, validation_alias=_env("AZURE_OPENAI_GPT5_MODEL", "azure_openai_gpt5_model")
    )

    # --- The service -------------------------------------------------------------------------------
    admin_token: str | None = Field(None, validation_alias=_env("NEARHIT_ADMIN_TOKEN", "admin_token"))
    cors_origins: str = Field("", validation_alias=_env("NEARHIT_CORS_ORIGINS", "cors_origins"))
    gateway_keys: str | None = Field(None, validation_alias=_env("NEARHIT_GATEWAY_KEYS", "gateway_keys"))
    gateway_max_temperature: float = Field(
        1.0, ge=0, le=2, validation_alias=_env("NEARHIT_GATEWAY_MAX_TEMPERATURE", "gateway_max_temperature")
    )
    gateway_max_n: int = Field(4, ge=1, le=128, validation_alias=_env("NEARHIT_GATEWAY_MAX_N", "gateway_max_n"))
    gateway_models: str | None = Field(None, validation_alias=_env("NEARHIT_MODELS", "gateway_models"))
    gateway_scope_user: bool = Field(False, validation_alias=_env("NEARHIT_GATEWAY_SCOPE_USER", "gateway_scope_user"))
    gateway_tenant: str = Field(
        "default", min_length=1, max_length=256, validation_alias=_env("NEARHIT_GATEWAY_TENANT", "gateway_tenant")
    )
    rate_limit_requests_per_minute: int = Field(
        0,
        ge=0,
        validation_alias=_env("NEARHIT_RATE_LIMIT_REQUESTS_PER_MINUTE", "rate_limit_requests_per_minute"),
    )
    rate_limit_tokens_per_minute: int = Field(
        0, ge=0, validation_alias=_env("NEARHIT_RATE_LIMIT_TOKENS_PER_MINUTE", "rate_limit_tokens_per_minute")
    )
    telemetry_maxlen: int = Field(100_000, gt=0, validation_alias=_env("NEARHIT_TELEMETRY_MAXLEN", "telemetry_maxlen"))
    # The health port (nearhit.health_server): off unless set, as the app cannot know its main port under a
    # plain `uvicorn` to derive one, and a guessed PORT+1 would collide with a second local instance.
    health_port: int | None = Field(None, ge=1, le=65535, validation_alias=_env("NEARHIT_HEALTH_PORT", "health_port"))
    health_host: str = Field(
        "127.0.0.1", min_length=1, validation_alias=_env("NEARHIT_HEALTH_HOST", "health_host")
    )  # `nearhit serve` sets it to its --host
    # The request head (request line and headers) as `nearhit serve` bounds it (nearhit.api.protocol): uvicorn
    # bounds neither its size nor the time a client takes to send it. A bigger head is a 431, a slower one a 408.
    max_header_bytes: int = Field(
        65_536, ge=4_096, le=16 * 1024 * 1024, validation_alias=_env("NEARHIT_MAX_HEADER_BYTES", "max_header_bytes")
    )
    header_timeout: float = Field(20.0, gt=0, le=600, validation_alias=_env("NEARHIT_HEADER_TIMEOUT", "header_timeout"))

    @field_validator("knn_hybrid_policy", mode="before")
    @classmethod
    def _policy_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("index_name")
    @classmethod
    def _index_name_is_plain(cls, value: str) -> str:
        if not value.replace("_", "").replace("-", "").isalnum():
            raise ValueError("use letters, digits, '_' and '-' only")
        return value

    @field_validator("admin_token")
    @classmethod
    def _admin_token_is_long(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None  # a blank variable (compose's `${NEARHIT_ADMIN_TOKEN:-}`) means unset
        if len(value.strip()) < MIN_ADMIN_TOKEN_CHARS:
            raise ValueError(
                f"NEARHIT_ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN_CHARS} characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        return value

    @field_validator("max_wrong_rate", mode="before")
    @classmethod
    def _bound_in_range(cls, value: object) -> object:
        from nearhit.cache.bounded import check_bound

        return _rate(value, check_bound, "NEARHIT_MAX_WRONG_RATE must be a number in (0, 0.5], e.g. 0.02")

    @field_validator("max_exploration_rate", mode="before")
    @classmethod
    def _exploration_rate_in_range(cls, value: object) -> object:
        from nearhit.cache.exploration_budget import check_rate

        return _rate(value, check_rate, "NEARHIT_MAX_EXPLORATION_RATE must be a share of lookups in (0, 1], e.g. 0.2")

    @field_validator("judge_model", "rewrite_model", "verify_model")
    @classmethod
    def _blank_model_is_unset(cls, value: str | None) -> str | None:
        return value.strip() if value and value.strip() else None

    @field_validator("conversation_judge")
    @classmethod
    def _no_judge_is_unset(cls, value: str | None) -> str | None:
        """``NEARHIT_CONVERSATION_JUDGE=none`` (or ``off``, or empty) turns the default judge off."""
        return None if value is None or value.strip().lower() in ("", "none", "off") else value.strip()

    @field_validator("openai_base_url", "azure_openai_endpoint")
    @classmethod
    def _an_http_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A provider's address is an http(s) URL with a host (blank means unset): anything else would start a
        server whose every answer fails on a request it cannot even send."""
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            name = "OPENAI_BASE_URL" if info.field_name == "openai_base_url" else "AZURE_OPENAI_ENDPOINT"
            raise ValueError(f"{name} must be an http:// or https:// URL with a host, not {value[:100]!r}")
        return value.strip()

    @field_validator("health_port", mode="before")
    @classmethod
    def _blank_port_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _redis_url_is_read(self) -> Settings:
        """A ``REDIS_URL`` of no form nearhit reads stops here, naming it: not in a worker's start-up traceback."""
        if self.redis_url:
            from nearhit.redis_topology import parse_target

            try:
                parse_target(self.redis_url, cluster=self.redis_cluster)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        return self

    @model_validator(mode="after")
    def _judge_has_its_cut(self) -> Settings:
        if self.conversation_judge_veto is not None and not self.conversation_judge:
            raise ValueError(
                "NEARHIT_CONVERSATION_JUDGE_VETO is set without NEARHIT_CONVERSATION_JUDGE: the veto is the judge's p"
            )
        if not self.conversation_judge or self.conversation_judge_cut is not None:
            return self
        from nearhit.cache.judge import OWN_CUT, folder_of  # only with a judge set: it loads the model next anyway

        if not (folder_of(self.conversation_judge) / OWN_CUT).is_file():
            raise ValueError(
                "NEARHIT_CONVERSATION_JUDGE is set without NEARHIT_CONVERSATION_JUDGE_CUT, and its folder has no "
                "judge.json naming one: set the cut chosen for that model (a probability between 0 and 1); none is "
                "guessed"
            )
        return self

    @model_validator(mode="after")
    def _thresholds_agree(self) -> Settings:
        sim, dist = self.similarity_threshold_env, self.distance_threshold_env
        if sim is not None and dist is not None and abs((1 - dist) - sim) > 1e-9:
            raise ValueError(
                "SEMANTIC_SIMILARITY_THRESHOLD and SEMANTIC_DISTANCE_THRESHOLD disagree "
                f"({sim} vs 1 - {dist}); set one of them"
            )
        return self

    @property
    def similarity_threshold(self) -> float:
        """The similarity a semantic candidate needs (similarity = 1 - cosine distance)."""
        if self.similarity_threshold_env is not None:
            return self.similarity_threshold_env
        if self.distance_threshold_env is not None:
            return 1 - self.distance_threshold_env
        return DEFAULT_SIMILARITY_THRESHOLD

    @property
    def threshold_set(self) -> bool:
        """The user set the similarity threshold (SEMANTIC_SIMILARITY_THRESHOLD or SEMANTIC_DISTANCE_THRESHOLD):
        a floor, so nothing under it is served unless a margin is set too (issue 13: the threshold keeps working
        for users who set it)."""
        return self.similarity_threshold_env is not None or self.distance_threshold_env is not None

    def threshold_note(self) -> str | None:
        """The start-up line for a threshold set by hand with no margin set: it turns the default's margins off, at
        0.76 too (a `.env` written before a set threshold became a floor serves fewer paraphrases, silently)."""
        if not self.threshold_set or self.guards_quiet_margin_env is not None or self.fitted_margins_env is not None:
            return None
        return (
            f"similarity threshold {self.similarity_threshold:g} set by hand (SEMANTIC_SIMILARITY_THRESHOLD or "
            "SEMANTIC_DISTANCE_THRESHOLD): a floor, nothing under it served; unset it for the default 0.76 with its "
            "fitted margins, or set NEARHIT_FITTED_MARGINS=true to keep them under yours"
        )

    @property
    def guards_quiet_margin(self) -> float:
        """How far under the threshold the guards' quiet band reaches: as set, else the default's 0.10 under
        the default threshold and none under one the user set."""
        from nearhit.guards.guard_set import DEFAULT_QUIET_MARGIN

        if self.guards_quiet_margin_env is not None:
            return self.guards_quiet_margin_env
        return 0.0 if self.threshold_set else DEFAULT_QUIET_MARGIN

    @property
    def fitted_margins(self) -> bool:
        """Whether the margins fitted under the default threshold apply (``NEARHIT_FITTED_MARGINS``): as set,
        else only under the default threshold."""
        if self.fitted_margins_env is not None:
            return self.fitted_margins_env
        return not self.threshold_set

    @property
    def decision(self) -> bool:
        """Whether the calibrated decision judges a question's candidates: as set, else on unless a wrong-hit
        bound is (the bound keeps the guards as vetoes as its gate)."""
        if self.decision_env is not None:
            return self.decision_env
        return self.max_wrong_rate is None

    @property
    def secured(self) -> bool:
        """Access needs a credential (a key table or an admin token): tenants are kept apart, so what anyone may
        read (``/health``, ``/readiness``) shows nothing a tenant did, not even how many entries there are."""
        return bool(self.gateway_keys or self.admin_token)

    @property
    def embedded_redis(self) -> bool:
        """True when nearhit runs its own Redis because no REDIS_URL is given."""
        return not self.redis_url

    @property
    def resolved_embedder(self) -> Literal["local", "local-multilingual", "openai", "azure"]:
        """Which embedder 'auto' means: Azure when its embedding deployment is set, OpenAI when only an
        OpenAI key (and no other base URL) is set, the local model otherwise."""
        if self.embedder != "auto":
            return self.embedder
        if self.azure_openai_endpoint and self.azure_openai_embedding_model:
            return "azure"
        if self.openai_api_key and not self.openai_base_url:
            return "openai"
        return "local"

    @property
    def resolved_llm(self) -> Literal["simulated", "openai", "azure"]:
        """Which LLM 'auto' means: Azure with an endpoint and a chat deployment, OpenAI(-compatible) with a key
        or a base URL, the simulated model otherwise."""
        if self.llm != "auto":
            return self.llm
        if self.azure_openai_endpoint and self.azure_openai_gpt5_model:
            return "azure"
        if self.openai_api_key or self.openai_base_url:
            return "openai"
        return "simulated"


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a bad value becomes a :class:`ConfigError` naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            # A validator's message names its variable already: "REDIS_URL has the scheme ...", not "SETTINGS:
            # Value error, REDIS_URL has the scheme ..." (pydantic's wording for where and what raised).
            message = error["msg"].removeprefix("Value error, ")
            where = ".".join(str(part) for part in error["loc"]).upper()
            problems.append(message if not where or message.startswith(where) else f"{where}: {message}")
        raise ConfigError("bad configuration: " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
