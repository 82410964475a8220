"""An optional judge (``NEARHIT_JUDGE_MODEL``): a model asked whether a cached answer serves a new question.

It labels what the error-bounded cache learns from, in place of the offline comparison of two answers'
embeddings. It goes through the same providers as the chat model, never the simulated one (whose "yes"
would be noise). While it cannot be reached the cache keeps serving under the static decision.
"""

from __future__ import annotations

import logging

from nearhit.config import Settings
from nearhit.llm.base import ChatMessage, LLMProvider, complete
from nearhit.llm.errors import LLMError

log = logging.getLogger(__name__)

_INSTRUCTIONS = (
    "You check a cache of answers. Given a new question, a cached question and the cached answer, and a fresh "
    "answer to the new question, reply with one word: yes if the cached answer is a right answer to the new "
    "question, no otherwise."
)


class Judge:
    """Asks its model for a yes/no; remembers whether it was reachable last time."""

    def __init__(self, provider: LLMProvider) -> None:
        self.provider = provider
        self.error: str | None = "not checked yet"

    @property
    def model(self) -> str:
        return self.provider.model

    async def check(self) -> bool:
        try:
            await self.provider.check()
        except LLMError as exc:
            self._failed(exc)
            return False
        self.error = None
        return True

    async def agrees(
        self, new_question: str, cached_question: str, cached_answer: str, fresh_answer: str
    ) -> bool | None:
        """True/False from the judge; None when it could not be asked (then nothing is learned)."""
        prompt = (
            f"New question: {new_question}\nCached question: {cached_question}\nCached answer: {cached_answer}\n"
            f"Fresh answer: {fresh_answer}\nIs the cached answer right for the new question (yes/no)?"
        )
        messages = [ChatMessage("system", _INSTRUCTIONS), ChatMessage("user", prompt)]
        try:
            reply = await complete(self.provider, messages, temperature=0, max_tokens=3)
        except LLMError as exc:
            self._failed(exc)
            return None
        self.error = None
        word = reply.text.strip().lower()
        return True if word.startswith("yes") else False if word.startswith("no") else None

    def _failed(self, exc: LLMError) -> None:
        if self.error is None or self.error == "not checked yet":
            log.warning("judge %s unreachable, serving under the static decision: %s", self.provider.model, exc)
        self.error = str(exc)


def build_judge(settings: Settings) -> Judge | None:
    """The judge NEARHIT_JUDGE_MODEL names, on the configured provider; None when unset or simulated."""
    if settings.judge_model is None:
        return None
    if settings.resolved_llm == "simulated":
        log.warning("NEARHIT_JUDGE_MODEL is ignored: the LLM is the simulated model, which cannot judge")
        return None
    from nearhit.llm import build_provider

    return Judge(build_provider(settings.model_copy(update={"chat_model": settings.judge_model})))
