"""What became of the answers the cache column tried to store, kept in process.

The background store is the only write on the request path. When Redis refuses writes (``maxmemory`` with
``noeviction``, a read-only replica) lookups keep working, so nothing else would notice that caching has
stopped. The record lives in the process, not in Redis, because Redis is exactly what refuses to record it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

StoreOutcome = Literal["stored", "skipped", "failed"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreResult:
    """The end of a shared generation's store: ``reason`` says why it was skipped or how it failed."""

    outcome: StoreOutcome
    reason: str | None = None


class StoreHealth:
    """Counts store failures; caching is degraded after ``degrade_after`` failures in a row, and recovers with
    the next store that succeeds."""

    def __init__(self, degrade_after: int) -> None:
        self.degrade_after = degrade_after
        self.stored = 0
        self.failures = 0
        self.consecutive_failures = 0
        self.last_error: str | None = None
        self.last_error_at: float | None = None

    def record(self, result: StoreResult) -> None:
        """Count the outcome; log only the changes (the first failure of a run, and the recovery), so an outage
        writes two lines, not one per answer."""
        if result.outcome == "stored":
            self.stored += 1
            if self.consecutive_failures:
                log.info("answers are stored again, after %d that could not be", self.consecutive_failures)
            self.consecutive_failures = 0
        elif result.outcome == "failed":
            if not self.consecutive_failures:
                log.warning("answers are not being stored (counted in /cache/stats until one is): %s", result.reason)
            self.failures += 1
            self.consecutive_failures += 1
            self.last_error, self.last_error_at = result.reason, time.time()

    @property
    def degraded(self) -> str | None:
        """Why caching counts as degraded, or None while stores succeed."""
        if self.consecutive_failures < self.degrade_after:
            return None
        return f"the last {self.consecutive_failures} answers could not be stored: {self.last_error}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "stores_ok": self.stored,
            "store_failures": self.failures,
            "consecutive_store_failures": self.consecutive_failures,
            "last_store_error": self.last_error,
            "last_store_error_at": self.last_error_at,
        }
