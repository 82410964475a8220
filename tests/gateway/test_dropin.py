"""Issue 15: the gateway as a drop-in for real applications, through the real ``openai`` SDK.

The requested model is called and scopes the cache; tools and structured output are forwarded, cached and
replayed; sampling parameters are forwarded (the answer-changing ones scope the cache); a hit's usage says
what was billed; ``max_tokens`` cuts a hit; ``Cache-Control: max-age`` and ``x-nearhit-namespace``; OpenAI's
error shape for unknown paths, methods and models.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from nearhit.economics.prices import request_cost
from nearhit.llm import LLMProvider
from tests.gateway.conftest import ServeGateway
from tests.gateway.test_chat import ask, create, stream, text_of
from tests.support.fake_upstream import UPSTREAM_MODEL, FakeUpstream, Stream
from tests.support.waiting import eventually

WEATHER: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["C", "F"]}},
            "required": ["city", "unit"],
        },
    },
}
TIME: ChatCompletionToolParam = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}}},
}


def tool_call_stream(call_id: str, name: str, fragments: list[str], usage: tuple[int, int]) -> Stream:
    """An upstream tool-call answer as OpenAI streams it: id and name, then argument fragments."""
    base = {"id": "chatcmpl-up", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": UPSTREAM_MODEL}

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return base | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    first = {"index": 0, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
    items: list[Any] = [choice({"role": "assistant", "content": None, "tool_calls": [first]})]
    items += [choice({"tool_calls": [{"index": 0, "function": {"arguments": f}}]}) for f in fragments]
    items.append(choice({}, "tool_calls"))
    prompt, completion = usage
    total = prompt + completion
    items.append(
        base
        | {"choices": [], "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}}
    )
    return Stream(items)


async def test_a_tool_call_is_stored_and_replayed_streamed_and_not(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        messages = ask("What's the weather in Paris?")
        headers, first = await create(client, messages, tools=[WEATHER])
        assert headers["x-nearhit-cache"] == "miss"
        [call] = first.choices[0].message.tool_calls
        assert first.choices[0].finish_reason == "tool_calls" and first.choices[0].message.content is None
        assert call.id.startswith("call_simulated_") and call.function.name == "get_weather"
        assert json.loads(call.function.arguments) == {"city": "simulated", "unit": "C"}
        await gateway.wait_entries(1)

        headers, again = await create(client, messages, tools=[WEATHER])
        assert headers["x-nearhit-cache"] == "hit-exact"
        assert again.choices[0].message.tool_calls == first.choices[0].message.tool_calls
        assert again.choices[0].finish_reason == "tool_calls"

        headers, chunks = await stream(client, messages, tools=[WEATHER])
        assert headers["x-nearhit-cache"] == "hit-exact"
        pieces = [d for c in chunks if c.choices for d in c.choices[0].delta.tool_calls or ()]
        assert pieces[0].id == call.id and pieces[0].function is not None and pieces[0].function.name == "get_weather"
        assert len(pieces) > 2 and all(p.id is None and p.index == 0 for p in pieces[1:])
        assert "".join(p.function.arguments or "" for p in pieces if p.function) == call.function.arguments
        assert chunks[-1].choices[0].finish_reason == "tool_calls"

        # The SDK's own stream helper assembles the replayed deltas into the same call.
        async with client.chat.completions.stream(model="gpt-4o", messages=messages, tools=[WEATHER]) as events:
            final = await events.get_final_completion()
        assert final.choices[0].message.tool_calls is not None
        assert final.choices[0].message.tool_calls[0].function.arguments == call.function.arguments
        assert gateway.runtime.flights.started == 1


async def test_other_tools_format_seed_stop_or_model_is_a_miss(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        messages = ask("Tell me about Redis streams (as JSON if asked).")
        await create(client, messages, tools=[WEATHER])
        await gateway.wait_entries(1)
        variants: list[dict[str, Any]] = [
            {},
            {"tools": [WEATHER, TIME]},
            {"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
            {"response_format": {"type": "json_object"}},
            {"seed": 7},
            {"stop": ["\n"]},
            {"logit_bias": {"1234": -100}},
            {"model": "gpt-4o-mini"},
        ]
        for number, variant in enumerate(variants, start=2):
            options = {"tools": [WEATHER]} | variant if "tools" not in variant and variant else variant
            model = options.pop("model", "gpt-4o")
            raw = await client.chat.completions.with_raw_response.create(model=model, messages=messages, **options)
            assert raw.headers["x-nearhit-cache"] == "miss", variant
            await gateway.wait_entries(number)
        # The same tools written in another key order, and a different `user`, still hit.
        reordered: Any = {"function": dict(reversed(list(WEATHER["function"].items()))), "type": "function"}
        headers, _ = await create(client, messages, tools=[reordered], user="someone-else")
        assert headers["x-nearhit-cache"] == "hit-exact"


async def test_structured_output_is_cached_per_schema(serve: ServeGateway) -> None:
    schema = {"type": "object", "properties": {"capital": {"type": "string"}}, "required": ["capital"]}
    fmt: Any = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": True}}
    async with serve() as gateway:
        client = gateway.client()
        headers, first = await create(client, ask("Capital of France?"), response_format=fmt)
        assert headers["x-nearhit-cache"] == "miss"
        assert json.loads(first.choices[0].message.content) == {"capital": "simulated"}
        await gateway.wait_entries(1)
        headers, again = await create(client, ask("Capital of France?"), response_format=fmt)
        assert headers["x-nearhit-cache"] == "hit-exact"
        assert again.choices[0].message.content == first.choices[0].message.content


async def test_a_tool_result_turn_is_cached_like_any_other(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        call: Any = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
        messages: list[ChatCompletionMessageParam] = [
            *ask("What's the weather in Paris?"),
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18 C, sunny"},
        ]
        headers, first = await create(client, messages, tools=[WEATHER])
        assert headers["x-nearhit-cache"] == "miss" and first.choices[0].message.content
        await gateway.wait_entries(1)
        headers, again = await create(client, messages, tools=[WEATHER])
        assert headers["x-nearhit-cache"] == "hit-exact"
        assert again.choices[0].message.content == first.choices[0].message.content
        other = [*messages[:-1], {"role": "tool", "tool_call_id": "call_1", "content": "3 C, snow"}]
        headers, _ = await create(client, other, tools=[WEATHER])
        assert headers["x-nearhit-cache"] == "miss", headers.get("x-nearhit-similarity")


async def test_upstream_receives_the_requested_model_and_every_parameter(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider]
) -> None:
    forwarded: dict[str, Any] = {
        "stop": ["END"],
        "seed": 42,
        "top_p": 0.5,
        "presence_penalty": 0.25,
        "frequency_penalty": -0.5,
        "logit_bias": {"50256": -100},
        "user": "user-7",
        "tools": [WEATHER],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "response_format": {"type": "json_object"},
    }
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        raw = await client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=ask("Hello there, in JSON"), **forwarded
        )
        assert raw.headers["x-nearhit-cache"] == "miss"
        [request] = upstream.chat_requests
        assert request.body is not None
        assert request.body["model"] == "gpt-4o-mini"
        for name, value in forwarded.items():
            assert request.body[name] == value, name
        assert raw.parse().model == "gpt-4o-mini"

        upstream.reset(logprob_stream())
        raw = await client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=ask("Hello there"), logprobs=True, top_logprobs=1
        )
        assert raw.headers["x-nearhit-cache"] == "bypass" and "logprobs" in raw.headers["x-nearhit-bypass-reason"]
        [request] = upstream.chat_requests
        assert request.body is not None and (request.body["logprobs"], request.body["top_logprobs"]) == (True, 1)
        choice = raw.parse().choices[0]
        assert choice.message.content == "Hi there" and choice.logprobs is not None
        assert [t.token for t in choice.logprobs.content or ()] == ["Hi", " there"]

        _, chunks = await stream(client, ask("Hello there"), logprobs=True, top_logprobs=1, model="gpt-4o-mini")
        tokens = [
            t.token for c in chunks if c.choices and c.choices[0].logprobs for t in c.choices[0].logprobs.content or ()
        ]
        assert tokens == ["Hi", " there"]


def logprob_stream() -> Stream:
    """An upstream answer with the token logprobs OpenAI sends when asked."""
    base = {"id": "chatcmpl-up", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": UPSTREAM_MODEL}

    def piece(token: str) -> dict[str, Any]:
        logprob = {"token": token, "logprob": -0.5, "bytes": list(token.encode()), "top_logprobs": []}
        delta = {"content": token}
        return base | {
            "choices": [{"index": 0, "delta": delta, "logprobs": {"content": [logprob]}, "finish_reason": None}]
        }

    end = base | {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    return Stream([piece("Hi"), piece(" there"), end])


async def test_an_upstream_tool_call_is_replayed_to_the_sdk(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider]
) -> None:
    upstream.reset(tool_call_stream("call_abc", "get_weather", ['{"city":', '"Paris",', '"unit":"C"}'], (30, 12)))
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        headers, chunks = await stream(client, ask("Weather in Paris?"), tools=[WEATHER])
        assert headers["x-nearhit-cache"] == "miss"
        pieces = [d for c in chunks if c.choices for d in c.choices[0].delta.tool_calls or ()]
        assert pieces[0].id == "call_abc"
        await gateway.wait_entries(1)
        headers, hit = await create(client, ask("Weather in Paris?"), tools=[WEATHER])
        assert headers["x-nearhit-cache"] == "hit-exact"
        [call] = hit.choices[0].message.tool_calls
        assert (call.id, call.function.name, call.function.arguments) == (
            "call_abc",
            "get_weather",
            '{"city":"Paris","unit":"C"}',
        )
        assert hit.usage.completion_tokens == 12
        assert len(upstream.chat_requests) == 1


@pytest.mark.parametrize(
    ("offered", "called"),
    [
        ({}, "get_weather"),  # no tool offered at all
        ({"tools": [WEATHER]}, "get_time"),  # a tool that was not offered
        ({"tools": [WEATHER], "tool_choice": "none"}, "get_weather"),  # tools offered, calls forbidden
        (
            {"tools": [WEATHER, TIME], "tool_choice": {"type": "function", "function": {"name": "get_time"}}},
            "get_weather",
        ),
    ],
)
async def test_an_upstream_tool_call_the_request_did_not_allow_is_not_stored(
    serve: ServeGateway,
    upstream: FakeUpstream,
    upstream_provider: Callable[[], LLMProvider],
    offered: dict[str, Any],
    called: str,
) -> None:
    # An upstream that calls a tool it was not offered (a local server's tool parser, a proxy's bug): its answer
    # is the caller's to see, but stored it was replayed to every later request of that scope, a call that
    # request never offered (and a client that runs whatever the model calls would run it).
    upstream.reset(
        tool_call_stream("call_x", called, ['{"city":"Paris","unit":"C"}'], (30, 12)),
        upstream.answer("It is sunny in Paris.", usage=(30, 6)),
    )
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        headers, first = await create(client, ask("Weather in Paris?"), **offered)
        assert headers["x-nearhit-cache"] == "miss" and first.choices[0].message.tool_calls  # passed on as it came
        await gateway.settled()
        assert await gateway.entries() == 0
        # Asked again in other words (the same words within 3 s would join the flight's answer, as a burst does).
        headers, again = await create(client, ask("What's the weather like in Paris?"), **offered)
        assert headers["x-nearhit-cache"] == "miss" and again.choices[0].message.content == "It is sunny in Paris."


@pytest.mark.parametrize(
    "choice", ["required", {"type": "function", "function": {"name": "get_weather"}}], ids=["required", "named"]
)
async def test_a_text_answer_to_a_request_that_required_a_tool_call_is_not_stored(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider], choice: Any
) -> None:
    # tool_choice "required" (or a function named) allows no text answer; an upstream that gives one anyway was
    # stored and replayed to every later request of that scope, as if the model had obeyed.
    upstream.reset(
        upstream.answer("It is probably sunny.", usage=(30, 6)),
        tool_call_stream("call_w", "get_weather", ['{"city":"Paris","unit":"C"}'], (30, 12)),
    )
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        headers, first = await create(client, ask("Weather in Paris?"), tools=[WEATHER], tool_choice=choice)
        assert headers["x-nearhit-cache"] == "miss" and first.choices[0].message.content == "It is probably sunny."
        await gateway.settled()
        assert await gateway.entries() == 0
        headers, again = await create(
            client, ask("What's the weather like in Paris?"), tools=[WEATHER], tool_choice=choice
        )
        assert headers["x-nearhit-cache"] == "miss" and again.choices[0].message.tool_calls


async def test_two_tool_calls_when_parallel_tool_calls_was_false_are_not_stored(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider]
) -> None:
    two = tool_call_stream("call_a", "get_weather", ['{"city":"Paris","unit":"C"}'], (30, 20))
    second = {"index": 1, "id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
    extra = json.loads(json.dumps(two.items[1]))
    extra["choices"][0]["delta"] = {"tool_calls": [second]}
    two.items.insert(2, extra)
    upstream.reset(two, tool_call_stream("call_c", "get_weather", ['{"city":"Paris","unit":"C"}'], (30, 12)))
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        options: dict[str, Any] = {"tools": [WEATHER, TIME], "parallel_tool_calls": False}
        headers, first = await create(client, ask("Weather in Paris?"), **options)
        assert headers["x-nearhit-cache"] == "miss" and len(first.choices[0].message.tool_calls) == 2
        await gateway.settled()
        assert await gateway.entries() == 0  # stored, two calls were replayed to requests that allowed one
        headers, again = await create(client, ask("What's the weather like in Paris?"), **options)
        assert headers["x-nearhit-cache"] == "miss" and len(again.choices[0].message.tool_calls) == 1


def refusal_stream(words: list[str]) -> Stream:
    """An upstream's refusal as OpenAI streams it (structured outputs): ``refusal`` deltas, no content."""
    base = {"id": "chatcmpl-up", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": UPSTREAM_MODEL}

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return base | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    items: list[Any] = [choice({"role": "assistant", "content": None, "refusal": ""})]
    items += [choice({"refusal": word}) for word in words]
    return Stream([*items, choice({}, "stop")])


@pytest.mark.parametrize("streamed", [False, True])
async def test_an_upstream_refusal_reaches_the_client_as_a_refusal_and_is_not_stored(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider], streamed: bool
) -> None:
    # The refusal deltas were dropped: the client got content "" with finish_reason stop (the SDK's parse()
    # then fails on "", an app shows an empty answer), and never the model's refusal.
    upstream.reset(refusal_stream(["I'm sorry, ", "I can't help with that."]), upstream.answer("{}"))
    schema = {"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object"}}}
    async with serve(provider=upstream_provider()) as gateway:
        client = gateway.client()
        if streamed:
            headers, chunks = await stream(client, ask("How do I pick a lock?"), response_format=schema)
            deltas = [c.choices[0].delta for c in chunks if c.choices]
            assert "".join(getattr(d, "refusal", None) or "" for d in deltas) == "I'm sorry, I can't help with that."
            assert not "".join(d.content or "" for d in deltas)
        else:
            headers, answer = await create(client, ask("How do I pick a lock?"), response_format=schema)
            message = answer.choices[0].message
            assert (message.content, message.refusal) == (None, "I'm sorry, I can't help with that.")
        assert headers["x-nearhit-cache"] == "miss"
        await gateway.settled()
        assert await gateway.entries() == 0  # a refusal is not replayed as an answer


