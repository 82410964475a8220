"""The long-lived parts of a running service: settings, embedder, LLM, cache, single-flight, telemetry.

Redis may be down when the service starts or go away later. The runtime keeps serving (the LLM path needs
no Redis) and reconnects on demand, at most once per ``RECONNECT_INTERVAL_S``, so caching resumes by
itself when Redis is back.
"""

from __future__ import annotations

import asyncio
import logging
import time

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from nearhit import bootstrap
from nearhit.cache import KeySpace, SemanticCache
from nearhit.cache.semantic_cache import Probe
from nearhit.config import Settings
from nearhit.embeddings import Embedder, build_embedder
from nearhit.errors import NearhitError, RedisUnavailable
from nearhit.llm import LLMEvent, LLMProvider, build_provider
from nearhit.llm.judge import Judge, build_judge
from nearhit.singleflight import SingleFlight
from nearhit.store_health import StoreHealth, StoreResult
from nearhit.telemetry import Telemetry

RECONNECT_INTERVAL_S = 2.0

log = logging.getLogger(__name__)


class Runtime:
    """One per process; the API keeps it on ``app.state.runtime``."""

    def __init__(
        self, settings: Settings, embedder: Embedder, provider: LLMProvider, judge: Judge | None = None
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.provider = provider
        self.judge = judge
        self.flights: SingleFlight[LLMEvent | StoreResult] = SingleFlight()
        self.stores = StoreHealth(settings.store_failures_degraded)
        self.telemetry = Telemetry(lambda: self.redis, KeySpace(settings.index_name), settings.telemetry_maxlen)
        self._cache: SemanticCache | None = None
        self._last_attempt = 0.0
        self._last_error = "not connected yet"
        self._connecting = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        return cls(settings, build_embedder(settings), build_provider(settings), build_judge(settings))

    @property
    def redis(self) -> Redis | None:
        return self._cache.redis if self._cache is not None else None

    @property
    def cache_error(self) -> str | None:
        """Why there is no cache right now, or None when there is one."""
        return None if self._cache is not None else self._last_error

    async def start(self) -> None:
        """Connect what can be connected; a missing Redis (or judge) is logged, not fatal."""
        if self.judge is not None:
            await self.judge.check()
        try:
            await self.cache()
        except NearhitError as exc:
            log.warning(
                "starting without the cache (degraded): serving uncached LLM answers, /health answers 503, "
                "and the cache reconnects by itself once Redis is usable. Reason: %s",
                exc,
            )

    async def cache(self) -> SemanticCache:
        """The cache, connecting first if needed; raises :class:`RedisUnavailable` while it can't be had."""
        if self._cache is not None:
            return self._cache
        async with self._connecting:
            if self._cache is not None:
                return self._cache
            if time.monotonic() - self._last_attempt < RECONNECT_INTERVAL_S and self._last_attempt:
                raise RedisUnavailable(self._last_error)
            self._last_attempt = time.monotonic()
            try:
                self._cache = await bootstrap.open_cache(self.settings, self.embedder)
            except NearhitError as exc:
                self._last_error = str(exc)
                raise RedisUnavailable(self._last_error) from exc
            log.info("cache connected: index %s", self.settings.index_name)
            if self.settings.max_wrong_rate is not None and not self.learning:
                self._cache.max_wrong_rate = None  # the judge is away: the static decision serves
            return self._cache

    async def repair_index(self) -> None:
        """Re-create a missing index (someone dropped it) so the next request finds it again."""
        if self._cache is not None:
            try:
                await self._cache.setup()
            except NearhitError as exc:
                log.warning("could not re-create the index: %s", exc)

    @property
    def learning(self) -> bool:
        """Whether the error-bounded policy runs: a bound is set and its judge (if one is configured) answers.
        Otherwise the cache serves under the static decision."""
        return self.settings.max_wrong_rate is not None and (self.judge is None or self.judge.error is None)

    async def check_judge(self) -> dict[str, object] | None:
        """The judge's state for /readiness (None without one); a judge back online turns learning back on."""
        if self.judge is None:
            return None
        ok = await self.judge.check()
        if self._cache is not None:
            self._cache.max_wrong_rate = self.settings.max_wrong_rate if self.learning else None
        state: dict[str, object] = {"ok": ok, "model": self.judge.model}
        if not ok:
            state["error"] = f"{self.judge.error}; the cache serves under the static decision meanwhile"
        return state

    async def learn(self, probe: Probe, query_vector: list[float], prompt: str, fresh_answer: str) -> None:
        """Label a withheld candidate once the LLM has answered: by the judge when configured, else offline."""
        try:
            cache = await self.cache()
            if self.judge is None:
                await cache.label_by_answers(probe, query_vector, fresh_answer)
                return
            cached = await cache.redis.hget(probe.doc_id, "prompt")
            cached_question = cached.decode() if isinstance(cached, bytes) else str(cached or "")
            verdict = await self.judge.agrees(prompt, cached_question, probe.cached_response, fresh_answer)
            cache.max_wrong_rate = self.settings.max_wrong_rate if self.learning else None
            if verdict is not None:
                await cache.label(probe.doc_id, query_vector, probe.similarity, verdict, "judge")
        except (NearhitError, RedisError) as exc:
            log.warning("label not recorded: %s", exc)

    async def close(self) -> None:
        await self.telemetry.flush()
        if self._cache is not None:
            await self._cache.close()
            self._cache = None
        await self.provider.aclose()


def current_request_id() -> str | None:
    """The id of the HTTP request being served (bound by the API's middleware), None outside one."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None
