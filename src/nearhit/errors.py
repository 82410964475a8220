"""The errors nearhit raises on purpose, so callers (API, CLI) can map each to a clear message."""

from __future__ import annotations


class NearhitError(Exception):
    """Base class: every message is written for the person who has to act on it."""


class ConfigError(NearhitError):
    """A setting is missing or has a bad value."""


class InvalidInput(NearhitError, ValueError):
    """The caller sent something nearhit cannot use (empty prompt, wrong vector size, ...)."""


class TooLarge(InvalidInput):
    """Valid in form but over a size limit (a conversation's history): answered with 413 and the limit."""


class RedisUnavailable(NearhitError):
    """Redis could not be reached within the configured timeout, or it lacks a module nearhit needs."""


class EmbeddedRedisUnavailable(RedisUnavailable):
    """No embedded Redis for this platform (its wheels are Linux x86_64 only): set ``REDIS_URL``. On Linux x86_64
    a missing wheel is a plain :class:`RedisUnavailable`: an install to mend, which the tests must not skip."""


class RedisFull(RedisUnavailable):
    """Redis refused a write for memory (at ``maxmemory`` with ``noeviction``): reads still work, nothing stored is
    lost, and writes resume once memory is freed (:mod:`nearhit.redis_full` says it)."""


class StoreCleared(NearhitError):
    """A miss's answer not stored: the cache (or its tenant) was cleared while the answer was generated."""


class ClearIncomplete(NearhitError):
    """A clear of one tenant stopped at its deadline: the index, re-created over the keys there, had not read them
    all. What it deleted is gone, the rest is still there; running the clear again deletes the rest."""


class IndexMismatch(NearhitError):
    """The existing vector index does not fit the configured embedder (dimension, algorithm)."""


class EmbedderError(NearhitError):
    """The embedding model could not be loaded or called."""
