"""A lookup split in two (issue 14, latency): its first look, then a conversation's second chances, which the
service runs beside the LLM call (``service.beside``). The same verdicts as ``lookup``, counted once. Real Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from tests.cache.test_conversation_turns import ANSWER, GREETING, RETOLD, STORY
from tests.support.lookups import ask


async def counted(cache: SemanticCache) -> dict[str, int]:
    return (await cache.stats()).counters


async def test_a_second_chance_is_left_to_finish_and_serves_as_lookup_does(guarded_cache: SemanticCache) -> None:
    cache = guarded_cache
    await cache.store(ask(cache, STORY, "How often should I feed it?"), ANSWER)
    before = await counted(cache)
    first = await cache.first_look(ask(cache, GREETING + RETOLD, "How often does it need feeding?"))
    assert first.pending and not first.result.hit and "total" not in first.result.timings_ms
    assert await counted(cache) == before  # not counted before its second chances ran
    result = await first.finish()
    assert result is first.result and result.hit and result.context is not None and result.context["turn_by_turn"]
    assert not first.pending
    with pytest.raises(RuntimeError):  # a result is settled once
        await first.finish()
    after = await counted(cache)
    assert after["semantic_hits"] == before.get("semantic_hits", 0) + 1
    assert after["conversation_hits"] == before.get("conversation_hits", 0) + 1
    again = await cache.lookup(ask(cache, GREETING + RETOLD, "How often does it need feeding?"))
    assert (again.match, again.similarity, again.context) == (result.match, result.similarity, result.context)


async def test_a_settled_first_look_has_nothing_left(guarded_cache: SemanticCache) -> None:
    """A single question's miss where no conversation was told as one, a hit at the first look: final at once,
    counted at once. Once one was, a single question's miss has its second chance (told as that story)."""
    cache = guarded_cache
    single = await cache.first_look(ask(cache, [], "What is the boiling point of water at altitude?"))
    await cache.store(ask(cache, STORY, "How often should I feed it?"), ANSWER)
    exact = await cache.first_look(ask(cache, STORY, "How often should I feed it?"))
    for first in (exact, single):
        assert not first.pending and "total" in first.result.timings_ms
        with pytest.raises(RuntimeError):
            await first.finish()
    assert exact.result.match == "exact" and not single.result.hit
    counters = await counted(cache)
    assert (counters["exact_hits"], counters["misses"]) == (1, 1)
    told = await cache.first_look(ask(cache, [], "What is the boiling point of water at altitude?"))
    assert told.pending and not (await told.finish()).hit


async def test_a_conversation_missed_after_its_second_chances_is_counted_once(guarded_cache: SemanticCache) -> None:
    cache = guarded_cache
    await cache.store(ask(cache, STORY, "How often should I feed it?"), ANSWER)
    first = await cache.first_look(ask(cache, STORY, "Can I put it in the fridge for a week?"))
    assert first.pending
    result = await first.finish()
    assert not result.hit and "total" in result.timings_ms
    assert (await counted(cache))["misses"] == 1
