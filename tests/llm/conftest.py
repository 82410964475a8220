"""Fixtures for the LLM tests: the fake OpenAI server and settings isolated from the environment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nearhit.config import Settings
from tests.support.fake_upstream import FakeUpstream


@pytest.fixture
def upstream(upstream_server: FakeUpstream) -> FakeUpstream:
    """The fake OpenAI server, with no recorded requests; set its replies with ``upstream.reset(...)``."""
    upstream_server.reset(upstream_server.answer("Hello", " world", usage=(9, 2)))
    return upstream_server


_UNSET_BY_DEFAULT = (
    "llm",
    "openai_api_key",
    "openai_base_url",
    "azure_openai_endpoint",
    "azure_openai_api_key",
    "azure_openai_gpt5_model",
)


@pytest.fixture
def make_settings() -> Callable[..., Settings]:
    """Settings from the given values only: the developer's environment and .env cannot pick the provider."""

    def make(**values: Any) -> Settings:
        isolated: dict[str, Any] = dict.fromkeys(_UNSET_BY_DEFAULT) | {"llm": "auto"}
        return Settings(_env_file=None, **(isolated | values))

    return make