async def test_the_simulated_provider_prices_a_named_model_as_the_one_it_imitates(serve: ServeGateway) -> None:
    """On the simulated provider a caller naming ``o1-pro`` "saved" o1-pro's price a hit ($0.065 in the demo): no
    model was called. Its savings are priced as the model the provider imitates (gpt-4o here), and say so: in the
    headers, in telemetry (``priced_as``, ``simulated``)."""
    async with serve() as gateway:
        client = gateway.client()
        await create(client, ask("What is a bloom filter?"), model="o1-pro")
        await gateway.wait_entries(1)
        headers, hit = await create(client, ask("What is a bloom filter?"), model="o1-pro")
        assert headers["x-nearhit-cache"] == "hit-exact" and hit.model == "simulated-o1-pro"
        assert (headers["x-nearhit-priced-as"], headers["x-nearhit-simulated"]) == ("gpt-4o", "true")
        tokens = (hit.usage.prompt_tokens, hit.usage.completion_tokens)
        assert float(headers["x-nearhit-cost-saved"]) == pytest.approx(request_cost("gpt-4o", *tokens).usd, abs=1e-6)
        assert float(headers["x-nearhit-cost-saved"]) < request_cost("o1-pro", *tokens).usd / 10

        async def both_recorded() -> list[dict[str, Any]]:  # telemetry is written in batches, off the request
            events = await gateway.runtime.telemetry.events(10)
            assert len(events) == 2
            return events

        events = await eventually(both_recorded)
        assert {(e["priced_as"], e["simulated"]) for e in events} == {("gpt-4o", True)}
        hit_event = next(e for e in events if e["outcome"] != "llm")
        assert hit_event["cost_saved_usd"] == pytest.approx(request_cost("gpt-4o", *tokens).usd, abs=1e-6)


