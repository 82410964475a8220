"""What the cache does with a call to a model on a lookup's path (:class:`nearhit.llm.lookup_model.LookupModel`:
the standalone rewrite, :mod:`nearhit.cache.standalone`; the check of a conversation's hit,
:mod:`nearhit.cache.verified`): the reply kept in Redis for the model's TTL, so the same request asked again makes
no call; each call counted with the cache's counters (calls, kept replies, failures, tokens, price, time); a model
that starts failing logged once, and once again when it answers. A failure never raises into the lookup: the
caller reads it from the ``error`` of what :func:`kept_or_asked` returns. What it returns names the model
configured (``model``: the model asked, whose name keys the kept reply) whether the call answered, failed, was skipped
or its reply kept; the name the upstream gave the model that answered (what priced it, a dated snapshot or Azure's
model behind a deployment) is ``answered_by``, kept with the reply. A kept reply that cannot be read (not
JSON, not the shape the caller keeps, a key of another type) is logged and asked again, then kept in its place: a
damaged key does not fail every lookup of its request until it expires.

A model that keeps failing is not called for a while (:class:`nearhit.llm.lookup_model.Breaker`, per process): after
a few failures in a row (errors, timeouts; a reply the caller cannot use is the model answering) its calls are
skipped at once, shown with an ``error`` and ``skipped`` (why: the failures, when the next try is), counted apart from
the failures; after a cool-down one call probes it, and one that answers lets the calls through again. Logged when it
opens and when it closes, once each. A kept reply is read all the same, and a burst joins its running call."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from redis.exceptions import ResponseError

from nearhit import foreign_json
from nearhit.cache.clear_counts import cleared_since
from nearhit.cache.client import reads, unlink_each
from nearhit.llm.lookup_model import Unusable

if TYPE_CHECKING:
    from nearhit.cache.lookup import Lookup
    from nearhit.cache.semantic_cache import SemanticCache
    from nearhit.llm.lookup_model import LookupModel

log = logging.getLogger(__name__)


class Spent(Protocol):
    """What a call cost (:class:`nearhit.llm.lookup_model.Call`, :class:`nearhit.llm.rewrite.Rewritten`)."""

    @property
    def ms(self) -> float: ...
    @property
    def prompt_tokens(self) -> int: ...
    @property
    def completion_tokens(self) -> int: ...
    @property
    def cost_usd(self) -> float: ...


@dataclass(frozen=True)
class Counters:
    """The names of one model's counters (:mod:`nearhit.cache.rewrite_stats`, :mod:`nearhit.cache.verify_stats`)."""

    calls: str
    kept: str
    failures: str
    skipped: str
    prompt_tokens: str
    completion_tokens: str
    cost_micro_usd: str
    ms: str


@dataclass(frozen=True)
class Logged:
    """What is logged when the model starts failing (with the error) and when it answers again (with the model);
    when its calls start being skipped (with the failures in a row, the cool-down and the error) and when they are
    made again (with the model)."""

    failing: str
    again: str
    skipping: str
    resumed: str


