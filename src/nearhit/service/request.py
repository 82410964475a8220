"""One question as the service receives it (:class:`AskRequest`), and the rule that keeps hot samples out of
the cache."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from nearhit import validate
from nearhit.cache import conversation as conversation_module
from nearhit.cache.keys import SCOPED_OPTIONS, Scope
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
    model: str | None = None
    """The model called upstream (the provider's own when None)."""
    provider: str | None = None
    """The provider that answers (the model table's route); None for the configured one."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Further request fields forwarded to the provider; those of ``scoped`` also scope the answer."""
    scoped: frozenset[str] = SCOPED_OPTIONS
    """Which of ``params`` scope the answer (``keys.scoped_options``)."""
    namespace: str | None = None
    """A namespace inside the tenant: entries of one namespace are not served to another."""
    max_age: float | None = None
    """Serve only an entry stored less than this many seconds ago (``Cache-Control: max-age``)."""
    priced_as: str | None = None
    """The model whose price and tokenizer count this request (default: the model called)."""
    prompt_role: Literal["user", "tool"] = "user"
    tool_call_id: str | None = None
    """For a prompt that is a tool result: the call it answers."""
    query: Lookup | None = None
    """The prompt already checked and normalised in this request's scope (:meth:`checked`), else None."""
    index_evidence: bool = False
    """Show the wrong-hit bound's evidence, every tenant's labels (``bound.served_from``, the counts in its reason):
    for an admin (or the open demo), never a caller bound to one tenant."""

    def messages(self) -> list[ChatMessage]:
        system = [ChatMessage("system", self.system_prompt)] if self.system_prompt else []
        return [*system, *self.history, ChatMessage(self.prompt_role, self.prompt, tool_call_id=self.tool_call_id)]

    def scope(self, model: str, *, alone: bool = False, conversations: bool = False) -> Scope:
        """The scope of this request's answer; ``alone``: the one its single questions are searched in;
        ``conversations``: the one its conversations matched by meaning are searched in."""
        if self._leading_system():
            return self._lifted().scope(model, alone=alone, conversations=conversations)
        conversation: list[tuple[str, ...]] = [("conversation", self.conversation_id)] if self.conversation_id else []
        # A tool result is looked up by its content, scoped by the call it answers.
        answers: list[tuple[str, ...]] = (
            [("tool_result", self.tool_call_id or "")] if self.prompt_role == "tool" else []
        )
        turns = [_turn(m) for m in self.history]
        # Earlier turns matched by meaning (or not needed: a standalone question) leave the semantic scope;
        # the exact key keeps them all, so an identical history is still one read.
        search: list[tuple[str, ...]] | None = None
        if alone:
            search = [*conversation, *answers]
        elif conversations or self.context() is not None:
            search = [*conversation, *answers, CONTEXT_MARKER]
        elif turns and self._plain_history() and conversation_module.needs_no_context(self.prompt, self._turns()):
            search = [*conversation, *answers]
        return Scope.build(
            model=model,
            tenant=self.tenant,
            system_prompt=self.system_prompt,
            history=conversation + turns + answers,
            options=self.params,
            namespace=self.namespace,
            scoped=self.scoped,
            search_history=search,
        )

    def context(self) -> conversation_module.Context | None:
        """The earlier turns the answer depends on, matched by meaning; None for a single question, a
        standalone one, a tool result or a history with tool calls (those keep the exact rule)."""
        if self.prompt_role != "user" or not self._plain_history():
            return None
        return conversation_module.context_of(self._turns(), self.prompt)

    def earlier(self) -> conversation_module.Context | None:
        """The earlier turns of a question that stands alone after them (plain user and assistant turns), kept
        with its entry so that the same story with a detail changed is another question; else None."""
        if self.prompt_role != "user" or not self.history or not self._plain_history():
            return None
        return conversation_module.Context(tuple(self._turns())) if self.context() is None else None

    def _turns(self) -> list[tuple[str, str]]:
        return [(m.role, m.content) for m in self.history]

    def _leading_system(self) -> int:
        """How many system messages open the history."""
        return next((i for i, m in enumerate(self.history) if m.role != "system"), len(self.history))

    def _lifted(self) -> AskRequest:
        """This request with the system messages that open its history read as its system prompt (after
        ``system_prompt``, joined as the gateway joins the leading system messages of a chat request): they
        instruct the model, they are no turn of the conversation. Left in the history, a conversation sent to
        ``/ask`` with its system message would be matched by its exact turns only (a system turn is not a plain
        turn), and a single question would sit in a scope of its own, apart from the same question sent with a
        ``system_prompt`` or through ``/v1/chat/completions``."""
        lead = self._leading_system()
        system = "\n\n".join(
            [*([self.system_prompt] if self.system_prompt else []), *(m.content for m in self.history[:lead])]
        )
        return replace(self, system_prompt=system or None, history=tuple(self.history[lead:]))

    def _plain_history(self) -> bool:
        return all(m.role in ("user", "assistant") and not m.tool_calls for m in self.history)

    def checked(self, model: str, max_prompt_chars: int, *, parsed: bool = False) -> AskRequest:
        """This request with its :class:`Lookup` made: the prompt checked (an ``InvalidInput`` at the edge,
        before any answer starts) and normalised, once for the lookup, the single-flight key and the store;
        the history's size too (a ``TooLarge``). ``parsed``: see :meth:`Lookup.of`."""
        if self.query is not None:
            return self
        validate.history_size([m.content for m in self.history])
        view = self._as_looked_up()
        context = view.context()
        alone = view.scope(model, alone=True) if context is not None else None
        earlier = view.earlier() if context is None else None
        # A question standing alone after turns that tell something also searches the conversations after them.
        told = earlier is not None and not conversation_module.says_nothing(earlier.turns)
        conversations = view.scope(model, conversations=True) if told else None
        query = Lookup.of(
            view.prompt,
            view.scope(model),
            max_prompt_chars,
            parsed=parsed,
            context=context,
            alone=alone,
            earlier=earlier,
            conversations=conversations,
        )
        return replace(self, query=query)

    def _as_looked_up(self) -> AskRequest:
        """This request as its lookup reads it (the LLM still gets the messages as sent): in a conversation, a
        last message that states facts before it asks ("On adobe.com, four months ago. How much will it cost
        me to cancel?") is two user turns, the facts, then the question (:func:`conversation.split_statements`),
        so the facts are matched with the earlier turns and the question with questions. Not when the question
        would then stand alone: the facts it came with must not be dropped."""
        if self._leading_system():
            return self._lifted()._as_looked_up()
        if self.prompt_role != "user" or not self.history or not self._plain_history():
            return self
        facts, question = conversation_module.split_statements(self.prompt, after=True)
        if not facts or conversation_module.standalone(question, self._turns()):
            return self
        return replace(self, history=(*self.history, ChatMessage("user", facts)), prompt=question)


CONTEXT_MARKER = ("context",)
"""Puts the conversations matched by meaning in a semantic scope of their own: their entries are only
compared with each other, never with single questions."""


def _turn(message: ChatMessage) -> tuple[str, ...]:
    """A turn as the scope hashes it; a plain turn as earlier versions did, so their entries still match."""
    if not message.tool_calls and message.tool_call_id is None:
        return (message.role, message.content)
    calls = json.dumps([[c.id, c.name, c.arguments] for c in message.tool_calls], separators=(",", ":"))
    return (message.role, message.content, calls, message.tool_call_id or "")


def temperature_bypass(temperature: float | None, limit: float) -> str | None:
    """Why an answer sampled at ``temperature`` must neither come from nor go into the cache, or None.

    Above the limit the caller asks for variety: serving it a stored answer, or storing its sample for
    callers at the default temperature, would give each the other's kind of answer.
    """
    if temperature is not None and temperature > limit:
        return f"temperature {temperature:g} is above the cache limit {limit:g}"
    return None
