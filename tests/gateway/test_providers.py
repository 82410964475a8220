"""A model table that routes models to several providers, and the ``user`` field in the scope when asked."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from nearhit.api.app import create_app
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.errors import ConfigError
from nearhit.gateway.models import ModelTable
from nearhit.llm import LLMProvider, SimulatedLLM, build_provider
from nearhit.service.answering import Answerer
from nearhit.service.request import AskRequest
from nearhit.service.runtime import Runtime
from tests.gateway.conftest import ServeGateway
from tests.gateway.test_chat import ask, create
from tests.support.fake_upstream import FakeUpstream

FAST_SIMULATION = {"simulated_ttft_ms": 10, "simulated_tokens_per_second": 20_000}


async def test_each_model_goes_to_its_provider_and_is_cached_in_its_own_scope(
    serve: ServeGateway, upstream: FakeUpstream, upstream_provider: Callable[[], LLMProvider]
) -> None:
    table = {"real": {"upstream": "gpt-4o"}, "sim": {"upstream": "gpt-4o", "provider": "simulated"}}
    async with serve(provider=upstream_provider(), models=json.dumps(table), **FAST_SIMULATION) as gateway:
        client = gateway.client()
        cards = {card.id: card.owned_by for card in (await client.models.list()).data}
        assert cards["real"] == "openai" and cards["sim"] == "simulated"

        headers, sim = await create(client, ask("What is the capital of France?"), model="sim")
        assert headers["x-nearhit-cache"] == "miss" and "Paris is the capital" not in sim.choices[0].message.content
        assert upstream.chat_requests == []  # the simulated model answered, not the upstream
        await gateway.wait_entries(1)

        headers, real = await create(client, ask("What is the capital of France?"), model="real")
        assert headers["x-nearhit-cache"] == "miss"  # not the simulated model's entry
        assert real.choices[0].message.content == "Paris is the capital of France."
        assert [r.body["model"] for r in upstream.chat_requests if r.body] == ["gpt-4o"]
        await gateway.wait_entries(2)

        for model, answer in (("sim", sim), ("real", real)):
            headers, again = await create(client, ask("What is the capital of France?"), model=model)
            assert headers["x-nearhit-cache"] == "hit-exact"
            assert again.choices[0].message.content == answer.choices[0].message.content
        assert len(upstream.chat_requests) == 1


async def test_the_same_upstream_name_on_two_real_providers_has_two_scopes(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    own = settings.model_copy(
        update={
            "llm": "openai",
            "openai_api_key": "sk-test",
            "azure_openai_endpoint": "https://example.invalid",
            "azure_openai_api_key": "azure-key",
            "azure_openai_gpt5_model": "prod-gpt4o",
        }
    )
    table = ModelTable.parse('{"gpt-4o": {}, "azure-gpt-4o": {"provider": "azure", "upstream": "gpt-4o"}}', "openai")
    runtime = Runtime(own, local_embedder, build_provider(own))
    runtime.route_to(table.providers())
    try:
        answerer = Answerer(runtime)
        here, there = (
            AskRequest("What is Redis?", model=route.upstream, provider=route.provider)
            for route in (table.routes["gpt-4o"], table.routes["azure-gpt-4o"])
        )
        assert answerer.model_for(here) == "gpt-4o"  # the configured provider's names are as before
        assert answerer.model_for(there) == "azure/gpt-4o"
        scopes = {request.checked(answerer.model_for(request), 1000).query.scope.id for request in (here, there)}  # type: ignore[union-attr]
        assert len(scopes) == 2
    finally:
        for provider in runtime.providers.values():
            await provider.aclose()


async def test_a_provider_entry_without_its_settings_stops_start_up(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    own = settings.model_copy(update={"gateway_models": '{"deployed": {"provider": "azure"}}', "llm": "simulated"})
    runtime = Runtime(own, local_embedder, SimulatedLLM.from_settings(own))
    app = create_app(own, runtime)
    with pytest.raises(ConfigError) as caught:
        async with app.router.lifespan_context(app):
            pass
    message = str(caught.value)
    assert "NEARHIT_MODELS: entry 'deployed' routes to the 'azure' provider" in message
    assert "AZURE_OPENAI_ENDPOINT" in message
    await runtime.close()


@pytest.mark.parametrize("scope_user", [True, False])
async def test_user_scopes_answers_only_when_the_setting_says_so(serve: ServeGateway, scope_user: bool) -> None:
    async with serve(gateway_scope_user=scope_user) as gateway:
        client = gateway.client()
        headers, _ = await create(client, ask("What is Redis used for?"), user="alice")
        assert headers["x-nearhit-cache"] == "miss"
        await gateway.wait_entries(1)
        headers, _ = await create(client, ask("What is Redis used for?"), user="bob")
        assert headers["x-nearhit-cache"] == ("miss" if scope_user else "hit-exact")
        headers, _ = await create(client, ask("What is Redis used for?"), user="alice")
        assert headers["x-nearhit-cache"] == "hit-exact"
