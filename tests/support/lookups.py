"""The lookup the service makes for a prompt after earlier turns, for tests that drive the engine directly."""

from __future__ import annotations

import hashlib

from nearhit.cache import SemanticCache
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import LookupResult
from nearhit.evaluation.dataset import Pair
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest

Turns = list[tuple[str, str]]


def answer_for(pair: Pair) -> str:
    """The answer stored for ``pair``'s ``a``: the one it carries, else a text of its own that names no word of the
    pair's id ("circumstance-hit-since-year"), which a reading of the stored answer would take up as if the answer
    said it (:mod:`nearhit.cache.answer_rests_on`)."""
    return pair.a_answer or f"answer h{hashlib.sha256(pair.id.encode()).hexdigest()[:12]}"


def ask(cache: SemanticCache, history: Turns, prompt: str, tenant: str = "t") -> Lookup:
    """The lookup the service makes for ``prompt`` after ``history`` (role, content pairs)."""
    messages = tuple(ChatMessage(role, content) for role, content in history)  # type: ignore[arg-type]
    query = AskRequest(prompt, tenant=tenant, history=messages).checked("default", cache.max_prompt_chars).query
    assert query is not None
    return query


def asked_alone(cache: SemanticCache, history: Turns, prompt: str) -> Lookup:
    """:func:`ask`'s lookup, asserted read as a question standing alone after its turns (no conversation context)."""
    query = ask(cache, history, prompt)
    assert query.context is None and query.earlier is not None, query
    return query


def asked_in_conversation(cache: SemanticCache, history: Turns, prompt: str) -> Lookup:
    """:func:`ask`'s lookup, asserted read as a follow-up in a conversation (it carries the turns' context)."""
    query = ask(cache, history, prompt)
    assert query.context is not None, query
    return query


async def served_alone(
    cache: SemanticCache, stored_turns: Turns, stored: str, asked_turns: Turns, asked: str, answer: str
) -> bool:
    """``stored`` cached after ``stored_turns``, then ``asked`` looked up after ``asked_turns``, each asserted read as
    standing alone after its turns: whether the lookup was served."""
    await cache.store(asked_alone(cache, stored_turns, stored), answer)
    return (await cache.lookup(asked_alone(cache, asked_turns, asked))).hit


async def stored_then_asked(cache: SemanticCache, pair: Pair) -> LookupResult:
    """``pair``'s ``a`` stored (its answer "answer for <id>"), then its ``b`` looked up; the lookup's result. Asserts
    that ``b`` was served ``a``'s answer exactly when the pair says they share one."""
    await cache.store(ask(cache, list(pair.a.history), pair.a.prompt), answer_for(pair))
    result = await cache.lookup(ask(cache, list(pair.b.history), pair.b.prompt))
    assert result.hit is pair.same_answer, (result.rejected_by, result.rejection_reason)
    if pair.same_answer:
        assert result.answer is not None and result.answer.response == answer_for(pair)
    return result


async def asked_after_the_same_turns(
    cache: SemanticCache, turns: Turns, stored: str, asked: str, answer: str = "the answer to the first"
) -> tuple[str, LookupResult]:
    """``stored`` cached after ``turns`` (with ``answer``), then ``asked`` looked up after the very same turns: the
    entry's key and the lookup's result."""
    key = await cache.store(ask(cache, turns, stored), answer)
    return key, await cache.lookup(ask(cache, turns, asked))


def assert_served(result: LookupResult, key: str) -> None:
    """``result`` was served the entry stored under ``key``; a failure shows the candidates and why each was passed."""
    assert result.hit and result.answer is not None and result.answer.doc_id == key, result.candidates


def assert_refused(result: LookupResult, reason: str | None = None) -> None:
    """``result`` was served nothing (and, with ``reason``, a candidate was refused for a reason that says it); a
    failure shows the reading of the turns and the candidates."""
    assert not result.hit, (result.context, result.candidates)
    if reason is not None:
        assert any(reason in (c.reason or "") for c in result.candidates), result.candidates


async def served_after_the_same_turns(
    cache: SemanticCache, turns: Turns, stored: str, asked: str, answer: str = "the answer to the first"
) -> LookupResult:
    """``stored`` cached after ``turns``, then ``asked`` after the very same turns, asserted served that entry."""
    key, result = await asked_after_the_same_turns(cache, turns, stored, asked, answer)
    assert_served(result, key)
    return result


async def refused_after_the_same_turns(
    cache: SemanticCache,
    turns: Turns,
    stored: str,
    asked: str,
    reason: str | None = None,
    answer: str = "the answer to the first",
) -> LookupResult:
    """``stored`` cached after ``turns``, then ``asked`` after the very same turns, asserted served nothing (and,
    with ``reason``, refused for a reason that says it)."""
    _, result = await asked_after_the_same_turns(cache, turns, stored, asked, answer)
    assert_refused(result, reason)
    return result
