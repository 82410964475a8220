"""Which provider the settings choose, and the clear error when a chosen one lacks its credentials."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nearhit.config import Settings
from nearhit.errors import ConfigError
from nearhit.llm import OpenAICompatibleLLM, SimulatedLLM, build_provider


def test_simulated_without_credentials(make_settings: Callable[..., Settings]) -> None:
    assert isinstance(build_provider(make_settings()), SimulatedLLM)


def test_simulated_when_asked_even_with_a_key(make_settings: Callable[..., Settings]) -> None:
    assert isinstance(build_provider(make_settings(llm="simulated", openai_api_key="sk-x")), SimulatedLLM)


def test_openai_with_a_key(make_settings: Callable[..., Settings]) -> None:
    llm = build_provider(make_settings(openai_api_key="sk-x", chat_model="gpt-4o-mini"))
    assert isinstance(llm, OpenAICompatibleLLM)
    assert (llm.name, llm.model, llm.imitates) == ("openai", "gpt-4o-mini", None)


def test_azure_wins_when_its_chat_deployment_is_set(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(
        openai_api_key="sk-x",
        azure_openai_endpoint="https://example.openai.azure.com",
        azure_openai_api_key="az",
        azure_openai_gpt5_model="gpt-5",
    )
    assert build_provider(settings).name == "azure"


def test_openai_asked_for_without_credentials(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        build_provider(make_settings(llm="openai"))
