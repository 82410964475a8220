"""OpenAI and any server speaking its chat completions API (vLLM, Ollama, LM Studio), via the ``openai`` SDK.

The SDK's own retries are off: nearhit retries only before the first token (a retry after that would send the
caller a second answer glued to half of the first), with exponential backoff and jitter, and it bounds every
wait with ``NEARHIT_LLM_TIMEOUT`` so a stalled upstream becomes an :class:`LLMTimeout`, never a hung stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard, Unpack, cast

import httpx2
import openai
from openai.types.chat import ChatCompletionMessageParam

from nearhit.config import Settings
from nearhit.errors import ConfigError
from nearhit.llm.base import (
    CallOptions,
    ChatMessage,
    LLMEvent,
    ProviderName,
    StreamEnd,
    TextChunk,
    ToolCallDelta,
    Usage,
)
from nearhit.llm.errors import LLMError, LLMTimeout
from nearhit.llm.tokens import count_message_tokens, count_tokens
from nearhit.validate import unicode_text

logger = logging.getLogger(__name__)

MaxTokensParam = Literal["max_tokens", "max_completion_tokens"]

_MAX_BACKOFF = 8.0
_CHECK_TIMEOUT = 10.0
# A local server (Ollama, LM Studio) needs no key, but the SDK refuses to start without one.
_NO_KEY = "not-needed"
_MAX_REPORTED_TOKENS = 100_000_000
"""More tokens than any model takes or writes in one request: a usage above it is no count."""
MAX_ANSWER_CHARS = 4_000_000
"""The longest answer read from an upstream (text and tool-call arguments): past the longest any model writes in one
reply (128,000 tokens, some 600,000 characters) and four times the longest answer stored. ``NEARHIT_LLM_TIMEOUT``
bounds the silence between chunks, not the answer: an upstream that never ends it is cut here (hv62)."""
MAX_REPORTED_MODEL_CHARS = 256
"""The longest model name an upstream may report for its reply (OpenAI's are under 40, Azure's deployments 64):
a longer one, or one with a control or format character, is not taken (:meth:`OpenAICompatibleLLM._named`)."""


class OpenAICompatibleLLM:
    """A chat model behind an ``openai.AsyncOpenAI`` (or ``AsyncAzureOpenAI``) client built with
    ``max_retries=0``."""

    simulated = False
    imitates: str | None = None

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        *,
        name: ProviderName,
        model: str,
        timeout: float,
        max_retries: int,
        max_tokens_param: MaxTokensParam = "max_tokens",
        backoff_base: float = 0.5,
    ) -> None:
        self.name = name
        self.model = model
        self._client = client
        self._timeout = timeout
        self._max_retries = max_retries
        self._max_tokens_param = max_tokens_param
        self._backoff_base = backoff_base
        self._bad_usage_logged = False  # a usage that is no token count, logged once (_reported)
        self._bad_model_logged = False  # a reported model name that is no name, logged once (_named)

    @classmethod
    def configured(
        cls,
        client: openai.AsyncOpenAI,
        settings: Settings,
        *,
        name: ProviderName,
        model: str,
        max_tokens_param: MaxTokensParam,
    ) -> OpenAICompatibleLLM:
        """The provider on ``client`` with the settings' timeout and retries (the SDK's own retries are off:
        the client is built with ``max_retries=0`` so that this class's backoff is the only one)."""
        return cls(
            client,
            name=name,
            model=model,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
            max_tokens_param=max_tokens_param,
        )

    async def stream(self, messages: Sequence[ChatMessage], **options: Unpack[CallOptions]) -> AsyncIterator[LLMEvent]:
        temperature, max_tokens = options.get("temperature"), options.get("max_tokens")
        model, params = options.get("model") or self.model, options.get("params") or {}
        for attempt in itertools.count():
            answered = False
            attempt_events = self._attempt(messages, temperature, max_tokens, model, params)
            try:
                async with contextlib.aclosing(attempt_events) as events:
                    async for event in events:
                        answered = answered or not isinstance(event, StreamEnd)
                        yield event
                return
            except LLMError as error:
                if answered or not error.retryable or attempt >= self._max_retries:
                    raise
                delay = self._backoff(attempt, error.retry_after)
                logger.warning(
                    "%s: %s; retry %d of %d in %.2f s",
                    self.name,
                    error.message,
                    attempt + 1,
                    self._max_retries,
                    delay,
                )
            await asyncio.sleep(delay)

    async def check(self) -> None:
        """List the models: cheap, checks the address and the key, and costs no tokens."""
        try:
            async with asyncio.timeout(min(self._timeout, _CHECK_TIMEOUT)):
                await self._client.models.list()
        except (openai.OpenAIError, TimeoutError) as exc:
            raise self._error(exc) from exc

    async def aclose(self) -> None:
        await self._client.close()

    async def _attempt(
        self,
        messages: Sequence[ChatMessage],
        temperature: float | None,
        max_tokens: int | None,
        model: str,
        params: Mapping[str, Any],
    ) -> AsyncGenerator[LLMEvent, None]:
        """One request: its text chunks and tool-call pieces, then its StreamEnd. Every failure leaves as an
        LLMError. ``params`` go in the body as they are (``extra_body``): the caller checked them."""
        limit = openai.omit if max_tokens is None else max_tokens
        newer_limit = self._max_tokens_param == "max_completion_tokens"
        try:
            async with asyncio.timeout(self._timeout):
                upstream = await self._client.chat.completions.create(
                    model=model,
                    messages=cast("list[ChatCompletionMessageParam]", [_wire(m) for m in messages]),
                    stream=True,
                    stream_options={"include_usage": True},
                    temperature=openai.omit if temperature is None else temperature,
                    max_tokens=openai.omit if newer_limit else limit,
                    max_completion_tokens=limit if newer_limit else openai.omit,
                    extra_body=dict(params) or None,
                )
        except (openai.OpenAIError, TimeoutError) as exc:
            raise self._error(exc) from exc

        pieces: list[str] = []
        answer_chars = 0
        usage: Usage | None = None
        finish_reason: str | None = None
        answered_by = model
        tool_calls = False
        async with upstream:
            chunks = aiter(upstream)
            while True:
                try:
                    async with asyncio.timeout(self._timeout):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                except (openai.OpenAIError, TimeoutError, ValueError) as exc:
                    raise self._error(exc) from exc
                except RecursionError:  # the SDK's json.loads of an event nested past the limit: no ValueError
                    raise LLMError(f"{self.name} sent a malformed reply (JSON nested past any limit)") from None
                try:
                    read = self._read(chunk)
                except (AttributeError, TypeError, ValueError) as exc:  # the SDK builds chunks without checking
                    raise LLMError(f"{self.name} sent a malformed reply ({type(exc).__name__}: {exc})") from exc
                answered_by = self._named(read.model) or answered_by
                usage = read.usage or usage
                finish_reason = read.finish_reason or finish_reason
                for event in read.events:
                    piece = event.text if isinstance(event, TextChunk) else event.arguments
                    answer_chars += len(piece)
                    if answer_chars > MAX_ANSWER_CHARS:
                        raise LLMError(
                            f"{self.name} sent an answer longer than {MAX_ANSWER_CHARS:,} characters: not read further"
                        )
                    pieces.append(piece)
                    tool_calls = tool_calls or isinstance(event, ToolCallDelta)
                    yield event

        if finish_reason is None and not any(pieces) and not tool_calls:  # `[DONE]` alone, a close before any choice
            raise LLMError(
                f"{self.name} ended its stream without an answer (no text, no finish_reason)", retryable=True
            )
        if usage is None:  # the server ignored stream_options.include_usage: count as it would have
            usage = Usage(
                prompt_tokens=count_message_tokens(messages, model),
                completion_tokens=count_tokens("".join(pieces), model),
                source="tokenizer",
            )
        yield StreamEnd(usage=usage, finish_reason=finish_reason or "unknown", model=answered_by)

    def _read(self, chunk: Any) -> _Read:
        """What one streamed chunk says, each field checked (the SDK builds a chunk from any JSON without checking
        it): an AttributeError, TypeError or ValueError here is a malformed reply."""
        model = _text(chunk.model, "model")
        events: list[TextChunk | ToolCallDelta] = []
        finish_reason: str | None = None
        for choice in chunk.choices:
            if choice.index != 0:  # one choice is asked for (n is split into calls): another is no part of it
                raise ValueError(f"it streamed choice {choice.index!r} to a request for one choice")
            content = _text(choice.delta.content, "content")
            logprobs = tuple(t.model_dump() for t in (choice.logprobs and choice.logprobs.content) or ())
            if content or logprobs:
                events.append(TextChunk(content or "", logprobs))
            refusal = _text(getattr(choice.delta, "refusal", None), "refusal")
            if refusal:
                events.append(TextChunk(refusal, refusal=True))
            for call in choice.delta.tool_calls or ():
                name = _text(call.function.name if call.function else None, "tool call name")
                arguments = _text(call.function.arguments if call.function else None, "tool call arguments") or ""
                events.append(ToolCallDelta(call.index, arguments, _text(call.id, "tool call id"), name))
            finish_reason = _text(choice.finish_reason, "finish_reason") or finish_reason
        usage = self._reported(chunk.usage) if chunk.usage is not None else None
        return _Read(model, usage, finish_reason, events)

    def _named(self, reported: str | None) -> str | None:
        """The model name an upstream reports, when it is one (1 to :data:`MAX_REPORTED_MODEL_CHARS` printable
        characters: no newline, escape or bidirectional override); None otherwise (the model asked is kept as the
        one that answered: what is shown, kept with a flight or a verdict and priced), logged once."""
        if reported is None or (0 < len(reported) <= MAX_REPORTED_MODEL_CHARS and reported.isprintable()):
            return reported or None
        if not self._bad_model_logged:
            self._bad_model_logged = True
            logger.warning(
                "%s reported a model name that is no name (%d characters: %r): the model asked is named instead",
                self.name,
                len(reported),
                reported[:60],
            )
        return None

    def _reported(self, reported: object) -> Usage | None:
        """The upstream's usage when both counts are token counts (whole, 0 to :data:`_MAX_REPORTED_TOKENS`); None
        otherwise (negative, fractional, text, null: counted here as for a server that sends none), logged once."""
        prompt, completion = (getattr(reported, name, None) for name in ("prompt_tokens", "completion_tokens"))
        if _a_count(prompt) and _a_count(completion):
            return Usage(prompt, completion)
        counts = [prompt, completion]
        if not self._bad_usage_logged:
            self._bad_usage_logged = True
            logger.warning("%s reported a usage that is no token count (%r): counted here instead", self.name, counts)
        return None

    def _error(self, exc: Exception) -> LLMError:
        """Translate an SDK or timeout failure into an LLMError saying what happened and whether to retry."""
        if isinstance(exc, TimeoutError | openai.APITimeoutError):
            return LLMTimeout(f"{self.name} sent nothing for {self._timeout:g} s (NEARHIT_LLM_TIMEOUT)")
        if isinstance(exc, openai.APIStatusError):
            return LLMError(
                f"{self.name} answered HTTP {exc.status_code}: {_upstream_message(exc)}",
                status_code=exc.status_code,
                retryable=_retryable(exc.status_code),
                retry_after=_retry_after(exc.response.headers),
            )
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(f"could not reach {self.name} at {self._client.base_url}", retryable=True)
        if isinstance(exc, ValueError):  # bytes that are not UTF-8, JSON that is not, an event past the bound
            return LLMError(f"{self.name} sent a malformed reply ({type(exc).__name__}: {exc})")
        if isinstance(exc, openai.APIError):  # an error event inside a 200 stream
            status = int(exc.code) if exc.code is not None and exc.code.isdigit() else None
            return LLMError(
                f"{self.name} failed while streaming: {_upstream_message(exc)}",
                status_code=status,
                retryable=status is not None and _retryable(status),
            )
        return LLMError(f"{self.name} call failed: {exc}")

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with jitter (so a burst of callers does not retry in step), at least what the
        server asked for, at most _MAX_BACKOFF."""
        delay = min(_MAX_BACKOFF, self._backoff_base * 2.0**attempt) * random.uniform(0.5, 1.0)
        return min(_MAX_BACKOFF, max(delay, retry_after or 0.0))


def _text(value: object, what: str) -> str | None:
    """``value`` when it is text or None (a field of a chunk the SDK built without checking); else a TypeError
    naming ``what``, or a ValueError for a lone surrogate (a legal JSON escape, but no text: nothing can count,
    store or send it on): a malformed reply."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{what} is {type(value).__name__}, not text")
    return value if value is None or value.isascii() else unicode_text(value, what)


