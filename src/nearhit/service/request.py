"""One question as the service receives it (:class:`AskRequest`), and the rule that keeps hot samples out of
the cache."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from nearhit.cache.keys import Scope
from nearhit.cache.lookup import Lookup
from nearhit.llm import ChatMessage
from nearhit.service.telemetry import Source


@dataclass(frozen=True)
class AskRequest:
    """One question, with everything that scopes its answer."""

    prompt: str
    tenant: str = "default"
    system_prompt: str | None = None
    history: Sequence[ChatMessage] = ()
    conversation_id: str | None = None
    threshold: float | None = None
    ttl: int | None = None
    lookup: bool = True
    store: bool = True
    temperature: float | None = None
    max_tokens: int | None = None
    source: Source = "ask"
    share: bool = True
    """Join identical concurrent misses (single-flight); off for calls that must sample on their own."""
    query: Lookup | None = None
    """The prompt already checked and normalised in this request's scope (:meth:`checked`), else None."""

    def messages(self) -> list[ChatMessage]:
        system = [ChatMessage("system", self.system_prompt)] if self.system_prompt else []
        return [*system, *self.history, ChatMessage("user", self.prompt)]

    def scope(self, model: str) -> Scope:
        conversation = [("conversation", self.conversation_id)] if self.conversation_id else []
        return Scope.build(
            model=model,
            tenant=self.tenant,
            system_prompt=self.system_prompt,
            history=conversation + [(m.role, m.content) for m in self.history],
        )

    def checked(self, model: str, max_prompt_chars: int, *, parsed: bool = False) -> AskRequest:
        """This request with its :class:`Lookup` made: the prompt checked (an ``InvalidInput`` at the edge,
        before any answer starts) and normalised, once for the lookup, the single-flight key and the store.
        ``parsed``: see :meth:`Lookup.of`."""
        if self.query is not None:
            return self
        return replace(self, query=Lookup.of(self.prompt, self.scope(model), max_prompt_chars, parsed=parsed))


def temperature_bypass(temperature: float | None, limit: float) -> str | None:
    """Why an answer sampled at ``temperature`` must neither come from nor go into the cache, or None.

    Above the limit the caller asks for variety: serving it a stored answer, or storing its sample for
    callers at the default temperature, would give each the other's kind of answer.
    """
    if temperature is not None and temperature > limit:
        return f"temperature {temperature:g} is above the cache limit {limit:g}"
    return None
