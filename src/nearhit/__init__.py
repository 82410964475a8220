"""nearhit: a semantic cache for LLM applications on Redis.

    from nearhit import Cache

    with Cache.open() as cache:  # REDIS_URL, else the embedded Redis; the server's settings and defaults
        answer = cache.answer("What is Redis?", call_my_llm)  # lookup -> call -> store, single-flight

:class:`AsyncCache` is the same for asyncio code (``async with AsyncCache.open() as cache:``).

The names below are imported on first use, so ``nearhit --help`` and the server do not pay for the library.
"""

import typing as _typing

from nearhit import _lazy

if _typing.TYPE_CHECKING:
    from nearhit.cache import CachedAnswer, CacheStats, LookupResult, Scope, SearchHit
    from nearhit.config import Settings, load_settings
    from nearhit.errors import ConfigError, IndexMismatch, InvalidInput, NearhitError, RedisUnavailable
    from nearhit.library import Answer, AsyncCache, Cache, CacheClosed, SyncCallInEventLoop, WrongEventLoop

__version__ = "0.1.0"

_HOMES = {
    "nearhit.cache": ("CacheStats", "CachedAnswer", "LookupResult", "Scope", "SearchHit"),
    "nearhit.config": ("Settings", "load_settings"),
    "nearhit.errors": ("ConfigError", "IndexMismatch", "InvalidInput", "NearhitError", "RedisUnavailable"),
    "nearhit.library": ("Answer", "AsyncCache", "Cache", "CacheClosed", "SyncCallInEventLoop", "WrongEventLoop"),
}

__all__ = [
    "Answer",
    "AsyncCache",
    "Cache",
    "CacheClosed",
    "CacheStats",
    "CachedAnswer",
    "ConfigError",
    "IndexMismatch",
    "InvalidInput",
    "LookupResult",
    "NearhitError",
    "RedisUnavailable",
    "Scope",
    "SearchHit",
    "Settings",
    "SyncCallInEventLoop",
    "WrongEventLoop",
    "__version__",
    "load_settings",
]


__getattr__ = _lazy.exports(__name__, _HOMES, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
