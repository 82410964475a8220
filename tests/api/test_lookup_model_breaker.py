"""A lookup model that keeps failing is not waited for on every lookup (:class:`nearhit.llm.lookup_model.Breaker`):
the check of a conversation's hit (``NEARHIT_VERIFY_MODEL``) and the standalone rewrite (``NEARHIT_REWRITE_MODEL``),
through the real server, the real embedded Redis and the fake OpenAI-compatible server on a real socket. While the
provider hangs, the first few lookups wait for its timeout, the next ones skip the call at once (the hit refused, the
lookup without its rewrite), counted in ``/cache/stats``, ``/telemetry/summary`` and Prometheus, logged once; after
the cool-down (the breaker's clock moved on by the test: no sleeping) one call probes it, and once it answers the
calls are made again."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.llm.lookup_model import Breaker, LookupModel
from tests.api.conftest import serve_on_own_index
from tests.api.test_prometheus import scrape, value
from tests.api.test_rewrite import FOLLOW_UP, REWRITTEN, SINGLE
from tests.api.test_rewrite import HISTORY as REWRITE_HISTORY
from tests.api.test_verify import HISTORY, QUESTION, REWORDED
from tests.support.fake_upstream import FakeUpstream, Pause
from tests.support.live import LiveServer
from tests.support.waiting import settled

TIMEOUT = 1.0
"""The model's timeout here: a lookup that waits for it takes at least this long, one that skips the call far less."""
AT_ONCE = TIMEOUT / 2
"""A generous bound on a lookup that skips the call (it takes a few milliseconds)."""


class Clock:
    """The breaker's clock, moved on by the test instead of waiting out a cool-down."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def ask(live: LiveServer, body: dict[str, Any], *, store: bool = False) -> tuple[dict[str, Any], float]:
    """``/ask``'s cache document, once whatever it stores is stored, and the seconds the cache's lookup took. Its
    answer not stored unless ``store``: a refused hit's answer would serve the same request again, unchecked."""
    reply = await live.client.post("/ask", json={**body, "include_raw": False, "no_store": not store})
    assert reply.status_code == 200, reply.text
    await settled(live.runtime)
    document = dict(reply.json()["cache"]["cache_document"])
    return document, document["timings_ms"]["total"] / 1000


@asynccontextmanager
async def breaking(
    settings: Settings, local_embedder: LocalEmbedder, upstream: FakeUpstream, **own: object
) -> AsyncIterator[tuple[LiveServer, Clock]]:
    """A server whose lookup models are the fake (``own``: which, their timeouts), their breakers on a test clock."""
    settings = settings.model_copy(update={"llm": "openai", "openai_base_url": upstream.base_url, **own})
    async with serve_on_own_index(settings, local_embedder) as live:
        cache = await live.runtime.cache()
        clock = Clock()
        models: list[LookupModel | None] = [cache.verifier, cache.rewriter]
        for model in models:
            if model is not None:
                model.breaker = Breaker(clock=clock)
        yield live, clock


def logged(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in record.getMessage() for record in caplog.records)