async def test_a_hit_reports_its_prompt_as_cached_tokens_and_the_cost_saved(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        headers, first = await create(client, ask("What is a vector index?"))
        assert first.usage.prompt_tokens_details is None and headers["x-nearhit-cost-saved"] == "0.000000"
        await gateway.wait_entries(1)
        headers, hit = await create(client, ask("What is a vector index?"))
        assert headers["x-nearhit-cache"] == "hit-exact"
        assert (hit.usage.prompt_tokens, hit.usage.completion_tokens) == (
            first.usage.prompt_tokens,
            first.usage.completion_tokens,
        )
        assert hit.usage.prompt_tokens_details.cached_tokens == hit.usage.prompt_tokens
        assert float(headers["x-nearhit-cost-saved"]) > 0

        headers, chunks = await stream(client, ask("What is a vector index?"), stream_options={"include_usage": True})
        usage = chunks[-1].usage
        assert usage is not None and usage.prompt_tokens_details is not None
        assert usage.prompt_tokens_details.cached_tokens == usage.prompt_tokens


async def test_max_tokens_cuts_a_hit_at_the_limit_with_length(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        _, full = await create(client, ask("Explain consistent hashing."))
        await gateway.wait_entries(1)
        headers, cut = await create(client, ask("Explain consistent hashing."), max_tokens=5)
        assert headers["x-nearhit-cache"] == "hit-exact"
        assert cut.choices[0].finish_reason == "length"
        assert cut.usage.completion_tokens == 5
        assert full.choices[0].message.content.startswith(cut.choices[0].message.content)
        assert len(cut.choices[0].message.content) < len(full.choices[0].message.content)

        headers, chunks = await stream(client, ask("Explain consistent hashing."), max_tokens=5)
        assert headers["x-nearhit-cache"] == "hit-exact"
        assert text_of(chunks) == cut.choices[0].message.content
        assert chunks[-1].choices[0].finish_reason == "length"

        headers, whole = await create(client, ask("Explain consistent hashing."), max_tokens=4000)
        assert whole.choices[0].finish_reason == "stop"
        assert whole.choices[0].message.content == full.choices[0].message.content
        assert gateway.runtime.flights.started == 1


async def test_max_age_serves_only_younger_entries_and_replaces_older_ones(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        await create(client, ask("What is Redis?"))
        await gateway.wait_entries(1)
        cache = await gateway.runtime.cache()
        [key] = [k async for k in cache.redis.scan_iter(match=f"{cache.keys.entry_prefix}*")]
        created = float(await cache.redis.hget(key, "created_at"))

        headers, _ = await create(client, ask("What is Redis?"), extra_headers={"Cache-Control": "max-age=0"})
        assert headers["x-nearhit-cache"] == "miss" and headers["x-nearhit-rejected-by"] == "max-age"
        assert gateway.runtime.flights.started == 2

        async def replaced() -> bool:
            return float(await cache.redis.hget(key, "created_at")) > created

        await eventually(replaced)
        headers, _ = await create(client, ask("What is Redis?"), extra_headers={"Cache-Control": "s-maxage=3600"})
        assert headers["x-nearhit-cache"] == "hit-exact"
        assert await gateway.entries() == 1


async def test_a_namespace_is_a_scope_inside_the_tenant(serve: ServeGateway) -> None:
    async with serve() as gateway:
        client = gateway.client()
        team_a = {"x-nearhit-namespace": "team-a"}
        await create(client, ask("What is Redis?"), extra_headers=team_a)
        await gateway.wait_entries(1)
        headers, _ = await create(client, ask("What is Redis?"))
        assert headers["x-nearhit-cache"] == "miss"
        headers, _ = await create(client, ask("What is Redis?"), extra_headers={"x-nearhit-namespace": "team-b"})
        assert headers["x-nearhit-cache"] == "miss"
        headers, _ = await create(client, ask("What is Redis?"), extra_headers=team_a)
        assert headers["x-nearhit-cache"] == "hit-exact"


async def test_unknown_paths_methods_and_models_answer_in_openai_shape(serve: ServeGateway) -> None:
    models = json.dumps({"gpt-4o": {}, "fast": {"upstream": "gpt-4o-mini", "threshold": 0.95}})
    async with serve(models=models) as gateway, httpx.AsyncClient(base_url=gateway.base_url) as http:
        client = gateway.client()
        for path in ("/responses", "/completions", "/assistants/x"):
            response = await http.post(path, json={"model": "gpt-4o", "input": "hi"})
            assert response.status_code == 404, path
            error = response.json()["error"]
            assert set(error) == {"message", "type", "param", "code"} and error["code"] == "unknown_url"
            assert "POST /v1/chat/completions" in error["message"]
        with pytest.raises(openai.NotFoundError):
            await client.responses.create(model="gpt-4o", input="hi")

        response = await http.get("/chat/completions")
        assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
        assert "POST" in response.headers["allow"]

        with pytest.raises(openai.NotFoundError) as caught:
            await client.chat.completions.create(model="gpt-3.5-turbo", messages=ask("hi"))
        assert caught.value.code == "model_not_found" and caught.value.param == "model"
        assert "fast, gpt-4o" in caught.value.message
        assert gateway.runtime.flights.started == 0

        assert [m.id async for m in client.models.list()][:2] == ["fast", "gpt-4o"]
        raw = await client.chat.completions.with_raw_response.create(model="fast", messages=ask("hi"))
        assert raw.parse().model == "simulated-gpt-4o-mini"  # the alias's upstream model answered


async def test_langchain_bind_tools_reads_a_replayed_tool_call(serve: ServeGateway) -> None:
    langchain_openai = pytest.importorskip("langchain_openai")
    async with serve() as gateway:
        model = langchain_openai.ChatOpenAI(model="gpt-4o", base_url=gateway.base_url, api_key="sk-any", max_retries=0)
        bound = model.bind_tools([WEATHER])
        first = await bound.ainvoke("What's the weather in Oslo?")
        await gateway.wait_entries(1)
        again = await bound.ainvoke("What's the weather in Oslo?")
        streamed = None
        async for piece in bound.astream("What's the weather in Oslo?"):
            streamed = piece if streamed is None else streamed + piece
        for message in (first, again, streamed):
            [call] = message.tool_calls
            assert call["name"] == "get_weather" and call["args"] == {"city": "simulated", "unit": "C"}
        assert again.tool_calls[0]["id"] == first.tool_calls[0]["id"]
        usage = again.usage_metadata  # LangChain reads the hit's prompt as cache reads
        assert usage is not None and usage["input_token_details"]["cache_read"] == usage["input_tokens"] > 0
        assert gateway.runtime.flights.started == 1


async def test_a_client_whose_base_url_lacks_v1_is_told_so(serve: ServeGateway) -> None:
    """README's base_url without its /v1 (a newcomer's first slip): a bare 404 "Not Found" told the SDK nothing."""
    async with serve() as gateway:
        client = openai.AsyncOpenAI(base_url=gateway.base_url.removesuffix("/v1"), api_key="sk-any", max_retries=0)
        with pytest.raises(openai.NotFoundError) as caught:
            await client.chat.completions.create(model="gpt-4o", messages=ask("hi"))
        assert caught.value.code == "unknown_url"
        assert "the OpenAI-compatible gateway is under /v1, so a client's base_url ends in /v1" in caught.value.message
        with pytest.raises(openai.NotFoundError, match="base_url ends in /v1"):
            await client.models.retrieve("gpt-4o")
        async with httpx.AsyncClient(base_url=gateway.base_url.removesuffix("/v1")) as http:
            assert (await http.get("/nothing")).json() == {"detail": "Not Found"}  # other paths: as before
