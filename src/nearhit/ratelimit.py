"""Per-caller request and token rate limits: a sliding window over two one-minute counters in Redis.

The estimate is the current minute's count plus the previous minute's, weighted by how much of it still lies in
the last 60 s (the usual sliding-window counter: two small hashes per caller, no per-request entries). The check
and the count are one Lua script, so concurrent requests cannot all slip under the limit together. Limits are off
unless set. When Redis is away the limiter lets requests through (the raw LLM path must keep working) and says
so once per outage in the log.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError

from nearhit.cache.keys import KeySpace
from nearhit.errors import NearhitError

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
Kind = Literal["requests", "tokens"]

# KEYS: previous minute, current minute. ARGV: fraction of the current minute gone, request limit, token limit,
# tokens to count, TTL. Returns {} when admitted (and counted), else {kind, previous count, current count}.
_ADMIT = """
local prev = redis.call('HMGET', KEYS[1], 'requests', 'tokens')
local cur = redis.call('HMGET', KEYS[2], 'requests', 'tokens')
local gone = tonumber(ARGV[1])
local limits = {tonumber(ARGV[2]), tonumber(ARGV[3])}
local kinds = {'requests', 'tokens'}
for i = 1, 2 do
  local p, c = tonumber(prev[i]) or 0, tonumber(cur[i]) or 0
  if limits[i] > 0 and p * (1 - gone) + c + 1 > limits[i] then
    return {kinds[i], tostring(p), tostring(c)}
  end
end
redis.call('HINCRBY', KEYS[2], 'requests', 1)
redis.call('HINCRBY', KEYS[2], 'tokens', tonumber(ARGV[4]))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]))
return {}
"""


class RateLimited(NearhitError):
    """The caller used up its requests or tokens for the last minute; ``retry_after`` is in whole seconds."""

    def __init__(self, kind: Kind, limit: int, retry_after: int) -> None:
        unit = "requests" if kind == "requests" else "tokens"
        super().__init__(
            f"rate limit reached: {limit:,} {unit} per minute for this caller "
            f"(NEARHIT_RATE_LIMIT_{kind.upper()}_PER_MINUTE); retry after {retry_after} s"
        )
        self.kind = kind
        self.limit = limit
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limits:
    """Per caller and per minute; 0 turns a limit off."""

    requests_per_minute: int = 0
    tokens_per_minute: int = 0

    @property
    def on(self) -> bool:
        return self.requests_per_minute > 0 or self.tokens_per_minute > 0


def seconds_until_under(previous: float, current: float, gone: float, limit: int) -> int:
    """Whole seconds until ``previous * (1 - gone) + current + 1 <= limit`` holds again, as the window slides."""
    room = limit - 1
    if current <= room:  # the previous minute's share decays within this minute
        wait = 0.0 if previous <= 0 else (1 - (room - current) / previous - gone) * WINDOW_SECONDS
    else:  # only once this minute has become the previous one, and decayed enough
        wait = ((1 - gone) + (1 - room / current)) * WINDOW_SECONDS
    return max(1, math.ceil(wait))


class RateLimiter:
    """Counts per caller identity (a key's digest, or the client address); ``redis`` is looked up per call."""

    def __init__(self, redis: Callable[[], Redis | None], keys: KeySpace, limits: Limits) -> None:
        self._redis = redis
        self._keys = keys
        self.limits = limits
        self._failing = False

    async def admit(self, identity: str, tokens: int = 0) -> None:
        """Count one request and ``tokens`` for ``identity``, or raise :class:`RateLimited` without counting."""
        if not self.limits.on:
            return
        now = time.time()
        minute, gone = divmod(now, WINDOW_SECONDS)
        keys = [self._keys.rate_limit(identity, int(minute) - 1), self._keys.rate_limit(identity, int(minute))]
        args = [gone / WINDOW_SECONDS, self.limits.requests_per_minute, self.limits.tokens_per_minute, tokens]
        reply = await self._run(_ADMIT, keys, [*args, 2 * WINDOW_SECONDS])
        if not reply:
            return
        kind: Kind = "requests" if _text(reply[0]) == "requests" else "tokens"
        limit = self.limits.requests_per_minute if kind == "requests" else self.limits.tokens_per_minute
        wait = seconds_until_under(float(_text(reply[1])), float(_text(reply[2])), gone / WINDOW_SECONDS, limit)
        raise RateLimited(kind, limit, wait)

    async def charge(self, identity: str, tokens: int) -> None:
        """Count tokens known only once the answer is there (its completion)."""
        if self.limits.tokens_per_minute <= 0 or tokens <= 0:
            return
        key = self._keys.rate_limit(identity, int(time.time() // WINDOW_SECONDS))
        script = "redis.call('HINCRBY', KEYS[1], 'tokens', ARGV[1]) redis.call('EXPIRE', KEYS[1], ARGV[2]) return {}"
        await self._run(script, [key], [tokens, 2 * WINDOW_SECONDS])

    async def _run(self, script: str, keys: list[str], args: list[float | int]) -> list[object] | None:
        redis = self._redis()
        try:
            if redis is None:
                raise RedisError("no connection to Redis")
            reply: list[object] = await redis.eval(script, len(keys), *keys, *args)  # type: ignore[misc]
        except (RedisError, OSError) as exc:
            if not self._failing:
                log.warning("rate limits not enforced while Redis is unavailable (requests pass): %s", exc)
            self._failing = True
            return None
        if self._failing:
            log.info("rate limits enforced again: Redis is back")
        self._failing = False
        return reply


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
