"""nearhit as LangChain's LLM cache: ``set_llm_cache(NearhitCache())`` (extra ``nearhit[langchain]``).

LangChain hands a cache the prompt and an ``llm_string`` (the model's class and invocation parameters). The
``llm_string`` becomes the scope's model as a SHA-256 digest (never stored raw, whatever its size), so two
configurations never share answers; a chat prompt (LangChain's JSON of the messages) is read back into
nearhit's own scope rules: the last message is the prompt, system messages the system prompt, earlier turns
the history. So a paraphrase of the last question is a semantic hit, behind the same guards as the server.

Cached generations are stored as plain JSON (message dicts), not LangChain's ``loads`` manifests: reading a
hit back instantiates messages only. Redis trouble never fails the model call: a lookup is then a miss and an
update is skipped (logged).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from langchain_core.caches import RETURN_VAL_TYPE, BaseCache
from langchain_core.messages import message_to_dict, messages_from_dict
from langchain_core.outputs import ChatGeneration, Generation

from nearhit import validate
from nearhit.errors import InvalidInput, RedisUnavailable
from nearhit.library import Cache

log = logging.getLogger(__name__)

MODEL_PREFIX = "langchain:"
_FORMAT = "nearhit.langchain/1"


class NearhitCache(BaseCache):
    """A LangChain ``BaseCache`` on a nearhit :class:`~nearhit.Cache` (exact, then semantic, scoped lookups).

    Pass an open ``cache``, or let it open one with ``url`` and setting overrides (as ``Cache.open``). Entries go
    to ``tenant`` (default ``"langchain"``), which is also what :meth:`clear` deletes.
    """

    def __init__(
        self,
        cache: Cache | None = None,
        *,
        url: str | None = None,
        tenant: str = "langchain",
        threshold: float | None = None,
        ttl: int | None = None,
        **overrides: Any,
    ) -> None:
        # Checked here, not on each call: there a bad one would only be a warning, every call a miss.
        self.tenant = validate.label(tenant, "tenant")
        self.threshold = None if threshold is None else validate.threshold(threshold)
        self.ttl = validate.ttl(ttl)
        self._owned = cache is None
        self.cache = cache if cache is not None else Cache.open(url, **overrides)

    # --- LangChain's interface ------------------------------------------------------------------------

    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        return _generations(self._wait(self._lookup(prompt, llm_string)))

    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        self._wait(self._update(prompt, llm_string, return_val))

    def clear(self, **kwargs: Any) -> None:
        """Delete every entry of this cache's tenant."""
        self._wait(self.cache.inner.clear(tenant=self.tenant))

    async def alookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        return _generations(await asyncio.wrap_future(self.cache.submit(self._lookup(prompt, llm_string))))

    async def aupdate(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        await asyncio.wrap_future(self.cache.submit(self._update(prompt, llm_string, return_val)))

    async def aclear(self, **kwargs: Any) -> None:
        await asyncio.wrap_future(self.cache.submit(self.cache.inner.clear(tenant=self.tenant)))

    def close(self) -> None:
        """Close the nearhit cache if this adapter opened it."""
        if self._owned:
            self.cache.close()

    # --- on the cache's loop --------------------------------------------------------------------------

    def _wait(self, coroutine: Any) -> Any:
        # LangChain calls the sync methods from sync code, which may run inside a loop (a Jupyter cell): the
        # work runs on the cache's own loop, so waiting here blocks this thread but can never deadlock.
        return self.cache.submit(coroutine).result()

    async def _lookup(self, prompt: str, llm_string: str) -> str | None:
        text, scope = self._scope_of(prompt, llm_string)
        try:
            result = await self.cache.inner.lookup(text, threshold=self.threshold, **scope)
        except (InvalidInput, RedisUnavailable) as exc:
            log.warning("nearhit lookup skipped (a miss): %s", exc)
            return None
        return result.answer.response if result.answer is not None else None

    async def _update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        if not return_val:  # nothing to serve: stored, a hit of no generation would be LangChain's answer
            return
        if (reason := _cut_off(return_val)) is not None:  # a half answer, replayed, would pass for a whole one
            log.info("nearhit did not store this answer: it is cut or filtered (%s)", reason)
            return
        text, scope = self._scope_of(prompt, llm_string)
        try:
            await self.cache.inner.store(text, _serialise(return_val), ttl=self.ttl, **scope)
        except (InvalidInput, RedisUnavailable) as exc:
            log.warning("nearhit did not store this answer: %s", exc)

    def _scope_of(self, prompt: str, llm_string: str) -> tuple[str, dict[str, Any]]:
        """The text to match and the scope fields: model from the hashed ``llm_string``, turns from the prompt."""
        messages = _chat_messages(prompt)
        scope: dict[str, Any] = {"model": MODEL_PREFIX + _digest(llm_string), "tenant": self.tenant}
        if messages is None or not messages:
            return prompt, scope
        *earlier, (last_role, text, last_name) = messages
        system = [content for role, content, _ in earlier if role == "system"]
        history = [_turn(role, content, name) for role, content, name in earlier if role != "system"]
        if last_role != "human" or last_name is not None:
            # A tool's result (or the model's own words) asked about is no user's question; a participant's name
            # is who asks ("What is my name?"): either is a configuration of its own.
            scope["model"] = MODEL_PREFIX + _digest(f"{llm_string}\x00last message: {last_role} {last_name}")
        scope["system_prompt"] = "\n\n".join(system) or None
        scope["history"] = history
        return text, scope


def _turn(kind: str, text: str, name: str | None = None) -> tuple[str, str]:
    """A LangChain turn as the library's (role, content): ``human`` a user's, ``ai`` the assistant's; any other
    kind (a tool's result, a ``chat`` message's role) a user turn labelled with it, so it is never read as
    the user's own words. A participant's ``name`` is kept with the words."""
    if name is not None:
        text = f"[{name}] {text}"
    if kind == "human":
        return "user", text
    if kind == "ai":
        return "assistant", text
    return "user", f"[{kind}] {text}"


# What providers report for an answer the model did not finish: cut at its token limit (OpenAI, Anthropic,
# Gemini) or stopped by a content filter / safety check. Compared lower-cased.
_CUT_OFF = frozenset(
    {"length", "max_tokens", "content_filter", "safety", "recitation", "blocklist", "prohibited_content"}
)


def _cut_off(generations: Sequence[Generation]) -> str | None:
    """The finish reason of a generation that was cut off or filtered (``generation_info`` or, for a chat
    model, the message's ``response_metadata``), or None: such an answer is returned, never stored, as the
    gateway stores only a ``stop`` or ``tool_calls`` finish."""
    for generation in generations:
        sources = [generation.generation_info or {}]
        if isinstance(generation, ChatGeneration):
            sources.append(generation.message.response_metadata or {})
        for source in sources:
            for key in ("finish_reason", "stop_reason"):
                reason = source.get(key)
                if isinstance(reason, str) and reason.lower() in _CUT_OFF:
                    return f"{key} {reason}"
    return None


def _digest(llm_string: str) -> str:
    """SHA-256 of the UTF-8 text; a lone surrogate (not Unicode, but a ``str`` a caller may hand in) is kept
    as its code point's bytes, so it names a configuration of its own instead of raising."""
    return hashlib.sha256(llm_string.encode("utf-8", "surrogatepass")).hexdigest()


def _chat_messages(prompt: str) -> list[tuple[str, str, str | None]] | None:
    """(role, text, name) of each message when ``prompt`` is LangChain's JSON of chat messages; None for a plain prompt.

    Read as plain JSON (``kwargs.type`` and ``kwargs.content``): no class is loaded from it.
    """
    if not prompt.startswith("[{"):
        return None
    try:
        items = json.loads(prompt)
    except (ValueError, RecursionError):  # a plain prompt that only looks like JSON (nested past the limit too)
        return None
    messages = []
    for item in items:
        fields = item.get("kwargs") if isinstance(item, dict) else None
        if not isinstance(fields, dict) or not isinstance(fields.get("type"), str):
            return None
        content = fields.get("content", "")
        text = content if isinstance(content, str) else json.dumps(content, sort_keys=True, ensure_ascii=False)
        calls = fields.get("tool_calls")
        if isinstance(calls, list) and calls:  # what the model asked the tool: its name and arguments (not the id)
            asked = [{"name": c.get("name"), "args": c.get("args")} if isinstance(c, dict) else c for c in calls]
            text += "\n[tool calls] " + json.dumps(asked, sort_keys=True, ensure_ascii=False, default=str)
        name = fields.get("name")
        messages.append((fields["type"], text, name if isinstance(name, str) and name else None))
    return messages


def _serialise(generations: Sequence[Generation]) -> str:
    """The generations as JSON; :class:`InvalidInput` when their metadata is not JSON (a provider's datetime):
    the answer is then not stored, rather than its model call failed after the model answered."""
    items: list[dict[str, Any]] = []
    for generation in generations:
        item: dict[str, Any] = {"text": generation.text, "info": generation.generation_info}
        if isinstance(generation, ChatGeneration):
            item["message"] = message_to_dict(generation.message)
        items.append(item)
    try:
        return json.dumps({"format": _FORMAT, "generations": items}, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"the generations are not JSON: {exc}") from None


def _generations(stored: str | None) -> list[Generation] | None:
    """The generations of a stored answer; None (a miss) for anything this adapter did not write."""
    if stored is None:
        return None
    try:
        data = json.loads(stored)
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return None
        generations: list[Generation] = []
        for item in data["generations"]:
            if "message" in item:
                message = messages_from_dict([item["message"]])[0]
                generations.append(ChatGeneration(message=message, generation_info=item.get("info")))
            else:
                generations.append(Generation(text=item["text"], generation_info=item.get("info")))
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        log.warning("ignoring a cached entry LangChain cannot read: %s", exc)
        return None
    return generations
