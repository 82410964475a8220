"""Store failures are counted per answer but logged per change: an outage is two lines, not one per request."""

from __future__ import annotations

import logging

import pytest

from nearhit.service.store_health import StoreHealth, StoreResult


def test_an_outage_logs_its_start_and_its_end_once(caplog: pytest.LogCaptureFixture) -> None:
    health = StoreHealth(degrade_after=3)
    with caplog.at_level(logging.INFO, logger="nearhit.service.store_health"):
        for _ in range(5):
            health.record(StoreResult("failed", "OOM command not allowed"))
        health.record(StoreResult("skipped", "no-store"))
        health.record(StoreResult("stored"))
        health.record(StoreResult("stored"))
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "answers are not being stored (counted in /cache/stats until one is): OOM command not allowed",
        "answers are stored again, after 5 that could not be",
    ]
    assert health.failures == 5 and health.consecutive_failures == 0 and health.degraded is None
