"""The long-lived parts of a running service: settings, embedder, LLM, cache, single-flight, telemetry.

Redis may be down when the service starts or go away later. The runtime keeps serving (the LLM path needs
no Redis) and reconnects on demand, at most once per ``RECONNECT_INTERVAL_S``, so caching resumes by
itself when Redis is back. A background check (every ``HEALTH_INTERVAL_S``) keeps the health status that
``/health`` answers from, so a health probe never waits behind request work; when that check fails and the
embedded Redis has come back on another port, it reconnects there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from nearhit.cache import KeySpace, SemanticCache
from nearhit.cache.client import RedisClient
from nearhit.cache.results import Probe
from nearhit.config import Settings
from nearhit.embeddings import Embedder, build_embedder
from nearhit.embeddings.base import Interruptible
from nearhit.errors import ConfigError, IndexMismatch, NearhitError, RedisUnavailable
from nearhit.llm import LLMEvent, LLMProvider, ProviderName, build_provider
from nearhit.llm.judge import Judge, build_judge
from nearhit.service import bootstrap
from nearhit.service.shared_flight import SharedFlights
from nearhit.service.singleflight import SingleFlight
from nearhit.service.store_health import StoreHealth, StoreResult
from nearhit.service.telemetry import Telemetry

RECONNECT_INTERVAL_S = 2.0
HEALTH_INTERVAL_S = 1.0
HEALTH_STALE_S = 15.0  # a status older than this (the check itself is stuck) is reported as not healthy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthStatus:
    """The outcome of one check of Redis and the index, and when it was made."""

    redis: dict[str, Any]
    index: dict[str, Any]
    checked_at: float  # time.monotonic()

    @property
    def ok(self) -> bool:
        return bool(self.redis["ok"] and self.index["ok"])

    @property
    def age_s(self) -> float:
        return time.monotonic() - self.checked_at


class Runtime:
    """One per process; the API keeps it on ``app.state.runtime``."""

    def __init__(
        self, settings: Settings, embedder: Embedder, provider: LLMProvider, judge: Judge | None = None
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.provider = provider
        self.providers: dict[str, LLMProvider] = {provider.name: provider}
        self.judge = judge
        self.flights: SingleFlight[LLMEvent | StoreResult] = SingleFlight()
        self.shared_flights = SharedFlights(lambda: self.redis, KeySpace(settings.index_name))
        self.stores = StoreHealth(settings.store_failures_degraded)
        self.telemetry = Telemetry(
            lambda: self.redis, KeySpace(settings.index_name), settings.telemetry_maxlen, per_tenant=settings.secured
        )
        self.health: HealthStatus | None = None  # the newest background check; None before the first
        self._cache: SemanticCache | None = None
        self._url: str | None = None  # where the cache's client connects
        self._last_attempt = 0.0
        self._last_error: Exception = RedisUnavailable("not connected yet")  # why the last connection failed
        self._connecting = asyncio.Lock()
        self._watcher: asyncio.Task[None] | None = None
        self._probe: tuple[SemanticCache, Redis] | None = None  # the health check's connection, and for which cache
        self._owns_embedder = False  # built for this runtime alone: its calls in progress may be ended on close

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        runtime = cls(settings, build_embedder(settings), build_provider(settings), build_judge(settings))
        runtime._owns_embedder = True
        return runtime

    def route_to(self, routes: Mapping[str, ProviderName]) -> None:
        """Build, once, each provider the model table routes to (entry name -> provider), so a provider whose
        settings are missing stops start-up naming the entry and the variable, not a request later."""
        for entry, name in routes.items():
            if name in self.providers:
                continue
            try:
                self.providers[name] = build_provider(self.settings, name)
            except ConfigError as exc:
                raise ConfigError(
                    f"NEARHIT_MODELS: entry {entry!r} routes to the {name!r} provider, but {exc}"
                ) from None

    def provider_for(self, name: str | None) -> LLMProvider:
        """The provider a request is routed to (None: the configured one)."""
        return self.provider if name is None else self.providers[name]

    @property
    def redis(self) -> RedisClient | None:
        return self._cache.redis if self._cache is not None else None

    async def start(self) -> None:
        """Connect what can be connected (a missing Redis or judge is logged, not fatal) and start the health
        checks."""
        if self.judge is not None:
            await self.judge.check()
        try:
            await self.cache()
        except ConfigError:
            raise
        except NearhitError as exc:
            log.warning(
                "starting without the cache (degraded): serving uncached LLM answers, /health answers 503, "
                "and the cache reconnects by itself once Redis is usable. Reason: %s",
                exc,
            )
        await self.check_health()
        if self._watcher is None:
            self._watcher = asyncio.create_task(self._watch())

    async def cache(self) -> SemanticCache:
        """The cache, connecting first if needed; raises :class:`RedisUnavailable` while it can't be had."""
        if self._cache is not None:
            return self._cache
        async with self._connecting:
            if self._cache is not None:
                return self._cache
            if time.monotonic() - self._last_attempt < RECONNECT_INTERVAL_S and self._last_attempt:
                raise RedisUnavailable(str(self._last_error)) from self._last_error
            self._last_attempt = time.monotonic()
            try:
                url = await bootstrap.redis_url(self.settings)
                self._cache = await bootstrap.open_cache(self.settings, self.embedder, url)
            except ConfigError:
                raise  # a setting to change (e.g. cluster mode for a cluster's URL): retrying cannot help
            except NearhitError as exc:
                self._last_error = exc
                raise RedisUnavailable(str(exc)) from exc
            self._url = url
            log.info("cache connected: index %s", self.settings.index_name)
            if self.settings.max_wrong_rate is not None and not self.learning:
                self._cache.max_wrong_rate = None  # the judge is away: the static decision serves
            return self._cache

    async def check_health(self) -> HealthStatus:
        """Check Redis and the index now, keep the result in ``health`` and log a change (down once, up once)."""
        try:
            cache = await self.cache()
            probe = await self._probe_of(cache)
            await probe.ping()
            entries = await cache.index_entries(probe, check_shape=True)
        except Exception as exc:  # any failure here means "not healthy", reported with its reason
            status = await self._unhealthy(exc)
        else:
            index: dict[str, Any] = {
                "ok": entries is not None,
                "name": cache.spec.name,
                "dimension": cache.spec.dimension,
            }
            if entries is None:
                index["error"] = "index missing (it is re-created on the next request)"
                await self.repair_index()
            elif not self.settings.secured:  # a count anyone may poll would show when a tenant stores
                index["entries"] = entries
            status = HealthStatus({"ok": True, "embedded": self.settings.embedded_redis}, index, time.monotonic())
        self._log_change(self.health, status)
        self.health = status
        return status

    async def _unhealthy(self, failure: Exception) -> HealthStatus:
        """The status for a failed check: an index of another shape (Redis answered, the index is what to mend:
        the start-up refusal's words, naming what differs and the rebuild) or Redis itself away."""
        mismatch = failure if isinstance(failure, IndexMismatch) else failure.__cause__  # at start-up: its cause
        if isinstance(mismatch, IndexMismatch):
            redis = {"ok": True, "embedded": self.settings.embedded_redis}
            index = {"ok": False, "name": self.settings.index_name, "error": str(mismatch)}
            return HealthStatus(redis, index, time.monotonic())
        await self._follow_embedded()
        return HealthStatus({"ok": False, "error": str(failure)}, {"ok": False, "error": "no Redis"}, time.monotonic())

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

    async def learn(self, probe: Probe, query_vector: list[float], prompt: str, fresh_answer: str, tenant: str) -> None:
        """Label ``tenant``'s withheld candidate once the LLM has answered: by the judge when configured, else
        offline."""
        try:
            cache = await self.cache()
            if self.judge is None:
                await cache.label_by_answers(probe, query_vector, fresh_answer, tenant)
                return
            cached = await cache.redis.hget(probe.doc_id, "prompt")
            cached_question = cached.decode() if isinstance(cached, bytes) else str(cached or "")
            verdict = await self.judge.agrees(prompt, cached_question, probe.cached_response, fresh_answer)
            cache.max_wrong_rate = self.settings.max_wrong_rate if self.learning else None
            if verdict is not None:
                await cache.label(
                    probe.doc_id, query_vector, probe.similarity, verdict, "judge", counted=not probe.vetoed
                )
        except (NearhitError, RedisError) as exc:
            log.warning("label not recorded: %s", exc)

    async def close(self) -> None:
        await self.shared_flights.close()  # its followers elsewhere told, while Redis is still connected
        if self._owns_embedder and isinstance(self.embedder, Interruptible):
            self.embedder.interrupt()  # a model call still running would hold the process's exit
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        await self._close_probe()
        await self.telemetry.close()
        if self._cache is not None:
            await self._cache.close()
            self._cache = None
        for provider in self.providers.values():
            await provider.aclose()

    async def _watch(self) -> None:
        # Until :meth:`close` cancels it, even when a check swallowed the cancellation: Python 3.11's
        # asyncio.wait_for returns its inner result to a task cancelled in the turn that result came (CPython
        # gh-86296), and redis-py sends every command under one when a socket timeout is set (nearhit sets one).
        # The loop then slept on, and close() waited for good (seen closing the service after a cluster's failover).
        watcher = asyncio.current_task()
        while watcher is None or not watcher.cancelling():
            await asyncio.sleep(HEALTH_INTERVAL_S)
            try:
                await self.check_health()
            except Exception:  # the watcher must outlive any surprise; the next round tries again
                log.exception("health check failed")

    async def _probe_of(self, cache: SemanticCache) -> RedisClient:
        """A connection of its own to the cache's Redis, for the health check: requests that hold every
        connection of the shared pool (a burst) must not make Redis look down. A cluster client is its own
        probe: it keeps a pool per node and opens connections as needed."""
        if not isinstance(cache.redis, Redis):
            return cache.redis
        if self._probe is None or self._probe[0] is not cache:
            await self._close_probe()
            pool = cache.redis.connection_pool
            own = BlockingConnectionPool(
                connection_class=pool.connection_class,
                max_connections=2,  # the background check and a readiness probe may overlap
                timeout=self.settings.redis_timeout,
                **pool.connection_kwargs,
            )
            self._probe = (cache, Redis(connection_pool=own))
        return self._probe[1]

    async def _close_probe(self) -> None:
        if self._probe is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._probe[1].aclose(close_connection_pool=True)
            self._probe = None

    async def _follow_embedded(self) -> None:
        """The embedded Redis restarted on another port (its old one was taken): move the cache there. A
        Redis that merely restarted on the same port needs nothing: the client reconnects by itself."""
        if self._cache is None:
            return  # the next cache() call looks the URL up again anyway
        url = await bootstrap.embedded_url_now(self.settings)
        if url is None or url == self._url:
            return
        async with self._connecting:
            try:
                fresh = await bootstrap.open_cache(self.settings, self.embedder, url)
            except (NearhitError, RedisError, OSError) as exc:  # not ready yet: the next check tries again
                self._last_error = exc
                return
            stale, self._cache, self._url = self._cache, fresh, url
        log.info("the embedded Redis is now at %s: the cache reconnected there", url)
        with contextlib.suppress(Exception):  # the old server is gone: closing its client may fail
            await stale.close()

    @staticmethod
    def _log_change(before: HealthStatus | None, now: HealthStatus) -> None:
        if before is None or before.ok == now.ok:
            return
        if now.ok:
            log.info("Redis and the index are back: caching resumes")
        else:
            reason = now.redis.get("error") or now.index.get("error")
            log.warning("Redis or the index is down (answering from the LLM until it is back): %s", reason)


def current_request_id() -> str | None:
    """The id of the HTTP request being served (bound by the API's middleware), None outside one."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None
