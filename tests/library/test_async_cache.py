"""``nearhit.AsyncCache``: the engine behind the library face, on a real Redis."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nearhit import AsyncCache, Cache, InvalidInput, LookupResult, RedisUnavailable, SearchHit
from nearhit.config import Settings, load_settings
from nearhit.llm import build_provider
from tests.support.plain_redis import plain_redis
from tests.support.waiting import eventually


async def test_store_then_lookup_exact_and_semantic(acache: AsyncCache) -> None:
    doc_id = await acache.store("What is the capital of France?", "Paris.")
    exact = await acache.lookup("  what is the capital of france ")
    assert isinstance(exact, LookupResult)
    assert exact.match == "exact" and exact.doc_id == doc_id and exact.answer is not None
    assert exact.answer.response == "Paris."
    near = await acache.lookup("What's the capital city of France?")
    assert near.match == "semantic" and near.doc_id == doc_id


async def test_scope_separates_models_tenants_and_system_prompts(acache: AsyncCache) -> None:
    await acache.store("What is Redis?", "An in-memory data store.")
    assert (await acache.lookup("What is Redis?")).hit
    assert not (await acache.lookup("What is Redis?", model="another-model")).hit
    assert not (await acache.lookup("What is Redis?", tenant="acme")).hit
    assert not (await acache.lookup("What is Redis?", system_prompt="Answer in French.")).hit


async def test_default_model_is_the_one_the_server_answers_as(acache: AsyncCache, settings: Settings) -> None:
    assert acache.model == build_provider(settings).model == "simulated-gpt-4o"
    await acache.store("What is a vector index?", "A structure for nearest-neighbour search.")
    hits = await acache.search("vector index", top_k=1)
    assert isinstance(hits[0], SearchHit) and hits[0].model == "simulated-gpt-4o"


async def test_delete_clear_and_stats(acache: AsyncCache) -> None:
    doc_id = await acache.store("What is RAG?", "Retrieval-augmented generation.")
    await acache.store("What is HNSW?", "A graph index.", tenant="acme")
    assert (await acache.stats()).entries == 2
    assert await acache.delete(doc_id) is True
    assert await acache.delete(doc_id) is False
    assert not (await acache.lookup("What is RAG?")).hit
    assert await acache.clear(tenant="acme") == 1
    stats = await acache.stats()
    assert stats.entries == 0 and stats.counters["stores"] == 2


async def test_delete_refuses_an_id_outside_the_entry_prefix(acache: AsyncCache) -> None:
    with pytest.raises(InvalidInput, match="not an entry id of index"):
        await acache.delete(f"nearhit:{acache.settings.index_name}:stats")


async def test_answer_looks_up_calls_once_and_stores(acache: AsyncCache) -> None:
    calls: list[str] = []

    async def llm(prompt: str) -> str:
        calls.append(prompt)
        # Answer once all five callers wait on this call: on a loaded machine a caller whose lookup came after
        # the store would (rightly) get a hit, and the claim under test is that concurrent misses share a call.
        flights = acache._flights._flights.values()
        await eventually(lambda: sum(flight.subscribers for flight in flights) == 5)
        return f"answer to {prompt}"

    first = await asyncio.gather(*(acache.answer("Why is the sky blue?", llm) for _ in range(5)))
    assert calls == ["Why is the sky blue?"]  # five concurrent misses, one call (single-flight)
    assert {a.text for a in first} == {"answer to Why is the sky blue?"} and not any(a.cached for a in first)
    again = await acache.answer("why is the sky blue", llm)
    assert again.cached and again.match == "exact" and calls == ["Why is the sky blue?"]


async def test_wordless_prompts_asked_at_once_get_their_own_answers(acache: AsyncCache) -> None:
    """The flight was keyed by the normalised prompt: "?" and "..." (both the empty text) asked at once shared
    one LLM call, and one of them got the other's answer."""
    prompts = ["?", "...", "👍", "👎"]

    everyone_waits = asyncio.Event()  # answer once every caller waits on a flight (seen once: they then end)

    def all_waiting() -> bool:
        if sum(flight.subscribers for flight in acache._flights._flights.values()) == len(prompts):
            everyone_waits.set()
        return everyone_waits.is_set()

    async def llm(prompt: str) -> str:
        await eventually(all_waiting)
        return f"answer to {prompt}"

    answers = await asyncio.gather(*(acache.answer(prompt, llm) for prompt in prompts))
    assert [a.text for a in answers] == [f"answer to {prompt}" for prompt in prompts]


async def test_cached_decorator(acache: AsyncCache) -> None:
    calls = 0

    @acache.cached
    async def ask(prompt: str) -> str:
        nonlocal calls
        calls += 1
        return "42"

    assert await ask("The answer to everything?") == "42"
    assert await ask("The answer to everything?") == "42"
    assert calls == 1 and ask.__name__ == "ask"


async def test_answer_rejects_a_non_text_llm_result(acache: AsyncCache) -> None:
    async def llm(prompt: str) -> str:
        return 42  # type: ignore[return-value]

    with pytest.raises(TypeError, match="must return the answer as str"):
        await acache.answer("What is six times seven?", llm)


async def test_open_with_url_and_overrides(settings: Settings) -> None:
    assert settings.redis_url is not None
    async with AsyncCache.open(
        settings.redis_url,
        index_name=settings.index_name,
        data_dir=settings.data_dir,
        similarity_threshold=0.9,
        max_wrong_rate=0.02,
        max_exploration_rate=0.2,
        model="my-model",
        tenant="acme",
    ) as cache:
        assert cache.engine.threshold == 0.9 and cache.model == "my-model" and cache.tenant == "acme"
        budget = cache.engine.exploration_budget
        assert budget is not None and (budget.window, budget.allowed) == (100, 20)
        await cache.clear()