def _a_count(n: object) -> TypeGuard[int]:
    """A token count an upstream may report: a whole number (not a bool), 0 to :data:`_MAX_REPORTED_TOKENS`."""
    return type(n) is int and 0 <= n <= _MAX_REPORTED_TOKENS


@dataclass(frozen=True)
class _Read:
    """One streamed chunk as :meth:`OpenAICompatibleLLM._read` read it."""

    model: str | None
    usage: Usage | None
    finish_reason: str | None
    events: list[TextChunk | ToolCallDelta]


def build_openai(settings: Settings, http_client: httpx2.AsyncClient | None = None) -> OpenAICompatibleLLM:
    """OpenAI itself, or the OpenAI-compatible server at ``OPENAI_BASE_URL`` (through ``http_client``: the SDK's
    own by default)."""
    if not (settings.openai_api_key or settings.openai_base_url):
        raise ConfigError("the OpenAI LLM needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local server")
    client = openai.AsyncOpenAI(
        api_key=settings.openai_api_key or _NO_KEY,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=0,
        http_client=http_client,
    )
    # OpenAI's newer models reject max_tokens; other servers may not know max_completion_tokens yet.
    max_tokens_param: MaxTokensParam = "max_tokens" if settings.openai_base_url else "max_completion_tokens"
    return OpenAICompatibleLLM.configured(
        client, settings, name="openai", model=settings.chat_model, max_tokens_param=max_tokens_param
    )


def _wire(message: ChatMessage) -> dict[str, Any]:
    """A message as OpenAI's API takes it: an assistant's tool calls, a tool result's call id."""
    wire: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        wire["content"] = message.content or None
        wire["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    if message.tool_call_id is not None:
        wire["tool_call_id"] = message.tool_call_id
    return wire


def _retryable(status: int) -> bool:
    return status in (408, 409, 429) or status >= 500


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """The wait the server asked for: OpenAI's ``retry-after-ms``, or ``retry-after`` in seconds."""
    for header, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        with contextlib.suppress(KeyError, ValueError):
            return float(headers[header]) * scale
    return None


def _upstream_message(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return exc.message
