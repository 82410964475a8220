"""A model called on a lookup's path, beside the chat model: the standalone rewrite (``NEARHIT_REWRITE_MODEL``,
:mod:`nearhit.llm.rewrite`) and the check of a conversation's hit (``NEARHIT_VERIFY_MODEL``, :mod:`nearhit.llm.verify`).

Each goes through the same providers as the chat model, never the simulated one (which can neither rewrite nor
judge), with no retries and its own timeout: on a lookup's path a late reply is worth less than none. Each call is
measured (time, tokens, price from the project's price table) for the lookup to show; what the cache keeps of it,
counts and logs is :mod:`nearhit.cache.model_calls`'s. A model whose calls keep failing is not called for a while
(:class:`Breaker`): a provider that is down does not add its timeout to every lookup.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nearhit.config import Settings
from nearhit.economics.prices import request_cost
from nearhit.llm.base import ChatMessage, LLMProvider, StreamEnd, TextChunk, Usage
from nearhit.llm.errors import LLMError
from nearhit.llm.tokens import count_message_tokens, count_tokens


@dataclass(frozen=True)
class Call:
    """One call's reply as the model gave it, and what it cost."""

    text: str
    model: str
    ms: float
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


class Unusable(LLMError):
    """The model answered, but not as asked (a check neither yes nor no, an empty rewrite): the call failed, not the
    provider, which :class:`Breaker` counts as answering."""


BREAK_AFTER = 3
"""Failures in a row (errors, timeouts; not :class:`Unusable` replies) after which a model is not called for a while."""
FIRST_COOL_DOWN = 5.0
"""Seconds the first pause lasts; each probe that fails doubles it, up to :data:`LONGEST_COOL_DOWN`."""
LONGEST_COOL_DOWN = 300.0
CHARS_PER_TOKEN = 16
"""How far a reply is read, in characters per token of the ``max_tokens`` asked: a provider that ignores the limit
(a 2 MB "Yes...") is cut as it should have cut it, the rest of its stream left unread (:meth:`LookupModel.ask`). A
token is 4 characters on average; 16 leaves room for long ones."""


class Breaker:
    """Whether a lookup model is called (per process): after ``after`` failures in a row it is not, for a cool-down
    (``first`` seconds, doubled by each failed probe up to ``longest``); then one call goes through to probe, the
    others still skipped while it runs; any call that answers closes it (the cool-down back to ``first``).

    A timeout or an error (the provider down, a 4xx, a refused option) is a failure; a reply the caller cannot use
    (:class:`Unusable`) is not: the provider answered at its own pace, so skipping it saves no wait, and a model that
    answers garbage is a configuration to fix, seen in the failures counted and logged."""

    def __init__(
        self,
        after: int = BREAK_AFTER,
        first: float = FIRST_COOL_DOWN,
        longest: float = LONGEST_COOL_DOWN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.after = after
        self.first = first
        self.longest = longest
        self.clock = clock
        self.in_a_row = 0
        """Failures since the last call that answered."""
        self.cool_down = 0.0
        """The pause in force, seconds; 0 while it is closed (the model called)."""
        self.until = 0.0
        """When (``clock``) the next probe may go."""
        self.probing = False
        """A probe call is running."""

    @property
    def open(self) -> bool:
        return self.cool_down > 0

    def skip(self) -> str | None:
        """Why the next call is not made (open), or None: made (closed, or the probe let through, see
        :meth:`probe`)."""
        if not self.open:
            return None
        now = self.clock()
        if self.probing:
            return f"{self.in_a_row} failures in a row, a probe call running"
        if now < self.until:
            return f"{self.in_a_row} failures in a row, next try in {self.until - now:.1f} s"
        self.probing = True
        return None

    def answered(self) -> bool:
        """A call answered, the probe or any other (one started before it opened): True when that closes it."""
        self.probing = False  # a probe running meanwhile need not answer too: the provider is up
        self.in_a_row = 0
        closing = self.open
        self.cool_down = 0.0
        return closing

    def failed(self, probe: bool) -> bool:
        """A call failed (``probe``: the one :meth:`skip` let through): True when that opens it (a failed probe
        opens it again, for twice as long: not reported)."""
        self.in_a_row += 1
        if probe:
            self.probing = False
        if probe and self.open:
            self.cool_down = min(self.cool_down * 2, self.longest)
            self.until = self.clock() + self.cool_down
            return False
        if self.open or self.in_a_row < self.after:
            return False  # a call started before it opened: the cool-down in force stands
        self.cool_down = self.first
        self.until = self.clock() + self.cool_down
        return True


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
        self.breaker = Breaker()
        """Whether the model is called, after failures in a row (per process)."""

    @property
    def model(self) -> str:
        return self.provider.model

    async def ask(self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float | None = None) -> Call:
        """The model's reply to ``messages``, timed and priced."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                text, end = await self._read(messages, max_tokens, temperature)
        except TimeoutError:
            raise LLMError(f"{self.what} took longer than {self.timeout:g} s ({self.timeout_setting})") from None
        ms = round((time.perf_counter() - started) * 1000, 3)
        usage = end.usage
        cost = request_cost(end.model, usage.prompt_tokens, usage.completion_tokens)
        return Call(text, end.model, ms, usage.prompt_tokens, usage.completion_tokens, cost.usd)

    async def _read(
        self, messages: Sequence[ChatMessage], max_tokens: int, temperature: float | None
    ) -> tuple[str, StreamEnd]:
        """The reply's text and its end, read to at most ``max_tokens`` x :data:`CHARS_PER_TOKEN` characters: past
        them the stream is closed, the text cut there, its tokens counted here (the upstream's usage comes last)."""
        bound = max_tokens * CHARS_PER_TOKEN
        pieces: list[str] = []
        read = 0
        events = self.provider.stream(messages, max_tokens=max_tokens, temperature=temperature)
        try:
            async for event in events:
                if isinstance(event, StreamEnd):
                    return "".join(pieces), event
                if isinstance(event, TextChunk):
                    pieces.append(event.text)
                    read += len(event.text)
                    if read > bound:  # the provider ignored max_tokens: what it should have sent, the rest unread
                        text = "".join(pieces)[:bound]
                        asked = count_message_tokens(messages, self.model)
                        usage = Usage(asked, count_tokens(text, self.model), source="tokenizer")
                        return text, StreamEnd(usage, "length", self.model)
        finally:
            close = getattr(events, "aclose", None)  # a generator's: its HTTP response closed, not left to the GC
            if close is not None:
                await close()
        raise LLMError(f"{self.provider.name} stream ended without a StreamEnd event")

    async def aclose(self) -> None:
        await self.provider.aclose()


def provider_for(settings: Settings, model: str, timeout: float) -> LLMProvider:
    """The configured provider (not the simulated one: the caller checks) calling ``model``, with no retries and
    ``timeout``, no event of its replies longer than :data:`nearhit.llm.bounded_events.MAX_EVENT_BYTES`."""
    from nearhit.llm import bounded_events, build_provider

    own: dict[str, object] = {"chat_model": model, "llm_timeout": timeout, "llm_max_retries": 0}
    if settings.resolved_llm == "azure":  # on Azure the model called is a deployment
        own["azure_openai_gpt5_model"] = model
    return build_provider(settings.model_copy(update=own), http_client=bounded_events.client())