async def test_open_refuses_settings_and_overrides_together(settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="not both"):
        await AsyncCache.open(settings=settings, index_name="other")


def test_open_on_a_redis_without_the_query_engine_gives_the_servers_error(tmp_path: Path) -> None:
    with plain_redis(tmp_path) as port, pytest.raises(RedisUnavailable, match="has no Query Engine") as caught:
        Cache.open(f"redis://127.0.0.1:{port}/0", data_dir=tmp_path)
    assert "use Redis 8, Redis Stack" in str(caught.value)


async def test_library_settings_are_the_servers(settings: Settings, acache: AsyncCache) -> None:
    assert acache.engine.threshold == load_settings().similarity_threshold


async def test_a_vector_the_caller_has_is_used_for_store_and_lookup(acache: AsyncCache) -> None:
    """Given its embedding, a prompt is stored and looked up without the cache embedding it: a vector that is
    not the prompt's own (another question's) decides what the KNN finds."""
    embedder = acache.engine.embedder
    about_tea, about_rust = await embedder.embed(["how long should green tea steep", "how do I stop rust on tools"])
    doc_id = await acache.store("How long should green tea steep?", "Two to three minutes.", vector=about_tea)
    near = await acache.lookup("How many minutes do I steep green tea?", vector=about_tea)
    assert near.match == "semantic" and near.doc_id == doc_id
    assert not (await acache.lookup("How many minutes do I steep green tea?", vector=about_rust)).hit
    with pytest.raises(InvalidInput):
        await acache.lookup("How many minutes do I steep green tea?", vector=[0.1, 0.2])


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        (["0.1"] * 384, "not of strings"),
        ([True] * 384, "not of booleans"),
        (np.ones(384, dtype=np.complex64), "not of complex numbers"),
        ([10**400] * 384, "not of Python objects"),
        ([None] * 384, "not of Python objects"),
        (np.zeros(384, dtype="datetime64[s]"), "not of dates"),
        (np.ones(384).tobytes(), "not of bytes"),
    ],
)
async def test_a_vector_of_no_numbers_is_refused_not_cast(acache: AsyncCache, given: object, fragment: str) -> None:
    """Cast to float, text, booleans and complex numbers were taken as numbers ("0.1", 1.0, the real part) and
    stored; an integer beyond a float's range was an OverflowError. Each is refused for both calls, nothing stored."""
    with pytest.raises(InvalidInput, match=fragment):
        await acache.store("How long should green tea steep?", "Two minutes.", vector=given)
    with pytest.raises(InvalidInput, match=fragment):
        await acache.lookup("How long should green tea steep?", vector=given)
    assert (await acache.stats()).entries == 0


async def test_a_history_of_messages_scopes_by_their_words(acache: AsyncCache) -> None:
    """OpenAI-style ``{"role", "content"}`` messages were read as their keys: every conversation of as many
    messages shared one scope, and Tokyo's question was served Paris's answer (an exact hit)."""
    paris = [{"role": "user", "content": "I live in Paris."}, {"role": "assistant", "content": "Noted."}]
    tokyo = [{"role": "user", "content": "I live in Tokyo."}, {"role": "assistant", "content": "Noted."}]
    await acache.store("How far is the nearest airport?", "About 25 km: Charles de Gaulle.", history=paris)
    assert not (await acache.lookup("How far is the nearest airport?", history=tokyo)).hit
    as_pairs = [(m["role"], m["content"]) for m in paris]  # the same turns as pairs: the same scope
    assert (await acache.lookup("How far is the nearest airport?", history=as_pairs)).match == "exact"
    as_parts = [m | {"content": [{"type": "text", "text": m["content"]}]} for m in paris]  # as /ask and the gateway
    assert (await acache.lookup("How far is the nearest airport?", history=as_parts)).match == "exact"
    marked = [m | {"content": [{"type": "text", "text": m["content"], "cache_control": {}}]} for m in paris]
    assert (await acache.lookup("How far is the nearest airport?", history=marked)).match == "exact"  # field ignored


@pytest.mark.parametrize(
    ("scope", "fragment"),
    [
        ({"history": "I live in Paris."}, "not a string"),
        ({"history": [("wizard", "hi")]}, "role 'wizard'"),
        ({"history": [("User", "hi")]}, "role 'User'"),
        ({"history": [("user", None)]}, "history[0] content must be a string or a list of text parts"),
        ({"history": [("user", [{"type": "image_url"}])]}, "history[0] content[0] is a part of type 'image_url'"),
        ({"history": [("user", "hi", "extra")]}, "(role, content) pair"),
        ({"history": [{"role": "tool", "content": "42", "tool_call_id": "c1"}]}, "(role, content) pair"),
        ({"history": [("user", "x")] * 10_000}, "the limit is 200 messages"),
        ({"history": [("user", "\ud800")]}, "lone surrogate"),
        ({"system_prompt": 3}, "system_prompt must be a string"),
        ({"system_prompt": "\ud800"}, "lone surrogate"),
    ],
)
async def test_a_scope_that_is_not_a_conversation_is_refused(
    acache: AsyncCache, scope: dict[str, Any], fragment: str
) -> None:
    """A string read as turns of one character each, a role or content of any kind, 10,000 turns: each was
    taken into the scope and stored (a lone surrogate or a number as system prompt was a UnicodeEncodeError or
    an AttributeError). Refused as ``/ask`` refuses them."""
    with pytest.raises(InvalidInput, match=re.escape(fragment)):
        await acache.store("How far is the nearest airport?", "About 25 km.", **scope)
    with pytest.raises(InvalidInput, match=re.escape(fragment)):
        await acache.lookup("How far is the nearest airport?", **scope)
