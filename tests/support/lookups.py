"""The lookup the service makes for a prompt after earlier turns, for tests that drive the engine directly."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import LookupResult
from nearhit.evaluation.dataset import Pair
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest

Turns = list[tuple[str, str]]


def ask(cache: SemanticCache, history: Turns, prompt: str, tenant: str = "t") -> Lookup:
    """The lookup the service makes for ``prompt`` after ``history`` (role, content pairs)."""
    messages = tuple(ChatMessage(role, content) for role, content in history)  # type: ignore[arg-type]
    query = AskRequest(prompt, tenant=tenant, history=messages).checked("default", cache.max_prompt_chars).query
    assert query is not None
    return query


async def stored_then_asked(cache: SemanticCache, pair: Pair) -> LookupResult:
    """``pair``'s ``a`` stored (its answer "answer for <id>"), then its ``b`` looked up; the lookup's result. Asserts
    that ``b`` was served ``a``'s answer exactly when the pair says they share one."""
    await cache.store(ask(cache, list(pair.a.history), pair.a.prompt), f"answer for {pair.id}")
    result = await cache.lookup(ask(cache, list(pair.b.history), pair.b.prompt))
    assert result.hit is pair.same_answer, (result.rejected_by, result.rejection_reason)
    if pair.same_answer:
        assert result.answer is not None and result.answer.response == f"answer for {pair.id}"
    return result


async def asked_after_the_same_turns(
    cache: SemanticCache, turns: Turns, stored: str, asked: str, answer: str = "the answer to the first"
) -> tuple[str, LookupResult]:
    """``stored`` cached after ``turns`` (with ``answer``), then ``asked`` looked up after the very same turns: the
    entry's key and the lookup's result."""
    key = await cache.store(ask(cache, turns, stored), answer)
    return key, await cache.lookup(ask(cache, turns, asked))
