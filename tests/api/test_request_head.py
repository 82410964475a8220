"""``nearhit serve`` bounds a request's head (request line and headers): uvicorn bounded neither its size (a 1 MB
header was read whole) nor the time to send it (a header line every few seconds held the connection for as long
as the client liked)."""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.server_process import server_process


def _connect(url: str) -> socket.socket:
    address = urlsplit(url)
    connection = socket.create_connection((address.hostname, address.port))
    connection.settimeout(10)
    return connection


def _reply(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(4096):  # the server closes after its answer
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.slow
def test_a_head_too_big_or_too_slow_is_refused_and_closed(tmp_path: Path, redis_url: str) -> None:
    limits = {"NEARHIT_MAX_HEADER_BYTES": "16384", "NEARHIT_HEADER_TIMEOUT": "1", "REDIS_URL": redis_url}
    with server_process(limits, tmp_path) as url:
        # One header of 1 MB; then 5,000 small ones: both over 16 KiB.
        for headers in (b"X-Big: " + b"a" * 1_000_000 + b"\r\n", b"".join(b"X-%d: v\r\n" % i for i in range(5000))):
            connection = _connect(url)
            # Refused before the client finished sending: the answer is read below.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
            reply = _reply(connection)
            assert reply.startswith(b"HTTP/1.1 431 "), reply[:200]
            assert b"over 16,384 bytes (NEARHIT_MAX_HEADER_BYTES)" in reply
        # A header line every 0.3 s: the head is still not complete when its second is over.
        connection = _connect(url)
        started = time.monotonic()
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        connection.settimeout(0.3)
        while True:
            try:
                reply = connection.recv(4096)
                break
            except TimeoutError:
                connection.sendall(b"X-Slow: a\r\n")
        assert reply.startswith(b"HTTP/1.1 408 "), reply[:200]
        assert b"not complete after 1 s (NEARHIT_HEADER_TIMEOUT)" in reply
        assert time.monotonic() - started < 5
        # A connection that sends nothing is closed as soon.
        idle = _connect(url)
        assert _reply(idle).startswith(b"HTTP/1.1 408 ")
        # Under the limits: headers of 12 kB, and a body of 600 kB (the head's limit is not the body's).
        assert httpx.get(f"{url}/health", headers={"X-Fine": "a" * 12_000}).status_code == 200
        big = httpx.post(f"{url}/ask", json={"prompt": "hello " * 100_000})
        assert big.status_code == 422 and "NEARHIT_MAX_PROMPT_CHARS" in big.text
