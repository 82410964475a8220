"""The cache engine: keys and scopes (``keys``), a stored entry (``entry``), the vector index (``index``), the
request path (``semantic_cache``: lookup and store), administration (``admin``), the embedding store, and the
values they return (``results``). Guards: :mod:`nearhit.guards`.

The names below are imported on first use, so a module that needs only ``keys`` or ``entry`` (the memory
model, the CLI's option parsing) does not load the Redis client.
"""

import typing as _typing

from nearhit import _lazy

if _typing.TYPE_CHECKING:
    from nearhit.cache.keys import KeySpace, Scope, normalise
    from nearhit.cache.lookup import Lookup
    from nearhit.cache.results import CachedAnswer, CacheStats, LookupResult, SearchHit
    from nearhit.cache.semantic_cache import SemanticCache

_HOMES = {
    "nearhit.cache.keys": ("KeySpace", "Scope", "normalise"),
    "nearhit.cache.lookup": ("Lookup",),
    "nearhit.cache.results": ("CacheStats", "CachedAnswer", "LookupResult", "SearchHit"),
    "nearhit.cache.semantic_cache": ("SemanticCache",),
}

__all__ = [
    "CacheStats",
    "CachedAnswer",
    "KeySpace",
    "Lookup",
    "LookupResult",
    "Scope",
    "SearchHit",
    "SemanticCache",
    "normalise",
]


__getattr__ = _lazy.exports(__name__, _HOMES, globals())
