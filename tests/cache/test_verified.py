"""The optional check of a conversation's semantic hit (``NEARHIT_VERIFY_MODEL``): a model (here the fake OpenAI
server, over a real socket) is asked whether the stored answer serves the request; "yes" serves, "no" refuses (a
miss), a failed, late or garbled reply refuses too (fail closed, counted), the verdict is kept in Redis, and neither
an exact hit nor a single question is checked. Without the setting no call is made. On the real embedded Redis."""

from __future__ import annotations

import logging
import time

import pytest

from nearhit import evaluation
from nearhit.cache import SemanticCache, verified
from nearhit.config import Settings, load_settings
from nearhit.evaluation import Pair, Side
from nearhit.llm.verify import Verifier, build_verifier
from tests.support.fake_upstream import FakeUpstream, Pause, Status
from tests.support.lookups import Turns, ask

TURNS: Turns = [
    ("user", "I'm training for my first 10k, the race is in 8 weeks."),
    ("assistant", "Great goal! Eight weeks is enough time to prepare well."),
]
REWORDED: Turns = [
    ("user", "I'm training for my first 10k and the race is 8 weeks away."),
    ("assistant", "Great goal! Eight weeks is enough time to prepare well."),
]
QUESTION = "How many days a week should I run?"
ANSWER = "Run three or four days a week: two easy runs, one with intervals and a longer run at the weekend."


def verifying(upstream: FakeUpstream, **values: object) -> Settings:
    """The check's settings against the fake server, with 30 s to answer unless a test sets its own: a test that is
    not about the timeout must not fail because a loaded machine took longer than the default 2 s for the first call
    (seen once in a fresh clone's `make test`: the verdict to be kept was a timeout)."""
    settings = {"verify_timeout": 30.0} | values
    return load_settings(llm="openai", openai_base_url=upstream.base_url, verify_model="gpt-4o-mini", **settings)


@pytest.fixture
async def stored(cache: SemanticCache, upstream_server: FakeUpstream) -> FakeUpstream:
    """The conversation stored; the fake server says "yes" to every call until a test says otherwise."""
    await cache.store(ask(cache, TURNS, QUESTION), ANSWER)
    upstream_server.reset(upstream_server.answer("Yes", usage=(240, 1)))
    return upstream_server


async def test_without_the_setting_the_hit_is_served_and_no_call_is_made(
    cache: SemanticCache, stored: FakeUpstream
) -> None:
    assert cache.verifier is None and build_verifier(load_settings()) is None
    result = await cache.lookup(ask(cache, REWORDED, QUESTION))
    assert result.match == "semantic" and result.verify is None
    assert stored.chat_requests == []


async def test_a_yes_serves_the_hit(cache: SemanticCache, stored: FakeUpstream) -> None:
    cache.verifier = build_verifier(verifying(stored))
    result = await cache.lookup(ask(cache, REWORDED, QUESTION))
    assert result.match == "semantic" and result.answer is not None and result.answer.response == ANSWER
    assert result.verify is not None and result.verify["serves"] is True and not result.verify["cached"]
    assert result.verify["prompt_tokens"] == 240 and result.verify["cost_usd"] > 0 and result.verify["ms"] > 0
    assert "verify" in result.timings_ms
    (call,) = stored.chat_requests
    body = call.body
    assert body is not None and body["model"] == "gpt-4o-mini" and body["temperature"] == 0
    assert body["max_tokens"] <= 5 or body.get("max_completion_tokens", 99) <= 5
    asked = body["messages"][-1]["content"]
    # The stored conversation, its answer and the request's conversation, each whole.
    assert "the race is in 8 weeks" in asked and ANSWER in asked and "the race is 8 weeks away" in asked
    counters = (await cache.stats()).counters
    assert counters["verifies"] == 1 and counters["verify_prompt_tokens"] == 240 and counters["semantic_hits"] == 1
    assert counters["verify_cost_micro_usd"] > 0 and counters["verify_refusals"] == 0


