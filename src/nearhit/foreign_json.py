"""JSON that nearhit wrote but another writer may have replaced: read without letting one value fail more.

Entries' turns, the lookup models' kept replies and the telemetry stream's events are written by nearhit as JSON,
and read back from Redis, which any client with its address can write to; the records of a local Redis
(``redis.json``, ``topology.json``) are files in a folder anyone may edit. A value that
is not JSON, not UTF-8, or nested deeper than Python's recursion limit (``json.loads`` raises ``RecursionError``,
not a ``ValueError``, for ``[`` x 50,000) must cost its own entry or event, never every request that meets it.
"""

from __future__ import annotations

import json
from typing import Any


def read(raw: str | bytes | None) -> Any:
    """The document in ``raw``, or None when there is none to read (absent, empty, or not JSON as above).

    None also stands for a JSON ``null``: no value nearhit writes is one.
    """
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
