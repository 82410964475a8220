"""The optional standalone rewrite (``NEARHIT_REWRITE_MODEL``): a conversation that found no entry of its own
is told as one question by a model (here the fake OpenAI server, over a real socket) and served a single
question's answer; the rewrite is kept in Redis, a failing or late model leaves the offline path, and without
the setting no call is made. On the real embedded Redis."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from nearhit.cache import SemanticCache, standalone
from nearhit.config import Settings, load_settings
from nearhit.guards import GuardSet
from nearhit.llm.rewrite import Rewriter, build_rewriter
from tests.support.fake_upstream import FakeUpstream, Pause, Status, Stream
from tests.support.lookups import Turns, ask
from tests.support.waiting import eventually

SINGLE = "How can I stop my pottery class subscription?"
TURNS: Turns = [
    ("user", "Last spring I enrolled in a weekly ceramics course at the community studio."),
    ("assistant", "Lovely! Working with clay is a relaxing hobby. How can I help?"),
]
FOLLOW_UP = "What do I do to end it?"
REWRITTEN = "How do I stop my pottery class subscription?"


def rewriting(upstream: FakeUpstream, **values: object) -> Settings:
    return load_settings(llm="openai", openai_base_url=upstream.base_url, rewrite_model="gpt-4o-mini", **values)


@pytest.fixture
async def stored(cache: SemanticCache, upstream_server: FakeUpstream) -> FakeUpstream:
    """The single question stored; the fake server answers every call with the rewrite."""
    await cache.store(ask(cache, [], SINGLE), "Cancel from the studio's member page.")
    upstream_server.reset(upstream_server.answer(REWRITTEN, usage=(120, 11)))
    return upstream_server


async def test_without_the_setting_the_conversation_misses_and_no_call_is_made(
    cache: SemanticCache, stored: FakeUpstream
) -> None:
    assert cache.rewriter is None and build_rewriter(load_settings()) is None
    result = await cache.lookup(ask(cache, TURNS, FOLLOW_UP))
    assert not result.hit and result.rewrite is None
    assert stored.chat_requests == []


async def test_a_reworded_conversation_hits_the_single_question_through_its_rewrite(
    cache: SemanticCache, stored: FakeUpstream
) -> None:
    cache.rewriter = build_rewriter(rewriting(stored))
    result = await cache.lookup(ask(cache, TURNS, FOLLOW_UP))
    assert result.hit and result.answer is not None and result.answer.prompt == SINGLE
    assert result.context is not None and result.context["rewritten"] == REWRITTEN
    assert result.rewrite is not None and result.rewrite["question"] == REWRITTEN and not result.rewrite["cached"]
    assert result.rewrite["prompt_tokens"] == 120 and result.rewrite["cost_usd"] > 0 and result.rewrite["ms"] > 0
    assert "rewrite" in result.timings_ms
    (call,) = stored.chat_requests
    assert call.body is not None and call.body["model"] == "gpt-4o-mini"
    assert "ceramics course" in call.body["messages"][-1]["content"]
    counters = (await cache.stats()).counters
    assert counters["rewrites"] == 1 and counters["rewrite_hits"] == 1 and counters["rewrite_prompt_tokens"] == 120
    assert counters["rewrite_cost_micro_usd"] > 0


async def test_the_rewrite_is_kept_so_a_repeated_conversation_pays_for_it_once(
    cache: SemanticCache, stored: FakeUpstream
) -> None:
    cache.rewriter = build_rewriter(rewriting(stored, rewrite_ttl=600))
    assert cache.rewriter is not None
    query = ask(cache, TURNS, FOLLOW_UP)
    first = await cache.lookup(query)
    # The same conversation in other case and spacing: the same normalised turns, the same rewrite.
    again = await cache.lookup(ask(cache, [(r, "  " + t.upper()) for r, t in TURNS], FOLLOW_UP.lower()))
    assert first.hit and again.hit and again.answer == first.answer
    assert again.rewrite is not None and again.rewrite["cached"] and again.rewrite["cost_usd"] == 0
    assert len(stored.chat_requests) == 1
    assert 0 < await cache.redis.ttl(standalone.rewrite_key(cache, cache.rewriter, query)) <= 600
    assert (await cache.stats()).counters["rewrites_cached"] == 1
    # Another tenant's identical conversation is rewritten for it: a kept rewrite tells nothing across tenants.
    other = await cache.lookup(ask(cache, TURNS, FOLLOW_UP, tenant="u"))
    assert other.rewrite is not None and not other.rewrite["cached"] and len(stored.chat_requests) == 2


@pytest.mark.parametrize("guarded", [False, True])
async def test_the_rewrite_is_judged_as_a_question_by_the_guards(
    cache: SemanticCache, stored: FakeUpstream, guarded: bool
) -> None:
    # The rewrite brings a fact the single question lacks: near enough to be served, unless a guard reads it.
    stored.reset(stored.answer("How do I stop my pottery class subscription for my two kids?", usage=(120, 14)))
    cache.rewriter = build_rewriter(rewriting(stored))
    cache.guards = GuardSet.default() if guarded else None
    result = await cache.lookup(ask(cache, TURNS, FOLLOW_UP))
    assert result.hit is not guarded
    vetoed = [c for c in result.candidates if c.prompt == SINGLE and c.guard == "numbers"]
    assert bool(vetoed) is guarded


async def test_a_rewrite_that_drops_a_condition_of_the_asker_is_not_looked_up(
    cache: SemanticCache, stored: FakeUpstream
) -> None:
    await cache.store(ask(cache, [], "What can I take for an aching back?"), "Ibuprofen.")
    stored.reset(stored.answer("What can I take for an aching back?", usage=(90, 9)))  # the condition left out
    cache.rewriter = build_rewriter(rewriting(stored))
    turns: Turns = [
        ("user", "We're expecting our first baby in the spring and my lower back hurts all day."),
        ("assistant", "That's common as the bump grows. Gentle stretching and good support can help."),
    ]
    result = await cache.lookup(ask(cache, turns, "Is there something I can take for it?"))
    assert not result.hit
    assert result.rewrite is not None and "pregnancy" in result.rewrite["refused"]


async def test_a_failing_model_leaves_the_offline_path(
    cache: SemanticCache, stored: FakeUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    stored.reset(Status(500, "upstream down"))
    cache.rewriter = build_rewriter(rewriting(stored))
    with caplog.at_level(logging.WARNING, logger="nearhit.cache.standalone"):
        first = await cache.lookup(ask(cache, TURNS, FOLLOW_UP))
        second = await cache.lookup(ask(cache, TURNS, FOLLOW_UP))
    assert not first.hit and not second.hit
    assert first.rewrite is not None and "HTTP 500" in first.rewrite["error"] and "question" not in first.rewrite
    assert len(stored.chat_requests) == 2  # no retry on the lookup's path, and a failure is not kept
    assert len([r for r in caplog.records if "rewrite failed" in r.message]) == 1  # logged once, not per lookup
    assert (await cache.stats()).counters["rewrite_failures"] == 2


@pytest.mark.parametrize("reply", ["empty", "cut"])
async def test_an_empty_or_cut_reply_leaves_the_offline_path(
    cache: SemanticCache, stored: FakeUpstream, reply: str
) -> None:
    answer = stored.answer("   ") if reply == "empty" else Stream(stored.answer(REWRITTEN).items[:2], drop=True)
    stored.reset(answer)
    cache.rewriter = build_rewriter(rewriting(stored))
    result = await cache.lookup(ask(cache, TURNS, FOLLOW_UP))
    assert not result.hit and result.rewrite is not None and result.rewrite["error"]
    assert await cache.redis.keys(cache.keys.rewrites_pattern()) == []  # nothing kept


async def test_a_late_model_is_given_up_after_the_timeout(cache: SemanticCache, stored: FakeUpstream) -> None:
    stored.reset(Pause(10))
    cache.rewriter = build_rewriter(rewriting(stored, rewrite_timeout=0.3))
    started = time.perf_counter()
    result = await cache.lookup(ask(cache, TURNS, FOLLOW_UP))
    assert time.perf_counter() - started < 3
    assert not result.hit and result.rewrite is not None and "error" in result.rewrite


async def test_the_simulated_model_cannot_rewrite(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="nearhit.llm.rewrite"):
        assert build_rewriter(load_settings(llm="simulated", rewrite_model="gpt-4o-mini")) is None
    assert "NEARHIT_REWRITE_MODEL is ignored" in caplog.text
    real = build_rewriter(load_settings(llm="openai", openai_base_url="http://127.0.0.1:9/v1", rewrite_model="m"))
    assert isinstance(real, Rewriter) and real.model == "m"
    await real.aclose()


async def test_on_azure_the_rewrite_model_is_the_deployment_called() -> None:
    azure = load_settings(
        llm="azure",
        azure_openai_endpoint="https://example.openai.azure.com",
        azure_openai_api_key="k",
        azure_openai_gpt5_model="chat-deployment",
        rewrite_model="rewrite-deployment",
    )
    rewriter = build_rewriter(azure)
    assert rewriter is not None and rewriter.model == "rewrite-deployment"
    await rewriter.aclose()


async def test_clearing_a_tenant_deletes_its_kept_rewrites_and_only_its_own(
    cache: SemanticCache, stored: FakeUpstream
) -> None:
    cache.rewriter = build_rewriter(rewriting(stored))
    await cache.store(ask(cache, [], SINGLE, tenant="other"), "Cancel from the studio's member page.")
    for tenant in ("t", "other"):
        assert (await cache.lookup(ask(cache, TURNS, FOLLOW_UP, tenant=tenant))).hit
    mine, theirs = (
        standalone.rewrite_key(cache, cache.rewriter, ask(cache, TURNS, FOLLOW_UP, t)) for t in ("t", "other")
    )
    assert await cache.redis.exists(mine, theirs) == 2
    await cache.clear(tenant="t")
    assert await cache.redis.exists(mine) == 0 and await cache.redis.exists(theirs) == 1
    await cache.clear()
    assert await cache.redis.keys(cache.keys.rewrites_pattern()) == []


async def test_a_rewrite_asked_before_its_tenants_clear_is_not_kept_after_it(
    cache: SemanticCache, stored: FakeUpstream
) -> None:
    """The tenant is cleared while its conversation's rewrite is being asked of the model (a call of a second or
    more): the rewrite, which says what the tenant asked, is not left in Redis after the clear. Before (rv64) it was
    written after the clear and kept for the rewrite's TTL, as a lookup's vectors were before fx64."""
    answer = stored.answer(REWRITTEN, usage=(120, 11))
    stored.reset(Stream([Pause(1.0), *answer.items]))  # the model takes a second: the clear runs meanwhile
    cache.rewriter = build_rewriter(rewriting(stored))
    assert cache.rewriter is not None
    query = ask(cache, TURNS, FOLLOW_UP, tenant="t")
    looking = asyncio.create_task(cache.lookup(query))
    await eventually(lambda: stored.chat_requests)
    await cache.clear(tenant="t")
    result = await looking
    assert result.rewrite is not None and result.rewrite["question"] == REWRITTEN  # the lookup itself went on
    assert await cache.redis.exists(standalone.rewrite_key(cache, cache.rewriter, query)) == 0