async def kept_or_asked(
    cache: SemanticCache,
    model: LookupModel,
    query: Lookup,
    key: str,
    ask: Callable[[], Awaitable[tuple[dict[str, Any], Spent]]],
    counters: Counters,
    logged: Logged,
    readable: Callable[[dict[str, Any]], bool],
) -> dict[str, Any]:
    """The reply as the result shows it: read back from Redis at ``key`` (``cached``, no cost), or asked of the model
    (``ask``: what to keep and show, and what it cost), then kept for ``model.ttl``; or, when the call failed, the
    ``error`` (nothing kept). ``readable``: whether a kept reply has the shape ``ask`` keeps (else it is asked
    again). The same ``key`` asked again while its call runs (a burst of the very same request) waits for that call
    and shows its reply as ``cached`` and ``joined`` (no cost; counted with the kept replies, or not at all when the
    call failed): one call, not one per request. A reply asked before a clear of ``query``'s tenant and kept after
    it is deleted (:func:`_keep`)."""
    kept = await _kept(cache, key, readable)
    if kept is not None:
        cache._count(counters.kept)
        return {**kept, "model": model.model, "cached": True, "ms": 0.0, "cost_usd": 0.0}

    breaker = model.breaker

    async def asked(probe: bool) -> dict[str, Any]:
        """The model's reply asked, counted and kept; or the call's ``error``. ``probe``: the call the breaker let
        through after its cool-down."""
        started = time.perf_counter()
        try:
            shown, spent = await ask()
        except Exception as exc:  # an optional step: whatever fails in it (LLMError above all), the lookup goes on
            cache._count(counters.failures)
            if model.error is None:
                log.warning(logged.failing, exc)
            model.error = str(exc)
            if isinstance(exc, Unusable):  # the model answered: the provider is up
                if breaker.answered():
                    log.warning(logged.resumed, model.model)
            elif breaker.failed(probe):
                log.warning(logged.skipping, breaker.in_a_row, breaker.cool_down, exc)
            ms = round((time.perf_counter() - started) * 1000, 3)
            return {"model": model.model, "error": str(exc), "cached": False, "ms": ms, "cost_usd": 0.0}
        if breaker.answered():
            log.warning(logged.resumed, model.model)
        if model.error is not None:
            log.info(logged.again, model.model)
            model.error = None
        cache._count(counters.calls)
        cache._add(
            {
                counters.prompt_tokens: spent.prompt_tokens,
                counters.completion_tokens: spent.completion_tokens,
                counters.cost_micro_usd: round(spent.cost_usd * 1_000_000),
                counters.ms: round(spent.ms),
            }
        )
        async with cache._redis_errors():
            await _keep(cache, query, key, json.dumps(shown, ensure_ascii=False), model.ttl)
        return {
            **shown,
            "model": model.model,
            "cached": False,
            "ms": spent.ms,
            "prompt_tokens": spent.prompt_tokens,
            "completion_tokens": spent.completion_tokens,
            "cost_usd": spent.cost_usd,
        }

    running = model.asking.get(key)
    if running is None:
        why = breaker.skip()
        if why is not None:
            cache._count(counters.skipped)
            error = f"{model.what} skipped: {why}"
            return {"model": model.model, "error": error, "skipped": why, "cached": False, "ms": 0.0, "cost_usd": 0.0}
        running = asyncio.ensure_future(asked(probe=breaker.probing))
        model.asking[key] = running
        running.add_done_callback(lambda done: _forget(model, key, done))
        return await asyncio.shield(running)  # a caller that goes away leaves the call to those waiting for it
    shown = await asyncio.shield(running)
    if "error" not in shown:
        cache._count(counters.kept)
    own = ("prompt_tokens", "completion_tokens")  # the call's, paid by the request that made it
    return {
        **{k: v for k, v in shown.items() if k not in own},
        "cached": True,
        "joined": True,
        "ms": 0.0,
        "cost_usd": 0.0,
    }


def _forget(model: LookupModel, key: str, done: asyncio.Future[dict[str, Any]]) -> None:
    """A call ended: the next request for ``key`` reads its reply from Redis. Its exception (Redis lost while
    keeping the reply) is read here too, so a call whose callers all went away is not logged as never retrieved."""
    model.asking.pop(key, None)
    if not done.cancelled():
        done.exception()


async def _kept(cache: SemanticCache, key: str, readable: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    """The reply kept at ``key``; None when there is none, or none that can be read (logged: it is asked again)."""
    try:
        async with cache._redis_errors():
            raw = await cache.redis.get(key)
    except ResponseError as exc:  # WRONGTYPE: another kind of key in its place (SET replaces it)
        log.warning("a kept model reply at %s cannot be read, asking again: %s", key, exc)
        return None
    if raw is None:
        return None
    kept = foreign_json.read(raw)
    if not isinstance(kept, dict) or not readable(kept):
        log.warning("a kept model reply at %s cannot be read, asking again: %r", key, raw[:100])
        return None
    return kept


async def _keep(cache: SemanticCache, query: Lookup, key: str, reply: str, ttl: int) -> None:
    """Keep ``reply`` at ``key``, then read the clear counts ``query`` read before its model call: changed, a clear of
    its tenant ran meanwhile and the reply (what the tenant asked, told again) is deleted, as a miss's answer is
    (:mod:`nearhit.cache.clear_counts`). Two round trips, in that order on any topology: after a model call."""
    await cache.redis.set(key, reply, ex=ttl)
    if query.clears is None:
        return
    names = cache.keys.clears_of(query.scope.tenant)
    now = await reads(cache.redis, [("GET", name) for name in names], raise_on_error=False)
    if cleared_since(query.clears, now):
        await unlink_each(cache.redis, [key])