async def test_a_no_refuses_the_hit(cache: SemanticCache, stored: FakeUpstream) -> None:
    stored.reset(stored.answer("No.", usage=(240, 2)))
    cache.verifier = build_verifier(verifying(stored))
    result = await cache.lookup(ask(cache, REWORDED, QUESTION))
    assert not result.hit and result.answer is None
    assert result.rejected_by == verified.REFUSED_BY and result.rejection_reason == "verify: the model said no"
    assert result.verify is not None and result.verify["serves"] is False
    (refused,) = [c for c in result.candidates if c.guard == verified.REFUSED_BY]
    assert refused.outcome == "rejected_by_guard" and refused.reason == "verify: the model said no"
    counters = (await cache.stats()).counters
    assert counters["verify_refusals"] == 1 and counters["misses"] == 1 and counters["semantic_hits"] == 0


async def test_the_verdict_is_kept_so_the_same_request_pays_for_it_once(
    cache: SemanticCache, stored: FakeUpstream
) -> None:
    stored.reset(stored.answer("no", usage=(240, 1)))
    cache.verifier = build_verifier(verifying(stored, verify_ttl=600))
    assert cache.verifier is not None
    query = ask(cache, REWORDED, QUESTION)
    first = await cache.lookup(query)
    again = await cache.lookup(ask(cache, [(r, "  " + t.upper()) for r, t in REWORDED], QUESTION.lower()))
    assert not first.hit and not again.hit and again.rejection_reason == "verify: the model said no"
    assert again.verify is not None and again.verify["cached"] and again.verify["cost_usd"] == 0
    assert len(stored.chat_requests) == 1
    counters = (await cache.stats()).counters
    assert counters["verifies_cached"] == 1 and counters["verify_refusals"] == 2
    (key,) = await cache.redis.keys(cache.keys.verdicts_pattern())
    assert 0 < await cache.redis.ttl(key) <= 600
    # Another tenant asks its own: a kept verdict tells nothing across tenants; clearing drops them.
    await cache.store(ask(cache, TURNS, QUESTION, tenant="u"), ANSWER)
    other = await cache.lookup(ask(cache, REWORDED, QUESTION, tenant="u"))
    assert other.verify is not None and not other.verify["cached"] and len(stored.chat_requests) == 2
    await cache.clear(tenant="u")
    assert await cache.redis.keys(cache.keys.verdicts_pattern()) == [key]
    await cache.clear()
    assert await cache.redis.keys(cache.keys.verdicts_pattern()) == []


@pytest.mark.parametrize("failure", ["status 500", "timeout", "garbage"])
async def test_a_failed_check_refuses_the_hit_and_is_counted(
    cache: SemanticCache, stored: FakeUpstream, failure: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply = {
        "status 500": Status(500, "upstream down"),
        "timeout": Pause(10),
        "garbage": stored.answer("Probably", usage=(240, 1)),
    }[failure]
    stored.reset(reply)
    # 1 s: the two pauses fit in the 5 s asserted; 0.3 s could lapse on a loaded machine before a request left the
    # client (1 of 2 recorded, seen under `make test-fast`'s three workers on two cores).
    cache.verifier = build_verifier(verifying(stored, verify_timeout=1.0))
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING):
        first = await cache.lookup(ask(cache, REWORDED, QUESTION))
        second = await cache.lookup(ask(cache, REWORDED, QUESTION))
    assert time.perf_counter() - started < 5
    for result in (first, second):
        assert not result.hit and result.rejected_by == verified.REFUSED_BY
        assert result.verify is not None and "serves" not in result.verify and result.verify["error"]
    assert len(stored.chat_requests) == 2  # no retry, and a failure is not kept
    assert await cache.redis.keys(cache.keys.verdicts_pattern()) == []
    assert len([r for r in caplog.records if "check of conversation hits failed" in r.message]) == 1
    counters = (await cache.stats()).counters
    assert counters["verify_failures"] == 2 and counters["verifies"] == 0 and counters["verify_refusals"] == 0


