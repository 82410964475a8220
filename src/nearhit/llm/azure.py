"""Azure OpenAI: the same streaming client as OpenAI's, addressed by deployment and API version.

The deployment goes in each request's ``model`` rather than in the client's base URL, so the SDK builds
``/openai/deployments/<deployment>/chat/completions`` for chat while ``/openai/models`` (the reachability
check) stays at the resource level.
"""

from __future__ import annotations

import httpx2
import openai

from nearhit.config import Settings
from nearhit.errors import ConfigError
from nearhit.llm.openai_compatible import OpenAICompatibleLLM


def build_azure(settings: Settings, http_client: httpx2.AsyncClient | None = None) -> OpenAICompatibleLLM:
    """The chat deployment ``AZURE_OPENAI_GPT5_MODEL`` at ``AZURE_OPENAI_ENDPOINT`` (through ``http_client``: the
    SDK's own by default)."""
    endpoint = settings.azure_openai_endpoint
    api_key = settings.azure_openai_api_key
    deployment = settings.azure_openai_gpt5_model
    if not (endpoint and api_key and deployment):
        given = {
            "AZURE_OPENAI_ENDPOINT": endpoint,
            "AZURE_OPENAI_API_KEY": api_key,
            "AZURE_OPENAI_GPT5_MODEL": deployment,
        }
        missing = ", ".join(variable for variable, value in given.items() if not value)
        raise ConfigError(f"the Azure OpenAI LLM needs {missing}")
    client = openai.AsyncAzureOpenAI(
        azure_endpoint=endpoint,
        api_key=api_key,
        api_version=settings.azure_openai_api_version,
        timeout=settings.llm_timeout,
        max_retries=0,
        http_client=http_client,
    )
    # GPT-5 and o-series deployments reject max_tokens
    return OpenAICompatibleLLM.configured(
        client, settings, name="azure", model=deployment, max_tokens_param="max_completion_tokens"
    )
