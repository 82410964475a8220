"""LLM providers behind one async streaming interface: the simulated model, OpenAI(-compatible) and Azure.

provider = build_provider(settings)
async for event in provider.stream([ChatMessage("user", "What is Redis?")]):
    ...  # TextChunk(text) events, then exactly one StreamEnd(usage, finish_reason, model)
"""

from __future__ import annotations

import httpx2

from nearhit.config import Settings
from nearhit.llm import bounded_events
from nearhit.llm.azure import build_azure
from nearhit.llm.base import (
    CallOptions,
    ChatMessage,
    Completion,
    LLMEvent,
    LLMProvider,
    ProviderName,
    Role,
    StreamEnd,
    TextChunk,
    ToolCall,
    ToolCallDelta,
    Usage,
    assemble_tool_calls,
    complete,
)
from nearhit.llm.errors import LLMError, LLMTimeout
from nearhit.llm.openai_compatible import OpenAICompatibleLLM, build_openai
from nearhit.llm.simulated import SimulatedLLM
from nearhit.llm.tokens import count_message_tokens, count_tokens

__all__ = [
    "CallOptions",
    "ChatMessage",
    "Completion",
    "LLMError",
    "LLMEvent",
    "LLMProvider",
    "LLMTimeout",
    "OpenAICompatibleLLM",
    "ProviderName",
    "Role",
    "SimulatedLLM",
    "StreamEnd",
    "TextChunk",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "assemble_tool_calls",
    "build_provider",
    "complete",
    "count_message_tokens",
    "count_tokens",
    "served_model",
]


def build_provider(
    settings: Settings, name: ProviderName | None = None, *, http_client: httpx2.AsyncClient | None = None
) -> LLMProvider:
    """The provider ``name`` (default: the one ``settings.resolved_llm`` names), an OpenAI or Azure one through
    ``http_client`` if given (else one bounding each event of a reply: ``bounded_events.CHAT_MAX_EVENT_BYTES``); a
    missing credential is a ConfigError at start-up."""
    match name or settings.resolved_llm:
        case "azure":
            return build_azure(settings, http_client or bounded_events.client(bounded_events.CHAT_MAX_EVENT_BYTES))
        case "openai":
            return build_openai(settings, http_client or bounded_events.client(bounded_events.CHAT_MAX_EVENT_BYTES))
        case "simulated":
            return SimulatedLLM.from_settings(settings)


def served_model(settings: Settings) -> str:
    """The model name the server scopes its answers under (``build_provider(settings).model``), without
    building a client: what the CLI and the library store under by default, so the UI and gateway serve it."""
    match settings.resolved_llm:
        case "azure":
            return settings.azure_openai_gpt5_model or settings.chat_model
        case "openai":
            return settings.chat_model
        case "simulated":
            return SimulatedLLM.model_for(settings.chat_model)
