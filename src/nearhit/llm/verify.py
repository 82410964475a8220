"""An optional check (``NEARHIT_VERIFY_MODEL``): a model asked whether the answer stored for one conversation is a
correct, complete answer for another, before a conversation's semantic hit is served.

Whether a condition one side adds ("I'm pregnant", "I need the money in two weeks", "the school is nut free")
changes the answer is world knowledge no rule of the cache weighs; a model does. One short call (yes or no,
temperature 0, a few tokens out) on a lookup's path, as the rewrite's (:mod:`nearhit.llm.lookup_model`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from nearhit.config import Settings
from nearhit.llm.base import ChatMessage
from nearhit.llm.lookup_model import Call, LookupModel, Unusable, provider_for

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "You decide whether an answer written for one conversation may be given, word for word, in another. Answer "
    "yes only if the stored answer is a correct and complete answer to the new conversation's last question, given "
    "everything its user said (their situation, conditions, constraints, numbers, names, what exactly is asked); "
    "answer no if anything the new conversation says would change or add to that answer. Reply with one word: yes "
    "or no."
)
MAX_TOKENS = 5
"""One word is asked for ("Yes.", "no"): a longer reply is cut, not waited for. A reasoning model spends its thinking
from the same budget and refuses a temperature: prefer a small model that answers directly (gpt-4o-mini)."""
_WORD = re.compile(r"[^a-z]*([a-z]+)")


@dataclass(frozen=True)
class Verdict:
    """The model's verdict (``serves``: it said yes) and the call's reply and cost."""

    serves: bool
    call: Call


def told(turns: Sequence[tuple[str, str]], question: str) -> str:
    """A conversation as the model reads it: its turns, then its user's last question."""
    return "\n".join(f"{role.capitalize()}: {content}" for role, content in [*turns, ("user", question)])


class Verifier(LookupModel):
    """Asks its model whether a stored answer serves a conversation; any failure, a reply later than ``timeout`` or
    one neither yes nor no is an :class:`LLMError` for the caller to refuse the hit on."""

    what = "the check"
    timeout_setting = "NEARHIT_VERIFY_TIMEOUT"

    async def verify(self, stored: str, answer: str, asked: str) -> Verdict:
        """Whether ``answer``, stored for the conversation ``stored`` (:func:`told`), serves ``asked`` (told too)."""
        content = (
            f"Stored conversation:\n{stored}\n\nStored answer:\n{answer}\n\nNew conversation:\n{asked}\n\n"
            "Is the stored answer a correct, complete answer to the new conversation's last question? yes or no:"
        )
        messages = [ChatMessage("system", INSTRUCTIONS), ChatMessage("user", content)]
        call = await self.ask(messages, max_tokens=MAX_TOKENS, temperature=0.0)
        word = _WORD.match(call.text.lower())
        if word is None or word[1] not in ("yes", "no"):
            raise Unusable(f"{self.model} replied {call.text.strip()[:40]!r}, not yes or no")
        return Verdict(word[1] == "yes", call)


def build_verifier(settings: Settings) -> Verifier | None:
    """The check NEARHIT_VERIFY_MODEL names, on the configured provider; None when unset, when the LLM is the
    simulated model or under NEARHIT_MAX_WRONG_RATE (logged: the setting is ignored, hits are served as without it)."""
    if settings.verify_model is None:
        return None
    if settings.resolved_llm == "simulated":
        log.warning("NEARHIT_VERIFY_MODEL is ignored: the LLM is the simulated model, which cannot judge an answer")
        return None
    if settings.max_wrong_rate is not None:
        # The bound learns from the hits it serves and the labels of those it withholds: a check that refuses some
        # of its hits unlabelled would leave its evidence a filtered sample.
        log.warning("NEARHIT_VERIFY_MODEL is ignored under NEARHIT_MAX_WRONG_RATE, whose bound judges its own hits")
        return None
    provider = provider_for(settings, settings.verify_model, settings.verify_timeout)
    return Verifier(provider, settings.verify_timeout, settings.verify_ttl)
