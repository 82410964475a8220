"""The HTTP client of every model nearhit calls: no event of its streamed reply longer than a bound.

A lookup model's (the check's, the rewrite's) reply is read to ``max_tokens`` x 16 characters and the rest left unread
(:meth:`nearhit.llm.lookup_model.LookupModel._read`), but that bound applies between the stream's events: the OpenAI
SDK reads one event whole before nearhit sees it, so a provider sending 2 MB in one ``data:`` event was read (and
parsed) whole. This client counts each event's bytes as they arrive and fails the reply past
:data:`MAX_EVENT_BYTES`, before the SDK has the event. It asks for an uncompressed reply (``Accept-Encoding:
identity``): the bytes counted are those the SDK parses. The chat model's replies go through it too, with a
bound of their own (:data:`CHAT_MAX_EVENT_BYTES`): an upstream sending 100 MB in one event was read whole, 380 MB of
the service's memory for one request (hv62).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx2
import openai

MAX_EVENT_BYTES = 65_536
"""The longest event of a lookup model's reply: one chunk of a few tokens is under 1 kB (Azure's content filter
results included), a whole rewrite of 200 tokens at 16 characters each, every one escaped as ``\\uXXXX``, 20 kB."""
CHAT_MAX_EVENT_BYTES = 16 * 1024 * 1024
"""The longest event of the chat model's reply: a chunk is a few tokens, but a server that does not stream may send
the whole answer as one chunk; the longest answer a model writes (128,000 tokens), every character escaped as
``\\uXXXX``, is about 3 MB."""
_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")  # a blank line, in any of SSE's line endings


class EventTooLong(ValueError):
    """An event of the reply is longer than :data:`MAX_EVENT_BYTES`: read no further."""


def client(max_event_bytes: int = MAX_EVENT_BYTES) -> httpx2.AsyncClient:
    """An HTTP client for the OpenAI SDK (the SDK's own defaults) whose streamed replies are bounded per event."""

    async def bound(response: httpx2.Response) -> None:
        assert isinstance(response.stream, httpx2.AsyncByteStream)
        response.stream = _Bounded(response.stream, max_event_bytes)

    return openai.DefaultAsyncHttpx2Client(headers={"Accept-Encoding": "identity"}, event_hooks={"response": [bound]})


class _Bounded(httpx2.AsyncByteStream):
    """A response body passed on as it arrives, failing once the bytes since the last event's end pass the bound."""

    def __init__(self, stream: httpx2.AsyncByteStream, limit: int) -> None:
        self._stream = stream
        self._limit = limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        open_event = 0  # bytes of the event under way (since the last blank line)
        tail = b""  # the previous piece's last bytes: a blank line may straddle two pieces
        async for piece in self._stream:
            seen = tail + piece
            ends = [match.end() for match in _EVENT_END.finditer(seen)]
            open_event = len(seen) - ends[-1] if ends else open_event + len(piece)
            if open_event > self._limit:
                raise EventTooLong(f"an event of the reply is longer than {self._limit:,} bytes: not read further")
            tail = seen[-3:]
            yield piece

    async def aclose(self) -> None:
        await self._stream.aclose()