async def test_a_hanging_check_is_skipped_after_three_failures_then_probed_until_it_answers(
    settings: Settings, local_embedder: LocalEmbedder, upstream_server: FakeUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    upstream_server.reset(upstream_server.answer("Yes", usage=(250, 1)))
    own = {"verify_model": "gpt-4o-mini", "verify_timeout": TIMEOUT}
    async with breaking(settings, local_embedder, upstream_server, **own) as (live, clock):
        caplog.set_level(logging.INFO, logger="nearhit")
        await ask(live, {"prompt": QUESTION, "history": HISTORY}, store=True)  # stored: a miss, nothing to check
        before = await scrape(live)
        upstream_server.reset(Pause(30))  # the provider hangs
        for _ in range(3):  # each waits for the timeout, then is refused (fail closed)
            document, took = await ask(live, {"prompt": QUESTION, "history": REWORDED})
            assert document["rejected_by"] == "verify" and "took longer than" in document["verify"]["error"], document
            assert took >= TIMEOUT and "skipped" not in document["verify"]
        assert len(upstream_server.chat_requests) == 3
        assert logged(caplog, "is skipped after 3 failures in a row") == 1
        for _ in range(2):  # refused at once, no call
            document, took = await ask(live, {"prompt": QUESTION, "history": REWORDED})
            assert document["rejected_by"] == "verify" and took < AT_ONCE, (took, document)
            assert document["verify"]["skipped"] == "3 failures in a row, next try in 5.0 s", document
            reason = "verify: the check skipped, refused (3 failures in a row, next try in 5.0 s)"
            assert document["rejection_reason"] == reason
        assert len(upstream_server.chat_requests) == 3
        counters = (await live.client.get("/cache/stats")).json()["counters"]
        assert counters["verify_failures"] == 3 and counters["verifies_skipped"] == 2, counters
        await live.runtime.telemetry.flush()
        totals = (await live.client.get("/telemetry/summary")).json()["all_time"]
        assert totals["verifies_skipped"] == 2 and totals["verifies"] == 3, totals  # the skipped are no call
        after = await scrape(live)
        assert value(after, "nearhit_verifies_skipped_total") - value(before, "nearhit_verifies_skipped_total") == 2
        assert value(after, "nearhit_verifies_total") - value(before, "nearhit_verifies_total") == 3

        # The cool-down over: one call probes; the provider still hangs, so it waits, fails, and the next cool-down
        # is twice as long (no new "skipped" line in the log: it opened once).
        clock.now += 5.1
        document, took = await ask(live, {"prompt": QUESTION, "history": REWORDED})
        assert took >= TIMEOUT and "took longer than" in document["verify"]["error"], document
        assert len(upstream_server.chat_requests) == 4
        document, took = await ask(live, {"prompt": QUESTION, "history": REWORDED})
        assert document["verify"]["skipped"] == "4 failures in a row, next try in 10.0 s" and took < AT_ONCE
        assert logged(caplog, "is skipped after") == 1

        # The provider back: nothing is asked before the cool-down ends, then the probe answers and closes it.
        upstream_server.reset(upstream_server.answer("Yes", usage=(250, 1)))
        clock.now += 9.0
        document, _ = await ask(live, {"prompt": QUESTION, "history": REWORDED})
        assert "skipped" in document["verify"] and upstream_server.chat_requests == []
        clock.now += 1.1
        document, _ = await ask(live, {"prompt": QUESTION, "history": REWORDED})
        assert document["match"] == "semantic" and document["verify"]["serves"] is True, document
        assert len(upstream_server.chat_requests) == 1 and logged(caplog, "is called again") == 1
        # Called again: another conversation's hit is checked by a call (not one kept), without waiting for a clock.
        other = [{"role": "user", "content": "Training for my first 10k; the race is 8 weeks away."}, HISTORY[1]]
        document, _ = await ask(live, {"prompt": QUESTION, "history": other})
        assert document["match"] == "semantic" and document["verify"]["cached"] is False, document
        assert len(upstream_server.chat_requests) == 2
        counters = (await live.client.get("/cache/stats")).json()["counters"]
        assert counters["verifies_skipped"] == 4 and counters["verify_failures"] == 4 and counters["verifies"] == 2


async def test_a_failing_rewrite_is_skipped_and_the_lookup_goes_on_without_it(
    settings: Settings, local_embedder: LocalEmbedder, upstream_server: FakeUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    upstream_server.reset(Pause(30))
    own = {"rewrite_model": "gpt-4o-mini", "rewrite_timeout": TIMEOUT}
    async with breaking(settings, local_embedder, upstream_server, **own) as (live, clock):
        caplog.set_level(logging.INFO, logger="nearhit")
        await ask(live, {"prompt": SINGLE}, store=True)  # stored; a single question: no rewrite
        before = await scrape(live)
        for _ in range(3):
            document, took = await ask(live, {"prompt": FOLLOW_UP, "history": REWRITE_HISTORY})
            assert document["match"] is None and "took longer than" in document["rewrite"]["error"], document
            assert took >= TIMEOUT
        started = time.perf_counter()
        document, took = await ask(live, {"prompt": FOLLOW_UP, "history": REWRITE_HISTORY})
        # Looked up without it at once: a miss, the LLM answers (the simulated chat model).
        assert document["match"] is None and document["rewrite"]["skipped"].startswith("3 failures in a row")
        assert took < AT_ONCE and time.perf_counter() - started < TIMEOUT * 5, document
        assert len(upstream_server.chat_requests) == 3 and logged(caplog, "rewrite is skipped after 3") == 1
        counters = (await live.client.get("/cache/stats")).json()["counters"]
        assert counters["rewrite_failures"] == 3 and counters["rewrites_skipped"] == 1, counters
        await live.runtime.telemetry.flush()
        totals = (await live.client.get("/telemetry/summary")).json()["all_time"]
        assert totals["rewrites_skipped"] == 1 and totals["rewrites"] == 3, totals
        after = await scrape(live)
        assert value(after, "nearhit_rewrites_skipped_total") - value(before, "nearhit_rewrites_skipped_total") == 1

        upstream_server.reset(upstream_server.answer(REWRITTEN, usage=(130, 10)))
        clock.now += 5.1
        document, _ = await ask(live, {"prompt": FOLLOW_UP, "history": REWRITE_HISTORY})
        assert document["match"] == "semantic" and document["context"]["rewritten"] == REWRITTEN, document
        assert len(upstream_server.chat_requests) == 1 and logged(caplog, "rewrite is called again") == 1