async def test_an_exact_hit_and_a_single_question_are_not_checked(cache: SemanticCache, stored: FakeUpstream) -> None:
    stored.reset(stored.answer("no", usage=(240, 1)))
    cache.verifier = build_verifier(verifying(stored))
    exact = await cache.lookup(ask(cache, TURNS, QUESTION))
    assert exact.match == "exact" and exact.verify is None
    await cache.store(ask(cache, [], "How many days a week should I run to get fitter?"), "Three or four.")
    single = await cache.lookup(ask(cache, [], "How many days per week should I run to get fitter?"))
    assert single.match == "semantic" and single.verify is None
    assert stored.chat_requests == []


async def test_the_simulated_model_and_the_bound_leave_it_off(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="nearhit.llm.verify"):
        assert build_verifier(load_settings(llm="simulated", verify_model="gpt-4o-mini")) is None
        real = {"llm": "openai", "openai_base_url": "http://127.0.0.1:9/v1", "verify_model": "m"}
        assert build_verifier(load_settings(**real, max_wrong_rate=0.02)) is None
    assert "NEARHIT_VERIFY_MODEL is ignored: the LLM is the simulated model" in caplog.text
    assert "under NEARHIT_MAX_WRONG_RATE" in caplog.text
    verifier = build_verifier(load_settings(**real))
    assert isinstance(verifier, Verifier) and verifier.model == "m"
    await verifier.aclose()


async def test_eval_lookups_go_through_the_check(settings: Settings, upstream_server: FakeUpstream) -> None:
    """``nearhit eval -d FILE.jsonl`` with the setting on: its scratch cache is opened from the settings, so each
    conversation's semantic hit is checked, and a "no" counts as a miss (how a user measures what it refuses)."""
    upstream_server.reset(upstream_server.answer("no", usage=(240, 1)))
    side = Side(QUESTION, tuple(TURNS))
    pair = Pair("p1", "reworded_history", side, Side(QUESTION, tuple(REWORDED)), True, a_answer=ANSWER)
    own = {"llm": "openai", "openai_base_url": upstream_server.base_url, "verify_model": "gpt-4o-mini"}
    for verify, served in ((False, "semantic"), (True, None)):
        update = own if verify else {}
        async with evaluation.scratch_cache(settings.model_copy(update=update)) as cache:
            assert (cache.verifier is not None) is verify
            runs = await evaluation.evaluate(cache, [pair], guard_sets={"none": None})
        assert [outcome.match for outcome in runs["none"]] == [served]
    assert len(upstream_server.chat_requests) == 1


@pytest.mark.parametrize(("failure", "calls"), [("status 500", 3), ("garbage", 5)])
async def test_errors_in_a_row_skip_the_check_a_garbled_reply_does_not(
    cache: SemanticCache, stored: FakeUpstream, failure: str, calls: int
) -> None:
    # Three errors in a row and the check is not called for a while (the hits refused at once, counted apart); a
    # reply neither yes nor no is the model answering at its pace: asked every time, as before.
    reply = Status(500, "upstream down") if failure == "status 500" else stored.answer("Probably", usage=(240, 1))
    stored.reset(reply)
    cache.verifier = build_verifier(verifying(stored))
    results = [await cache.lookup(ask(cache, REWORDED, QUESTION)) for _ in range(5)]
    assert all(not result.hit and result.rejected_by == verified.REFUSED_BY for result in results)
    assert len(stored.chat_requests) == calls
    skipped = [result for result in results if result.verify is not None and "skipped" in result.verify]
    assert len(skipped) == 5 - calls
    assert all(r.rejection_reason is not None and "the check skipped, refused" in r.rejection_reason for r in skipped)
    counters = (await cache.stats()).counters
    assert counters["verify_failures"] == calls and counters["verifies_skipped"] == 5 - calls
