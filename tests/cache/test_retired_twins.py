"""A "wrong" verdict retires the entry served, and with it the twins that point to it (a conversation told as one
question): left behind they were orphans, counted and searched among the twins until their TTL."""

from __future__ import annotations

from nearhit.cache import SemanticCache, verdicts
from tests.support.lookups import ask

TRIP = [("user", "I'm driving from Paris to Lyon on Friday."), ("assistant", "Lovely route.")]


async def test_a_wrong_verdict_retires_a_conversation_entry_with_its_twins(cache: SemanticCache) -> None:
    doc_id = await cache.store(ask(cache, TRIP, "How long will it take?"), "About five hours.")
    assert (await cache.stats()).twins > 0
    recorded = await verdicts.give(cache, "wrong", tenant="t", doc_id=doc_id)
    assert recorded.action == "entry retired"
    stats = await cache.stats()
    assert (stats.entries, stats.twins) == (0, 0)


async def test_a_verdict_naming_another_wordless_prompt_is_not_on_the_entry_itself(cache: SemanticCache) -> None:
    """A verdict on the entry of "?" for the prompt "..." judges "..." against it (a negative), as the exact key
    tells them apart; they normalised to one text, and the verdict retired the entry."""
    doc_id = await cache.store(ask(cache, [], "?"), "What would you like to know?")
    recorded = await verdicts.give(cache, "wrong", tenant="t", doc_id=doc_id, prompt="...")
    assert recorded.action == "negative stored"
    assert (await cache.stats()).entries == 1
    recorded = await verdicts.give(cache, "wrong", tenant="t", doc_id=doc_id, prompt=" ? ")
    assert recorded.action == "entry retired"
