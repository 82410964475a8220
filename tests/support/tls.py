"""One TLS context for the suite's HTTP clients. Each new ``httpx`` or OpenAI client otherwise builds its own,
loading the CA bundle (20-45 ms), and the suite makes hundreds of them (one per server, one per SDK client),
all to plain-HTTP loopback where the context is never used."""

from __future__ import annotations

import functools
import ssl


@functools.cache
def tls() -> ssl.SSLContext:
    return ssl.create_default_context()
