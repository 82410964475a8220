"""``/v1/chat/completions`` through the real ``openai`` client: hits, misses, scope, bypass, single-flight."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from typing import Any

import numpy as np
import openai
import pytest
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam

from nearhit.api.gateway import EMBED_CHUNK, MAX_EMBEDDING_TOKENS
from nearhit.llm import count_tokens
from tests.gateway.conftest import ServeGateway
from tests.support.waiting import eventually

MODEL = "gpt-4o"
SYSTEM: ChatCompletionMessageParam = {"role": "system", "content": "You are a concise assistant."}


def ask(prompt: str, system: ChatCompletionMessageParam = SYSTEM) -> list[ChatCompletionMessageParam]:
    return [system, {"role": "user", "content": prompt}]


async def create(client: openai.AsyncOpenAI, messages: list[ChatCompletionMessageParam], **options: Any) -> Any:
    """A non-streamed call; returns (headers, completion)."""
    raw = await client.chat.completions.with_raw_response.create(messages=messages, **({"model": MODEL} | options))
    return raw.headers, raw.parse()


async def stream(
    client: openai.AsyncOpenAI, messages: list[ChatCompletionMessageParam], **options: Any
) -> tuple[Any, list[ChatCompletionChunk]]:
    """A streamed call read by the SDK's own stream parser; returns (headers, chunks)."""
    async with client.chat.completions.with_streaming_response.create(
        messages=messages, stream=True, **({"model": MODEL} | options)
    ) as response:
        chunks = [chunk async for chunk in await response.parse()]
        return response.headers, chunks


