"""Input checks shared by the engine, the API and the CLI: one message per mistake, raised early."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

import numpy as np

from nearhit.embeddings.base import Vectors
from nearhit.errors import InvalidInput

__all__ = [
    "InvalidInput",
    "label",
    "prompt",
    "response",
    "threshold",
    "token_count",
    "top_k",
    "ttl",
    "unicode_text",
    "vector",
]

MAX_LABEL_CHARS = 256
MAX_RESPONSE_CHARS = 1_000_000
MAX_TOP_K = 1000


def unicode_text(value: str, name: str) -> str:
    """Text UTF-8 can encode. A lone surrogate (``"\\ud800"``) is legal in a JSON escape and in a Python
    string, but nothing can store, log or send it on: it is refused where it comes in."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"{name} contains a lone surrogate (U+{ord(value[exc.start]):04X}) at character {exc.start}: "
            "it is not valid Unicode text"
        ) from None
    return value


def prompt(value: object, max_chars: int) -> str:
    """A non-empty prompt of at most ``max_chars`` characters."""
    if not isinstance(value, str):
        raise InvalidInput(f"prompt must be a string, not {type(value).__name__}")
    unicode_text(value, "prompt")
    if not value.strip():
        raise InvalidInput("prompt is empty (or only white space)")
    if len(value) > max_chars:
        raise InvalidInput(
            f"prompt is {len(value):,} characters; the limit is {max_chars:,} (NEARHIT_MAX_PROMPT_CHARS)"
        )
    return value


def response(value: object) -> str:
    """A non-empty answer: an empty or missing answer is never stored."""
    if not isinstance(value, str):
        raise InvalidInput(f"response must be a string, not {type(value).__name__}")
    unicode_text(value, "response")
    if not value.strip():
        raise InvalidInput("response is empty: nothing to store")
    if len(value) > MAX_RESPONSE_CHARS:
        raise InvalidInput(f"response is {len(value):,} characters; the limit is {MAX_RESPONSE_CHARS:,}")
    return value


def threshold(value: object) -> float:
    """A similarity threshold in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"threshold must be a number in [0, 1], not {value!r}")
    if not 0.0 <= value <= 1.0:
        raise InvalidInput(f"threshold must be in [0, 1] (similarity = 1 - cosine distance), not {value}")
    return float(value)


def ttl(value: object) -> int | None:
    """A time to live in whole seconds, > 0; None means 'no expiry' (or the default)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"ttl must be a whole number of seconds, not {value!r}")
    if value <= 0:
        raise InvalidInput(f"ttl must be > 0 seconds, not {value}")
    return value


def top_k(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOP_K:
        raise InvalidInput(f"top_k must be a whole number from 1 to {MAX_TOP_K}, not {value!r}")
    return value


def token_count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{name} must be a whole number >= 0, not {value!r}")
    return value


def label(value: object, name: str) -> str:
    """A tenant or model name: any printable text (it is escaped in queries), no control characters."""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string, not {type(value).__name__}")
    unicode_text(value, name)
    if not value.strip():
        raise InvalidInput(f"{name} is empty")
    if len(value) > MAX_LABEL_CHARS:
        raise InvalidInput(f"{name} is {len(value)} characters; the limit is {MAX_LABEL_CHARS}")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise InvalidInput(f"{name} contains control characters")
    return value


def vector(value: Sequence[float] | np.ndarray, dimension: int) -> Vectors:
    """A finite float vector of exactly ``dimension`` values, returned L2-normalised as float32."""
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"vector must be a list of numbers: {exc}") from None
    if array.ndim != 1:
        raise InvalidInput(f"vector must be a flat list of numbers, got shape {array.shape}")
    if array.shape[0] != dimension:
        raise InvalidInput(f"vector has {array.shape[0]} values; this index takes {dimension}")
    if not np.all(np.isfinite(array)):
        raise InvalidInput("vector contains NaN or infinite values")
    norm = float(np.linalg.norm(array))
    if norm == 0.0:
        raise InvalidInput("vector is all zeros: it has no direction to compare")
    return (array / norm).astype(np.float32)
