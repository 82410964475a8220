"""Azure OpenAI: deployment in the path, api-version in the query, api-key header, max_completion_tokens."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nearhit.config import Settings
from nearhit.errors import ConfigError
from nearhit.llm import ChatMessage, build_provider, complete
from nearhit.llm.azure import build_azure
from tests.support.fake_upstream import FakeUpstream


async def test_calls_the_deployment_with_the_api_version(
    make_settings: Callable[..., Settings], upstream: FakeUpstream
) -> None:
    settings = make_settings(
        azure_openai_endpoint=upstream.root,
        azure_openai_api_key="az-key",
        azure_openai_gpt5_model="my-gpt5",
        azure_openai_api_version="2025-04-01-preview",
    )
    llm = build_provider(settings)
    assert (llm.name, llm.model, llm.simulated) == ("azure", "my-gpt5", False)

    completion = await complete(llm, [ChatMessage("user", "Say hello.")], max_tokens=50)
    await llm.check()
    await llm.aclose()

    assert completion.text == "Hello world"
    chat, models = upstream.requests
    assert chat.path == "/openai/deployments/my-gpt5/chat/completions"
    assert chat.query["api-version"] == ["2025-04-01-preview"]
    assert chat.headers["api-key"] == "az-key"
    assert chat.body is not None
    assert chat.body["max_completion_tokens"] == 50  # GPT-5 deployments reject max_tokens
    assert "max_tokens" not in chat.body
    assert models.path == "/openai/models"
    assert models.query["api-version"] == ["2025-04-01-preview"]


def test_missing_settings_are_named(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ConfigError, match="AZURE_OPENAI_API_KEY, AZURE_OPENAI_GPT5_MODEL"):
        build_azure(make_settings(llm="azure", azure_openai_endpoint="https://example.openai.azure.com"))


async def test_a_per_call_model_is_the_deployment_called(
    make_settings: Callable[..., Settings], upstream: FakeUpstream
) -> None:
    """A model table's alias (gpt-4o -> a deployment) reaches Azure as the deployment in the path."""
    settings = make_settings(
        azure_openai_endpoint=upstream.root, azure_openai_api_key="az-key", azure_openai_gpt5_model="my-gpt5"
    )
    llm = build_provider(settings)
    messages = [ChatMessage("user", "Say hello.")]
    await complete(llm, messages, model="prod-gpt4o", params={"seed": 3, "stop": ["\n"]})
    await llm.aclose()
    [chat] = upstream.chat_requests
    assert chat.path == "/openai/deployments/prod-gpt4o/chat/completions"
    assert chat.body is not None and (chat.body["seed"], chat.body["stop"]) == (3, ["\n"])