def text_of(chunks: list[ChatCompletionChunk]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


async def test_the_same_call_twice_is_an_exact_hit_with_the_same_answer(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        headers, first = await create(client, ask("What is the capital of France?"))
        assert headers["x-nearhit-cache"] == "miss"
        assert headers["x-nearhit-tokens-saved"] == "0"
        await gateway.wait_entries(1)

        headers, second = await create(client, ask("What is the capital of France?"))
        assert headers["x-nearhit-cache"] == "hit-exact"
        assert headers["x-nearhit-similarity"] == "1.0000"
        assert second.choices[0].message.content == first.choices[0].message.content
        assert second.choices[0].finish_reason == "stop"
        assert second.id.startswith("chatcmpl-") and second.id != first.id
        assert second.object == "chat.completion"
        assert second.model == first.model == gateway.runtime.provider.model == "simulated-gpt-4o"
        # A hit reports the usage a live call would have had; the headers say it cost nothing.
        assert second.usage is not None and first.usage is not None
        assert (second.usage.prompt_tokens, second.usage.completion_tokens) == (
            first.usage.prompt_tokens,
            first.usage.completion_tokens,
        )
        assert int(headers["x-nearhit-tokens-saved"]) == first.usage.total_tokens
        assert gateway.runtime.flights.started == 1


async def test_a_streamed_paraphrase_is_a_semantic_hit_replayed_as_chunks(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        usage_option = {"stream_options": {"include_usage": True}}
        headers, live = await stream(client, ask("How do I reverse a list in Python?"), **usage_option)
        assert headers["x-nearhit-cache"] == "miss"
        assert headers["content-type"].startswith("text/event-stream")
        await gateway.wait_entries(1)

        headers, replayed = await stream(client, ask("How can I reverse a list in Python?"), **usage_option)
        assert headers["x-nearhit-cache"] == "hit-semantic"
        assert 0.9 <= float(headers["x-nearhit-similarity"]) < 1.0
        assert int(headers["x-nearhit-tokens-saved"]) > 0
        assert text_of(replayed) == text_of(live)

        for chunks in (live, replayed):
            assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
            first, *content, finish, usage = chunks
            assert first.choices[0].delta.role == "assistant" and first.choices[0].delta.content == ""
            assert content and all(c.choices[0].delta.content for c in content)
            assert all(c.choices[0].finish_reason is None and c.usage is None for c in [first, *content])
            assert finish.choices[0].finish_reason == "stop" and not finish.choices[0].delta.content
            assert usage.choices == [] and usage.usage is not None and usage.usage.completion_tokens > 0
        assert len(replayed) == 4  # role, the answer in one piece (under NEARHIT_HIT_CHUNK_CHARS), finish, usage
        live_usage, replayed_usage = live[-1].usage, replayed[-1].usage
        assert live_usage is not None and replayed_usage is not None
        assert replayed_usage.completion_tokens == live_usage.completion_tokens
        assert gateway.runtime.flights.started == 1


async def test_a_streamed_hit_comes_in_pieces_of_hit_chunk_chars(serve: ServeGateway) -> None:
    async with serve(hit_chunk_chars=16) as gateway:
        client = gateway.client()
        _, live = await stream(client, ask("Why is the sky blue?"))
        await gateway.wait_entries(1)
        headers, replayed = await stream(client, ask("Why is the sky blue?"))
        assert headers["x-nearhit-cache"] == "hit-exact"
        assert text_of(replayed) == text_of(live) and len(text_of(live)) > 32
        first, *content, finish = replayed
        assert first.choices[0].delta.role == "assistant"
        assert [c.choices[0].delta.content for c in content] == [
            text_of(live)[i : i + 16] for i in range(0, len(text_of(live)), 16)
        ]
        assert finish.choices[0].finish_reason == "stop"


async def test_without_include_usage_there_is_no_usage_chunk(serve: ServeGateway) -> None:
    async with serve() as gateway:
        _, chunks = await stream(gateway.client(), ask("Name a prime number."))
        assert chunks[-1].choices[0].finish_reason == "stop"
        assert all(c.usage is None for c in chunks)


async def test_a_different_system_prompt_is_a_miss(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        await create(client, ask("What is Redis?"))
        await gateway.wait_entries(1)
        pirate: ChatCompletionMessageParam = {"role": "system", "content": "Answer like a pirate."}
        headers, _ = await create(client, ask("What is Redis?", system=pirate))
        assert headers["x-nearhit-cache"] == "miss"
        headers, _ = await create(client, ask("What is Redis?"))
        assert headers["x-nearhit-cache"] == "hit-exact"


async def test_earlier_turns_are_part_of_the_scope(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        earlier: list[ChatCompletionMessageParam] = [
            SYSTEM,
            {"role": "user", "content": "Let's talk about Rust."},
            {"role": "assistant", "content": "Sure, what about it?"},
        ]
        follow_up: ChatCompletionMessageParam = {"role": "user", "content": "How do I read a file?"}
        await create(client, [*earlier, follow_up])
        await gateway.wait_entries(1)
        headers, _ = await create(client, ask("How do I read a file?"))
        assert headers["x-nearhit-cache"] == "miss"
        headers, _ = await create(client, [*earlier, follow_up])
        assert headers["x-nearhit-cache"] == "hit-exact"


async def test_tenants_come_from_the_key_table(serve: ServeGateway) -> None:
    async with serve(keys="key-alpha=alpha,key-beta=beta,key-alpha-2=alpha") as gateway:
        await create(gateway.client("key-alpha"), ask("What is the capital of Italy?"))
        await gateway.wait_entries(1)
        headers, _ = await create(gateway.client("key-beta"), ask("What is the capital of Italy?"))
        assert headers["x-nearhit-cache"] == "miss"
        headers, _ = await create(gateway.client("key-alpha-2"), ask("What is the capital of Italy?"))
        assert headers["x-nearhit-cache"] == "hit-exact"

        with pytest.raises(openai.AuthenticationError) as caught:
            await create(gateway.client("key-gamma"), ask("What is the capital of Italy?"))
        assert caught.value.status_code == 401
        assert caught.value.code == "invalid_api_key"
        with pytest.raises(openai.AuthenticationError):
            await gateway.client("key-gamma").models.list()

        async def both_tenants() -> list[dict[str, Any]]:  # telemetry is written in batches, off the request
            events = await gateway.runtime.telemetry.events(10)
            assert {e["tenant"] for e in events} == {"alpha", "beta"}
            return events

        events = await eventually(both_tenants)
        assert {e["source"] for e in events} == {"gateway"}


async def test_n_and_a_hot_temperature_bypass_the_cache(serve: ServeGateway) -> None:
    async with serve(max_temperature=1.0) as gateway:
        client = gateway.client()
        headers, answer = await create(client, ask("Write a haiku."), n=2)
        assert headers["x-nearhit-cache"] == "bypass"
        assert "n=2" in headers["x-nearhit-bypass-reason"]
        assert [c.index for c in answer.choices] == [0, 1]
        assert all(c.message.content for c in answer.choices)

        headers, chunks = await stream(client, ask("Write a haiku."), n=2)
        assert headers["x-nearhit-cache"] == "bypass"
        assert {c.choices[0].index for c in chunks if c.choices} == {0, 1}
        assert sum(1 for c in chunks if c.choices and c.choices[0].finish_reason == "stop") == 2

        headers, _ = await create(client, ask("Write a haiku."), temperature=1.5)
        assert headers["x-nearhit-cache"] == "bypass"
        assert "temperature 1.5" in headers["x-nearhit-bypass-reason"]
        headers, _ = await create(client, ask("Write a haiku."), temperature=0.2)
        assert headers["x-nearhit-cache"] == "miss"
        await gateway.settled()
        assert await gateway.entries() == 1  # only the call that did not bypass was stored
        assert gateway.runtime.flights.started == 6  # 2 + 2 + 1 + 1: bypassed choices are never shared


async def test_cache_control_no_cache_and_no_store(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        headers, _ = await create(client, ask("What is HNSW?"), extra_headers={"Cache-Control": "no-store"})
        assert headers["x-nearhit-cache"] == "miss"
        await gateway.settled()
        assert await gateway.entries() == 0

        headers, _ = await create(client, ask("What is HNSW?"), extra_headers={"Cache-Control": "no-cache"})
        assert headers["x-nearhit-cache"] == "bypass"
        await gateway.wait_entries(1)
        headers, _ = await create(client, ask("What is HNSW?"), extra_headers={"Cache-Control": "no-cache"})
        assert headers["x-nearhit-cache"] == "bypass"  # stored, but not looked up
        headers, _ = await create(client, ask("What is HNSW?"))
        assert headers["x-nearhit-cache"] == "hit-exact"


async def test_threshold_and_ttl_headers(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        await create(client, ask("Explain what Redis is used for."), extra_headers={"x-nearhit-ttl": "600"})
        await gateway.wait_entries(1)
        cache = await gateway.runtime.cache()
        [key] = [k async for k in cache.redis.scan_iter(match=f"{cache.keys.entry_prefix}*")]
        assert 0 < await cache.redis.ttl(key) <= 600

        strict = {"x-nearhit-threshold": "0.999", "Cache-Control": "no-store"}
        headers, _ = await create(client, ask("What is Redis used for?"), extra_headers=strict)
        assert headers["x-nearhit-cache"] == "miss"
        lenient = {"x-nearhit-threshold": "0.9", "Cache-Control": "no-store"}
        headers, _ = await create(client, ask("What is Redis used for?"), extra_headers=lenient)
        assert headers["x-nearhit-cache"] == "hit-semantic"


async def test_twenty_concurrent_identical_streams_make_one_llm_call(serve: ServeGateway) -> None:
    from nearhit.llm import SimulatedLLM

    slow = SimulatedLLM("gpt-4o", ttft_ms=300, tokens_per_second=2_000)
    async with serve(provider=slow) as gateway:
        client = gateway.client()
        results = await asyncio.gather(*(stream(client, ask("Why is the sky blue?")) for _ in range(20)))
        assert gateway.runtime.flights.started == 1
        texts = {text_of(chunks) for _, chunks in results}
        assert len(texts) == 1 and texts != {""}
        assert all(chunks[-1].choices[0].finish_reason == "stop" for _, chunks in results)


async def test_models_lists_the_configured_models(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        models = [m.id async for m in client.models.list()]
        assert models == [gateway.runtime.provider.model, gateway.runtime.embedder.model_name]
        model = await client.models.retrieve("simulated-gpt-4o")
        assert model.owned_by == "simulated"
        with pytest.raises(openai.NotFoundError):
            await client.models.retrieve("gpt-2")


async def test_embeddings_come_from_the_configured_embedder(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        embedder = gateway.runtime.embedder
        texts = ["What is Redis?", "How do caches work?"]
        expected = await embedder.embed(texts)
        # Unless told otherwise the SDK asks for base64 and decodes it itself: both paths give the same floats.
        for options in ({}, {"encoding_format": "float"}):
            result = await client.embeddings.create(model="any", input=texts, **options)
            assert result.model == embedder.model_name
            assert [d.index for d in result.data] == [0, 1]
            for row, data in zip(expected, result.data, strict=True):
                assert len(data.embedding) == embedder.dimension
                assert data.embedding == pytest.approx(row.tolist(), abs=1e-6)
            assert result.usage.prompt_tokens == result.usage.total_tokens > 0
        raw = await client.embeddings.create(model="any", input=texts, encoding_format="base64")
        decoded = np.frombuffer(base64.b64decode(str(raw.data[1].embedding)), dtype="<f4")
        assert decoded.tolist() == pytest.approx(expected[1].tolist(), abs=1e-6)
        single = await client.embeddings.create(model="any", input="What is Redis?")
        assert len(single.data) == 1
        with pytest.raises(openai.BadRequestError) as caught:
            await client.embeddings.create(model="any", input=[[1, 2, 3]])
        assert caught.value.param == "input[0]"


async def test_telemetry_counts_gateway_traffic(serve: ServeGateway) -> None:
    async with serve() as running:
        client = running.client()
        await create(client, ask("What is a vector index?"))
        await running.wait_entries(1)
        await create(client, ask("What is a vector index?"))
        await running.runtime.telemetry.flush()
        events = await running.runtime.telemetry.events(10)
        assert [(e["source"], e["column"], e["outcome"]) for e in events] == [
            ("gateway", "cache", "exact"),
            ("gateway", "cache", "miss"),
        ]


async def test_a_client_that_leaves_mid_stream_stops_the_generation(serve: ServeGateway) -> None:
    from nearhit.llm import SimulatedLLM
    from nearhit.service.answering import Answerer
    from nearhit.service.request import AskRequest

    slow = SimulatedLLM("gpt-4o", ttft_ms=20, tokens_per_second=40)
    async with serve(provider=slow) as gateway:
        client = gateway.client()
        prompt = "Tell me about the history of Redis."
        stream = await client.chat.completions.create(model=MODEL, messages=ask(prompt), stream=True)
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                break
        await stream.close()
        key = Answerer(gateway.runtime).flight_key(
            AskRequest(prompt, system_prompt=str(SYSTEM["content"]), source="gateway")
        )
        await eventually(lambda: not gateway.runtime.flights.in_flight(key))  # nobody waits for it: cancelled
        await gateway.settled()
        assert await gateway.entries() == 0  # and a partial answer is never stored


async def test_a_hit_counts_its_prompt_tokens_at_most_once(
    serve: ServeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prompt's tokens of a hit (what it saved, the usage it reports) are counted once, not by the answer
    column and again by the gateway: every module that imported the counter counts into one tally."""
    import sys

    from nearhit.llm import tokens

    original = tokens.count_message_tokens
    calls: list[int] = []

    def counting(*args: Any, **kwargs: Any) -> int:
        calls.append(1)
        return original(*args, **kwargs)

    async with serve() as gateway:
        client = gateway.client()
        _, first = await create(client, ask("What does a semantic cache store?"))
        await gateway.wait_entries(1)
        for module in [m for name, m in sys.modules.items() if name.startswith("nearhit")]:
            if getattr(module, "count_message_tokens", None) is original:
                monkeypatch.setattr(module, "count_message_tokens", counting)
        headers, second = await create(client, ask("What does a semantic cache store?"))
        assert headers["x-nearhit-cache"] == "hit-exact"
        assert second.usage.prompt_tokens == first.usage.prompt_tokens
        assert len(calls) <= 1, f"the hit's prompt tokens were counted {len(calls)} times"


async def test_a_long_input_list_is_embedded_a_chunk_at_a_time(
    serve: ServeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2,000 inputs of 240 tokens went to the model in one call: 23.7 GB, and the OOM killer took the service
    (its raw LLM path too). The list is embedded ``EMBED_CHUNK`` texts per call, the answer in the list's order."""
    async with serve() as gateway:
        embedder = gateway.runtime.embedder
        real = embedder.embed
        sizes: list[int] = []

        async def recorded(texts: Sequence[str]) -> Any:
            sizes.append(len(texts))
            return await real(texts)

        monkeypatch.setattr(embedder, "embed", recorded)
        texts = [f"question {i} about caches" for i in range(EMBED_CHUNK * 2 + 5)]
        result = await gateway.client().embeddings.create(model="any", input=texts, encoding_format="float")
        assert sizes and max(sizes) <= EMBED_CHUNK and sum(sizes) == len(texts)
        expected = await real([texts[0], texts[-1]])
        assert result.data[0].embedding == pytest.approx(expected[0].tolist(), abs=1e-5)
        assert result.data[-1].embedding == pytest.approx(expected[1].tolist(), abs=1e-5)


async def test_an_embeddings_request_over_openais_token_cap_is_a_400(serve: ServeGateway) -> None:
    """OpenAI refuses one request of more than 300,000 tokens summed over its inputs; the gateway embedded them."""
    async with serve() as gateway:
        size = gateway.runtime.settings.max_prompt_chars
        # Distinct CJK characters: about two tokens each, so a few inputs within every other limit pass the cap.
        text = "".join(chr(0x4E00 + i % 20_000) for i in range(size))
        count = MAX_EMBEDDING_TOKENS // count_tokens(text, gateway.runtime.embedder.model_name) + 1
        with pytest.raises(openai.BadRequestError) as refused:
            await gateway.client().embeddings.create(model="any", input=[text] * count, encoding_format="float")
        assert refused.value.param == "input" and "the limit is 300,000" in refused.value.message
        within = await gateway.client().embeddings.create(model="any", input=[text], encoding_format="float")
        assert len(within.data) == 1
