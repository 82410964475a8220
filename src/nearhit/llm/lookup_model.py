"""A model called on a lookup's path, beside the chat model: the standalone rewrite (``NEARHIT_REWRITE_MODEL``,
:mod:`nearhit.llm.rewrite`) and the check of a conversation's hit (``NEARHIT_VERIFY_MODEL``, :mod:`nearhit.llm.verify`).

Each goes through the same providers as the chat model, never the simulated one (which can neither rewrite nor
judge), with no retries and its own timeout: on a lookup's path a late reply is worth less than none. Each call is
measured (time, tokens, price from the project's price table) for the lookup to show; what the cache keeps of it,
counts and logs is :mod:`nearhit.cache.model_calls`'s.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nearhit.config import Settings
from nearhit.economics.prices import request_cost
from nearhit.llm.base import ChatMessage, LLMProvider, complete
from nearhit.llm.errors import LLMError


@dataclass(frozen=True)
class Call:
    """One call's reply as the model gave it, and what it cost."""

    text: str
    model: str
    ms: float
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


class LookupModel:
    """A model asked one question on a lookup's path; any failure or a reply later than ``timeout`` is an
    :class:`LLMError` for the caller to fall back on."""

    what = "the call"
    """How a failure names the call ("the rewrite")."""
    timeout_setting = ""
    """The setting that sets ``timeout``, named when it runs out."""

    def __init__(self, provider: LLMProvider, timeout: float, ttl: int) -> None:
        self.provider = provider
        self.timeout = timeout
        self.ttl = ttl
        """How long a reply is kept (seconds): the caller caches it."""
        self.error: str | None = None
        """The last failure while the model keeps failing (None: it answers), so a caller logs once."""
        self.asking: dict[str, asyncio.Future[dict[str, Any]]] = {}
        """The calls running, by the key their reply is kept at: the same request meanwhile waits for its call
        (:func:`nearhit.cache.model_calls.kept_or_asked`)."""

    @property
    def model(self) -> str:
        return self.provider.model

    async def ask(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float | None = None) -> Call:
        """The model's reply to ``messages``, timed and priced."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                reply = await complete(self.provider, messages, max_tokens=max_tokens, temperature=temperature)
        except TimeoutError:
            raise LLMError(f"{self.what} took longer than {self.timeout:g} s ({self.timeout_setting})") from None
        ms = round((time.perf_counter() - started) * 1000, 3)
        usage = reply.end.usage
        cost = request_cost(reply.end.model, usage.prompt_tokens, usage.completion_tokens)
        return Call(reply.text, reply.end.model, ms, usage.prompt_tokens, usage.completion_tokens, cost.usd)

    async def aclose(self) -> None:
        await self.provider.aclose()


def provider_for(settings: Settings, model: str, timeout: float) -> LLMProvider:
    """The configured provider (not the simulated one: the caller checks) calling ``model``, with no retries and
    ``timeout``."""
    from nearhit.llm import build_provider

    own: dict[str, object] = {"chat_model": model, "llm_timeout": timeout, "llm_max_retries": 0}
    if settings.resolved_llm == "azure":  # on Azure the model called is a deployment
        own["azure_openai_gpt5_model"] = model
    return build_provider(settings.model_copy(update=own))
