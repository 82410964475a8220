"""The lookup the service makes for a prompt after earlier turns, for tests that drive the engine directly."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.cache.lookup import Lookup
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest

Turns = list[tuple[str, str]]


def ask(cache: SemanticCache, history: Turns, prompt: str, tenant: str = "t") -> Lookup:
    """The lookup the service makes for ``prompt`` after ``history`` (role, content pairs)."""
    messages = tuple(ChatMessage(role, content) for role, content in history)  # type: ignore[arg-type]
    query = AskRequest(prompt, tenant=tenant, history=messages).checked("default", cache.max_prompt_chars).query
    assert query is not None
    return query
