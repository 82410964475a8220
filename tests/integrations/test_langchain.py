"""``nearhit.integrations.langchain``: LangChain's own fake chat model with nearhit as its LLM cache."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from langchain_core.globals import set_llm_cache
from langchain_core.language_models.fake import FakeListLLM
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import Generation

from nearhit import Cache, InvalidInput
from nearhit.config import Settings
from nearhit.integrations.langchain import MODEL_PREFIX, NearhitCache
from tests.library.conftest import _drop


@pytest.fixture
def lc_cache(settings: Settings) -> Iterator[NearhitCache]:
    adapter = NearhitCache(settings=settings)
    set_llm_cache(adapter)
    try:
        yield adapter
    finally:
        set_llm_cache(None)
        adapter.close()
        asyncio.run(_drop(settings))


def test_second_call_is_served_by_nearhit_paraphrase_too_other_model_misses(lc_cache: NearhitCache) -> None:
    model = FakeListChatModel(responses=["Paris.", "second call", "third call"])
    assert model.invoke("What is the capital of France?").content == "Paris."
    assert model.invoke("What is the capital of France?").content == "Paris."
    assert model.i == 1  # the fake model was called once: the second answer came from nearhit
    assert model.invoke("What's the capital city of France?").content == "Paris."  # semantic hit
    assert model.i == 1
    other = FakeListChatModel(responses=["Paris, says the other model."])
    assert other.invoke("What is the capital of France?").content == "Paris, says the other model."
    stats = lc_cache.cache.stats()
    assert stats.counters["exact_hits"] >= 1 and stats.counters["semantic_hits"] >= 1


def test_system_prompt_and_history_scope_chat_prompts(lc_cache: NearhitCache) -> None:
    model = FakeListChatModel(responses=["Short.", "Long and French.", "After a turn."])
    question = HumanMessage("Describe Redis.")
    assert model.invoke([SystemMessage("Be brief."), question]).content == "Short."
    assert model.invoke([SystemMessage("Answer in French."), question]).content == "Long and French."
    earlier = [HumanMessage("Hi"), HumanMessage("Describe Redis.")]
    assert model.invoke(earlier).content == "After a turn."
    assert model.invoke([SystemMessage("Be brief."), question]).content == "Short."
    assert model.i == 0  # three calls, cycled back: the fourth was a hit


async def test_async_invoke_uses_alookup_and_aupdate(lc_cache: NearhitCache) -> None:
    model = FakeListChatModel(responses=["Blue.", "not this"])
    assert (await model.ainvoke("What colour is the sky?")).content == "Blue."
    assert (await model.ainvoke("What colour is the sky?")).content == "Blue."
    assert model.i == 1


def test_a_huge_llm_string_is_hashed_never_stored_raw(lc_cache: NearhitCache) -> None:
    llm_string = "x" * 100_000
    generations = FakeListChatModel(responses=["ok"]).generate([[HumanMessage("Huge config?")]]).generations[0]
    lc_cache.update('[{"kwargs": {"type": "human", "content": "Huge config?"}}]', llm_string, generations)
    hit = lc_cache.lookup('[{"kwargs": {"type": "human", "content": "Huge config?"}}]', llm_string)
    assert hit is not None and hit[0].text == "ok"
    [entry] = lc_cache.cache.search("Huge config?", top_k=1)
    assert entry.model.startswith(MODEL_PREFIX) and len(entry.model) == len(MODEL_PREFIX) + 64
    redis = lc_cache.cache.inner.engine.redis
    assert llm_string[:1000] not in str(lc_cache.cache.submit(redis.hgetall(entry.doc_id)).result())


def test_an_entry_not_written_by_the_adapter_is_a_miss(lc_cache: NearhitCache) -> None:
    llm_string = "some-model"
    lc_cache.cache.store(
        "Plain question?", "plain text answer", model=MODEL_PREFIX + _digest(llm_string), tenant="langchain"
    )
    assert lc_cache.lookup("Plain question?", llm_string) is None


def test_clear_deletes_the_adapters_tenant_only(lc_cache: NearhitCache) -> None:
    FakeListChatModel(responses=["a"]).invoke("Cleared question?")
    lc_cache.cache.store("Someone else's question?", "kept")
    lc_cache.clear()
    assert lc_cache.cache.stats().entries == 1


def test_an_llm_string_with_a_lone_surrogate_is_a_scope_not_a_failed_call(lc_cache: NearhitCache) -> None:
    # LangChain's own models escape one (repr, JSON); a cache caller passing it raw made the digest's UTF-8
    # encoding raise out of lookup() and update(), failing the model call.
    answer = [Generation(text="Three.")]
    assert lc_cache.lookup("How many stops?", "stop=\ud800") is None
    lc_cache.update("How many stops?", "stop=\ud800", answer)
    assert lc_cache.lookup("How many stops?", "stop=\ud800") == answer
    assert lc_cache.lookup("How many stops?", "stop=\udfff") is None  # another configuration, another scope


def test_an_answer_the_cache_cannot_serialise_is_returned_not_stored(lc_cache: NearhitCache) -> None:
    # A provider's metadata of non-JSON values (a datetime) made update() raise after the model had answered:
    # the call failed and its answer was lost.
    answered = AIMessage("At noon.", response_metadata={"created": datetime(2026, 12, 2, 12, tzinfo=UTC)})
    model = GenericFakeChatModel(messages=iter([answered, AIMessage("Asked again.")]))
    assert model.invoke("When is lunch?").content == "At noon."
    assert model.invoke("When is lunch?").content == "Asked again."  # nothing was stored
    assert lc_cache.cache.stats().entries == 1  # the second answer, whose metadata is JSON


def test_no_generations_are_not_stored_as_an_answer(lc_cache: NearhitCache) -> None:
    lc_cache.update("Anything to say?", "some-model", [])
    assert lc_cache.lookup("Anything to say?", "some-model") is None  # a hit of nothing would be served as one
    lc_cache.update("Anything to say?", "some-model", [Generation(text="Yes.")])
    hit = lc_cache.lookup("Anything to say?", "some-model")
    assert hit is not None and hit[0].text == "Yes."


def test_an_open_cache_can_be_shared(settings: Settings) -> None:
    with Cache.open(settings=settings) as cache:
        adapter = NearhitCache(cache)
        adapter.close()  # not the adapter's to close
        assert cache.stats().entries == 0
    asyncio.run(_drop(settings))


def _digest(text: str) -> str:
    from nearhit.cache.keys import sha256_hex

    return sha256_hex(text)


@pytest.mark.parametrize(
    ("argument", "value"),
    [("ttl", 0), ("ttl", "60"), ("threshold", float("nan")), ("threshold", 2), ("tenant", ""), ("tenant", 5)],
)
def test_the_adapter_refuses_bad_arguments_when_made(settings: Settings, argument: str, value: object) -> None:
    # Taken, each was found on every call instead: a warning, nothing stored or looked up, the LLM always called.
    with Cache.open(settings=settings) as cache, pytest.raises(InvalidInput, match=argument):
        NearhitCache(cache, **{argument: value})
    asyncio.run(_drop(settings))


def test_a_conversation_with_earlier_turns_is_cached(lc_cache: NearhitCache) -> None:
    # LangChain names its turns human / ai / tool; passed as such, the library refused every history ("history
    # role 'human' is not allowed"): each multi-turn call a miss and a warning, nothing ever stored.
    model = FakeListChatModel(responses=["Redis is an in-memory store.", "asked twice"])
    conversation = [HumanMessage("Hi"), AIMessage("Hello! How can I help?"), HumanMessage("Describe Redis.")]
    assert model.invoke(conversation).content == "Redis is an in-memory store."
    assert model.invoke(conversation).content == "Redis is an in-memory store."
    assert model.i == 1  # the second answer came from nearhit
    other = [HumanMessage("Hi"), AIMessage("Go away."), HumanMessage("Describe Redis.")]
    assert model.invoke(other).content == "asked twice"  # other earlier turns, another scope


def test_tool_turns_scope_the_answer(lc_cache: NearhitCache) -> None:
    # A tool result read back as its text alone: two conversations whose assistant called the tool with other
    # arguments (or whose last message is a tool result, not a question) must not share an answer.
    def asked(city: str) -> list[Any]:
        call = {"name": "weather", "args": {"city": city}, "id": "call_1", "type": "tool_call"}
        return [
            HumanMessage("What is the weather where I am?"),
            AIMessage("", tool_calls=[call]),
            ToolMessage("15 degrees and rain", tool_call_id="call_1"),
        ]

    model = FakeListChatModel(responses=["Oslo: 15 degrees and rain.", "Paris: 15 degrees and rain.", "third"])
    assert model.invoke(asked("Oslo")).content == "Oslo: 15 degrees and rain."
    assert model.invoke(asked("Oslo")).content == "Oslo: 15 degrees and rain."
    assert model.i == 1  # a tool turn is cached too
    assert model.invoke(asked("Paris")).content == "Paris: 15 degrees and rain."
    said = [HumanMessage("What is the weather where I am?"), HumanMessage("15 degrees and rain")]
    assert model.invoke(said).content == "third"  # a user saying it is not the tool's result


@pytest.mark.parametrize(
    "metadata",
    [{"finish_reason": "length"}, {"finish_reason": "content_filter"}, {"stop_reason": "max_tokens"}],
)
def test_an_answer_cut_off_or_filtered_is_returned_not_stored(lc_cache: NearhitCache, metadata: dict[str, str]) -> None:
    # Stored, the half answer a max_tokens cut (or a content filter) left was replayed as the answer to every
    # repeat and paraphrase, as the gateway never does (finish_reason other than stop / tool_calls: not stored).
    cut = AIMessage("The three causes of the war were, first,", response_metadata=metadata)
    model = GenericFakeChatModel(messages=iter([cut, AIMessage("Whole.", response_metadata={"finish_reason": "stop"})]))
    assert model.invoke("What caused the war?").content == "The three causes of the war were, first,"
    assert model.invoke("What caused the war?").content == "Whole."  # asked again: the cut one was not stored
    assert lc_cache.cache.stats().entries == 1


def test_a_participant_name_scopes_the_answer(lc_cache: NearhitCache) -> None:
    # A message's name was dropped: Bob asking "What is my name?" was served Alice's answer.
    model = FakeListChatModel(responses=["Your name is Alice.", "Your name is Bob.", "Bob again.", "asked"])
    assert model.invoke([HumanMessage("What is my name?", name="alice")]).content == "Your name is Alice."
    assert model.invoke([HumanMessage("What is my name?", name="bob")]).content == "Your name is Bob."
    earlier = [HumanMessage("I like tea.", name="bob"), AIMessage("Noted."), HumanMessage("What do I like?")]
    assert model.invoke(earlier).content == "Bob again."
    earlier[0] = HumanMessage("I like tea.", name="alice")
    assert model.invoke(earlier).content == "asked"
    assert model.invoke([HumanMessage("What is my name?", name="alice")]).content == "Your name is Alice."  # a hit


def test_a_deeply_nested_prompt_is_a_plain_prompt_not_a_failed_call(lc_cache: NearhitCache) -> None:
    # A completion model's prompt is the user's text: one that looks like LangChain's JSON of messages but nests
    # past Python's recursion limit made the adapter's json.loads raise RecursionError out of lookup(), failing
    # a call that succeeds without the cache.
    model = FakeListLLM(responses=["An answer."])
    hostile = '[{"kwargs": ' + "[" * 50_000 + "]" * 50_000 + "}]"
    assert model.invoke(hostile) == "An answer."
    # An entry another Redis client wrote, nested as deep, is a miss too (read back, it raised the same).
    llm_string = "nested-entry-model"
    lc_cache.cache.store(
        "Nested?", "[" * 50_000 + "]" * 50_000, model=MODEL_PREFIX + _digest(llm_string), tenant="langchain"
    )
    assert lc_cache.lookup("Nested?", llm_string) is None
