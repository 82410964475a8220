"""An optional rewriter (``NEARHIT_REWRITE_MODEL``): a model asked to tell a conversation's last question as
one question that stands alone ("How do I cancel it?" after a talk about a gym plan: "How do I cancel my gym
membership?"), so a conversation may be served by a single question the cache holds.

It goes through the same providers as the chat model, never the simulated one (which cannot rewrite), with
no retries and its own timeout: it runs on a lookup's path, where a late rewrite is worth less than none
(:mod:`nearhit.llm.lookup_model`, shared with the check of a conversation's hit). Each call is measured (time,
tokens, price from the project's price table) for the lookup to show.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from nearhit.config import Settings
from nearhit.llm.base import ChatMessage
from nearhit.llm.lookup_model import LookupModel, Unusable, provider_for

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "You rewrite the last question of a conversation as one standalone question that a reader who never saw "
    "the conversation would understand and answer the same way. Keep every fact, number, name, condition and "
    "constraint from the earlier turns that the answer depends on; drop greetings and small talk. Reply with the "
    "rewritten question only."
)
MAX_TOKENS = 200
"""A standalone question is a sentence or two: a longer reply is cut, not waited for. A reasoning model spends
its thinking from the same budget: prefer a small model that answers directly (gpt-4o-mini, gpt-4.1-nano)."""


@dataclass(frozen=True)
class Rewritten:
    """One rewrite as the model gave it, and what it cost."""

    question: str
    model: str
    ms: float
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


class Rewriter(LookupModel):
    """Asks its model for a standalone question; any failure or a reply later than ``timeout`` is an
    :class:`LLMError` for the caller to fall back on."""

    what = "the rewrite"
    timeout_setting = "NEARHIT_REWRITE_TIMEOUT"

    async def rewrite(self, turns: Sequence[tuple[str, str]], question: str) -> Rewritten:
        """The standalone form of ``question`` after ``turns`` ((role, content), user and assistant)."""
        told = "\n".join(f"{role.capitalize()}: {content}" for role, content in turns)
        messages = [
            ChatMessage("system", INSTRUCTIONS),
            ChatMessage("user", f"Conversation:\n{told}\n\nLast question: {question}\n\nStandalone question:"),
        ]
        # No temperature: reasoning models (gpt-5, o-series) refuse any but their own.
        call = await self.ask(messages, max_tokens=MAX_TOKENS)
        text = call.text.strip().strip('"').strip()
        if not text:
            raise Unusable(f"{self.model} sent an empty rewrite")
        return Rewritten(text, call.model, call.ms, call.prompt_tokens, call.completion_tokens, call.cost_usd)


def build_rewriter(settings: Settings) -> Rewriter | None:
    """The rewriter NEARHIT_REWRITE_MODEL names, on the configured provider; None when unset or when the LLM
    is the simulated model (logged: the setting is ignored, the offline path serves)."""
    if settings.rewrite_model is None:
        return None
    if settings.resolved_llm == "simulated":
        log.warning("NEARHIT_REWRITE_MODEL is ignored: the LLM is the simulated model, which cannot rewrite")
        return None
    return Rewriter(
        provider_for(settings, settings.rewrite_model, settings.rewrite_timeout),
        settings.rewrite_timeout,
        settings.rewrite_ttl,
    )
