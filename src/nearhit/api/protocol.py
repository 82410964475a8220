"""uvicorn's httptools protocol with the request head bounded, as ``nearhit serve`` runs it.

uvicorn bounds neither the size of a request's head (its request line and headers: httptools keeps every
byte until the blank line) nor the time a client takes to send it (a header line every few seconds holds the
connection and its buffer as long as the client likes: slow loris). The body is bounded by the app
(:mod:`nearhit.api.middleware`), which only runs once the head is complete: the head is bounded here, where the
bytes arrive. A head over ``NEARHIT_MAX_HEADER_BYTES`` is a 431, one not complete ``NEARHIT_HEADER_TIMEOUT``
seconds after the connection opened (or after the request's first byte, on a kept-alive connection) a 408;
both close the connection.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from nearhit.config import get_settings

LINGER_S = 2.0


@lru_cache(maxsize=1)
def _limits() -> tuple[int, float]:
    """The head's limits, read once per worker (the settings ``nearhit serve`` checked before starting it)."""
    settings = get_settings()
    return settings.max_header_bytes, settings.header_timeout


class BoundedHeadProtocol(HttpToolsProtocol):
    """:class:`HttpToolsProtocol` that refuses a head too big or too slow (see the module).

    A head is measured twice: by the bytes read while it is incomplete (httptools keeps them: a head that never
    ends is refused once they pass the limit), and by its parts once parsed (a head read whole in one read of up
    to 256 KiB is complete before the first count could see it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._max_head_bytes, self._head_timeout = _limits()
        self._in_head = True  # waiting for a request's head (a new connection waits for its first)
        self._heads = 0  # heads completed on this connection
        self._read_bytes = 0  # bytes read while this head was incomplete
        self._parsed_bytes = 0  # its request target and headers, as parsed
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()  # a connection that sends nothing is held no longer than a slow head

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the rest of a refused request, read and dropped while the connection lingers
        in_head, heads = self._in_head, self._heads
        super().data_received(data)
        # Bytes all of one head only when no head began or ended among them (a pipelined request's head that
        # begins within a body's last bytes is counted from the next read, and by its parts once parsed).
        if in_head and self._in_head and heads == self._heads and not self._refused:
            self._read_bytes += len(data)
            if self._read_bytes > self._max_head_bytes and not self.transport.is_closing():
                self._too_big()

    def on_message_begin(self) -> None:
        if self._refused:
            return
        super().on_message_begin()
        self._in_head, self._read_bytes, self._parsed_bytes = True, 0, 0
        self._start_head_timer()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._parsed_bytes += len(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self._parsed_bytes += len(name) + len(value) + 4  # ": " and CRLF

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._heads += 1
        self._stop_head_timer()
        if self._refused:
            return
        if self._parsed_bytes > self._max_head_bytes:
            self._too_big()
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(self._head_timeout, self._too_slow)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _too_big(self) -> None:
        why = f"are over {self._max_head_bytes:,} bytes (NEARHIT_MAX_HEADER_BYTES)"
        self._refuse(431, "Request Header Fields Too Large", why)

    def _too_slow(self) -> None:
        self._head_timer = None
        if self._in_head and not self._refused and not self.transport.is_closing():
            why = f"were not complete after {self._head_timeout:g} s (NEARHIT_HEADER_TIMEOUT)"
            self._refuse(408, "Request Timeout", why)

    def _refuse(self, status: int, reason: str, why: str) -> None:
        """Answer ``status`` in plain text, as uvicorn answers a head it cannot parse, and close. The sending
        side closes at once; what the client still sends is read and dropped for :data:`LINGER_S` before the
        connection closes: closed with unread bytes, it would be reset and the client lose the answer."""
        self._stop_head_timer()
        self._refused = True
        content = f"the request's line and headers {why}\n".encode()
        head = (
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(content)}\r\nconnection: close\r\n\r\n"
        )
        self.transport.write(head.encode() + content)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)
