"""The cache engine: keys and scopes, the vector index, the two-tier semantic cache (guards: `nearhit.guards`)."""

from nearhit.cache.keys import KeySpace, Scope, normalise
from nearhit.cache.semantic_cache import CachedAnswer, CacheStats, LookupResult, SearchHit, SemanticCache

__all__ = [
    "CacheStats",
    "CachedAnswer",
    "KeySpace",
    "LookupResult",
    "Scope",
    "SearchHit",
    "SemanticCache",
    "normalise",
]
