"""The long-lived parts of a running service: settings, embedder, LLM, cache, single-flight, telemetry.

Redis may be down when the service starts or go away later. The runtime keeps serving (the LLM path needs
no Redis) and reconnects on demand, at most once per ``RECONNECT_INTERVAL_S``, so caching resumes by
itself when Redis is back.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis.asyncio import Redis

from nearhit import bootstrap
from nearhit.cache import KeySpace, SemanticCache
from nearhit.config import Settings
from nearhit.embeddings import Embedder, build_embedder
from nearhit.errors import NearhitError, RedisUnavailable
from nearhit.llm import LLMEvent, LLMProvider, build_provider
from nearhit.singleflight import SingleFlight
from nearhit.store_health import StoreHealth, StoreResult
from nearhit.telemetry import Telemetry

RECONNECT_INTERVAL_S = 2.0

log = logging.getLogger(__name__)


class Runtime:
    """One per process; the API keeps it on ``app.state.runtime``."""

    def __init__(self, settings: Settings, embedder: Embedder, provider: LLMProvider) -> None:
        self.settings = settings
        self.embedder = embedder
        self.provider = provider
        self.flights: SingleFlight[LLMEvent | StoreResult] = SingleFlight()
        self.stores = StoreHealth(settings.store_failures_degraded)
        self.telemetry = Telemetry(lambda: self.redis, KeySpace(settings.index_name), settings.telemetry_maxlen)
        self._cache: SemanticCache | None = None
        self._last_attempt = 0.0
        self._last_error = "not connected yet"
        self._connecting = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        return cls(settings, build_embedder(settings), build_provider(settings))

    @property
    def redis(self) -> Redis | None:
        return self._cache.redis if self._cache is not None else None

    @property
    def cache_error(self) -> str | None:
        """Why there is no cache right now, or None when there is one."""
        return None if self._cache is not None else self._last_error

    async def start(self) -> None:
        """Connect what can be connected; a missing Redis is logged, not fatal."""
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
            return self._cache

    async def repair_index(self) -> None:
        """Re-create a missing index (someone dropped it) so the next request finds it again."""
        if self._cache is not None:
            try:
                await self._cache.setup()
            except NearhitError as exc:
                log.warning("could not re-create the index: %s", exc)

    async def close(self) -> None:
        await self.telemetry.flush()
        if self._cache is not None:
            await self._cache.close()
            self._cache = None
        await self.provider.aclose()
