"""Every input rule and limit, written once: the engine calls these functions, the API's pydantic types
(:mod:`nearhit.api.schemas`), the gateway's headers and the CLI's options are built from them, so no two
layers can disagree on what is valid. One message per mistake, raised early.

Importing this module loads nothing of the engine (numpy is imported by :func:`vector` on first use): the
CLI and the schemas pay only for the rules.
"""

from __future__ import annotations

import functools
import math
import re
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from nearhit.errors import InvalidInput, TooLarge

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "InvalidInput",
    "header_text",
    "history_role",
    "history_shape",
    "history_size",
    "label",
    "label_pattern",
    "prompt",
    "prompt_length",
    "response",
    "system_prompt",
    "threshold",
    "threshold_text",
    "token_count",
    "top_k",
    "ttl",
    "ttl_text",
    "turns",
    "unicode_text",
    "vector",
    "wordless",
]

MAX_LABEL_CHARS = 256
MAX_RESPONSE_CHARS = 1_000_000
MAX_TEXT_CHARS = 1_000_000
"""Any text a request may carry; the configured prompt limit (``NEARHIT_MAX_PROMPT_CHARS``) is checked after."""
MAX_TOP_K = 1000
MAX_TTL = 10 * 365 * 24 * 3600
THRESHOLD_RANGE = (0.0, 1.0)
"""A similarity (1 - cosine distance) threshold's bounds, both included."""
# The JSON Schema form of a non-blank text (str.strip() also strips the separators U+001C-U+001F), for the API's
# OpenAPI document; a label's is :func:`label_pattern`.
NOT_BLANK_PATTERN = r"[^\s\x1c-\x1f]"


# What a reader never sees: format characters (bidi marks, zero-width space and joiners, the BOM, the soft hyphen,
# tag characters: Unicode's Cf), controls, separators, marks with no letter to sit on, and the Hangul fillers
# (letters by category, drawn as nothing).
_UNSEEN_CATEGORIES = frozenset({"Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp"})
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")


def _seen(ch: str) -> bool:
    return not ch.isspace() and ch not in _FILLERS and unicodedata.category(ch) not in _UNSEEN_CATEGORIES


def visible(value: str) -> bool:
    """Whether ``value`` has a character a reader would see: text of none is empty, however long."""
    return any(_seen(ch) for ch in value)


@functools.cache
def label_pattern() -> str:
    """The JSON Schema form of :func:`label` for the API's OpenAPI document: no control character (Unicode Cc)
    and at least one character :func:`visible` counts, its unseen ones listed from the same rule (a class of some
    400 ranges, built once when the document is, ~0.3 s): a client generating from the schema, schemathesis
    among them, takes as valid exactly what the server does. Characters beyond the BMP are written as
    themselves (JSON Schema's ECMA-262 has no portable escape for them)."""
    ranges: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF or _seen(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    unseen = "".join(_escaped(low) + (f"-{_escaped(high)}" if high > low else "") for low, high in ranges)
    control = r"\x00-\x1f\x7f-\x9f"
    return f"^[^{control}]*[^{unseen}][^{control}]*$"


def _escaped(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)


def wordless(value: str) -> bool:
    """Whether ``value`` has no letter and no digit (Unicode L* and N*): "?", "...", "¿?", "👍", "🙂🙂".

    Such a prompt is legitimate and answered, but its text carries too little to compare by meaning (the
    exact key's normalisation strips punctuation to nothing; an embedding puts one emoji beside another), so
    only its exact repeat in the same scope is served (:meth:`nearhit.cache.lookup.Lookup.of`)."""
    return not any(unicodedata.category(ch)[0] in "LN" for ch in value)


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
    if not visible(value):
        raise InvalidInput("prompt is empty (or only white space and invisible characters)")
    return prompt_length(value, max_chars)


def prompt_length(value: str, max_chars: int) -> str:
    """The configured limit alone, for a prompt a schema has checked with every other rule of :func:`prompt`
    (the limit is a setting the schema cannot know)."""
    if len(value) > max_chars:
        raise InvalidInput(
            f"prompt is {len(value):,} characters; the limit is {max_chars:,} (NEARHIT_MAX_PROMPT_CHARS)"
        )
    return value


MAX_HISTORY_MESSAGES = 200
MAX_HISTORY_CHARS = 100_000
HISTORY_ROLES = ("system", "user", "assistant")
"""The roles ``/ask`` takes in a history (tool results go through the gateway, with the call they answer)."""


def history_shape(value: object) -> object:
    """A history is a list of messages (each message's fields are the schema's to check); a message's content
    given as OpenAI's text parts is read as its text here, where the message's place can be named."""
    if not isinstance(value, list):
        raise InvalidInput(f"history must be a list of {{role, content}} messages, not {_json_kind(value)}")
    return [
        message | {"content": content_text(message["content"], f"history[{i}].content")}
        if isinstance(message, dict) and "content" in message
        else message
        for i, message in enumerate(value)
    ]


TEXT_PART = '{"type": "text", "text": ...}'
"""OpenAI's text content part, the one kind of part a history (and the gateway) takes."""


def content_text(value: object, where: str) -> str:
    """A message's content: a string, or a list of text parts (:data:`TEXT_PART`) joined as the gateway joins
    them, a text part's other fields ignored as OpenAI and the gateway ignore them (``cache_control``). Anything else
    (an image part, null, a part without text) is refused naming ``where`` and what is taken: a cache reads text
    only."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise InvalidInput(f"{where} must be a string or a list of text parts {TEXT_PART}, not {_json_kind(value)}")
    texts: list[str] = []
    for j, part in enumerate(value):
        at = f"{where}[{j}]"
        if not isinstance(part, Mapping):
            raise InvalidInput(f"{at} must be a text part {TEXT_PART}, not {_json_kind(part)}")
        kind = part.get("type")
        if kind != "text":
            shown = repr(kind)[:64] if isinstance(kind, str) else _json_kind(kind)
            raise InvalidInput(f"{at} is a part of type {shown}: only text parts {TEXT_PART} are taken")
        if "text" not in part:
            raise InvalidInput(f"{at} must be a text part {TEXT_PART}: 'text' is missing")
        text = part["text"]
        if not isinstance(text, str):
            raise InvalidInput(f"{at}.text must be a string, not {_json_kind(text)}")
        texts.append(text)
    return "".join(texts)


def history_role(value: object) -> str:
    """A history message's role, named in the message when it is not one of :data:`HISTORY_ROLES`."""
    if not isinstance(value, str) or value not in HISTORY_ROLES:
        raise InvalidInput(f"history role {value!r} is not allowed; use one of {', '.join(HISTORY_ROLES)}")
    return value


def history_size(contents: Sequence[str]) -> None:
    """At most :data:`MAX_HISTORY_MESSAGES` earlier turns of :data:`MAX_HISTORY_CHARS` characters in all:
    a :class:`TooLarge` (413) that says the limit."""
    if len(contents) > MAX_HISTORY_MESSAGES:
        raise TooLarge(f"history has {len(contents):,} messages; the limit is {MAX_HISTORY_MESSAGES} messages")
    total = sum(len(c) for c in contents)
    if total > MAX_HISTORY_CHARS:
        raise TooLarge(f"history is {total:,} characters in all; the limit is {MAX_HISTORY_CHARS:,} characters")


MAX_SYSTEM_PROMPT_CHARS = 100_000


def system_prompt(value: object) -> str | None:
    """A system prompt: text (or None) of at most :data:`MAX_SYSTEM_PROMPT_CHARS` characters, as ``/ask`` takes."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"system_prompt must be a string, not {type(value).__name__}")
    unicode_text(value, "system_prompt")
    if len(value) > MAX_SYSTEM_PROMPT_CHARS:
        raise InvalidInput(f"system_prompt is {len(value):,} characters; the limit is {MAX_SYSTEM_PROMPT_CHARS:,}")
    return value


def turns(value: object) -> tuple[tuple[str, str], ...]:
    """A library caller's earlier turns: (role, content) pairs, or ``{"role", "content"}`` messages read as
    pairs, with ``/ask``'s roles and size limits. Each turn's words scope the answer: a message read as
    anything else (its keys, its characters) would put every conversation of that shape in one scope."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidInput(f"history must be a list of (role, content) turns, not {_json_kind(value)}")
    pairs: list[tuple[str, str]] = []
    for n, turn in enumerate(value):
        if isinstance(turn, Mapping) and set(turn) == {"role", "content"}:
            turn = (turn["role"], turn["content"])
        if isinstance(turn, str | bytes | Mapping) or not isinstance(turn, Sequence) or len(turn) != 2:
            raise InvalidInput(f"history[{n}] must be a (role, content) pair or a {{role, content}} message")
        role, content = turn
        history_role(role)
        content = content_text(content, f"history[{n}] content")
        pairs.append((role, unicode_text(content, f"history[{n}] content")))
    history_size([content for _, content in pairs])
    return tuple(pairs)


def _json_kind(value: object) -> str:
    kinds = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def response(value: object) -> str:
    """A non-empty answer: an empty or missing answer is never stored."""
    if not isinstance(value, str):
        raise InvalidInput(f"response must be a string, not {type(value).__name__}")
    unicode_text(value, "response")
    if not visible(value):
        raise InvalidInput("response is empty (or only white space and invisible characters): nothing to store")
    if len(value) > MAX_RESPONSE_CHARS:
        raise InvalidInput(f"response is {len(value):,} characters; the limit is {MAX_RESPONSE_CHARS:,}")
    return value


MAX_REQUEST_ID_CHARS = 128
REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:-]+$"
"""An ``x-request-id`` feedback names: what the service sends back in that header (and accepts from a client)."""
MAX_DOC_ID_CHARS = 300
MAX_NOTE_CHARS = 2000
"""A verdict's note is logged: kept to a log line's size."""


def entry_id(value: str) -> str:
    """An entry id (what ``store`` returns) of 1 to :data:`MAX_DOC_ID_CHARS` characters, for the CLI and
    ``delete``: a 100 kB id is refused by its length, not looked up or echoed back whole."""
    unicode_text(value, "doc id")
    if not 1 <= len(value) <= MAX_DOC_ID_CHARS:
        raise InvalidInput(f"doc id must be 1 to {MAX_DOC_ID_CHARS} characters, not {len(value):,}")
    return value


def feedback_ids(request_id: str | None, doc_id: str | None, note: str | None) -> None:
    """A verdict's request id, entry id and note within the API's bounds (:class:`nearhit.api.feedback.FeedbackBody`
    is built from the same constants), for the CLI: an empty or 100 kB id, or a note of any size, is refused
    with the rule, not looked up, echoed back whole or logged."""
    if request_id is not None:
        unicode_text(request_id, "request id")
        if not 1 <= len(request_id) <= MAX_REQUEST_ID_CHARS or not re.match(REQUEST_ID_PATTERN, request_id):
            raise InvalidInput(
                f"request id must be 1 to {MAX_REQUEST_ID_CHARS} of A-Z a-z 0-9 . _ : - (as x-request-id is), "
                f"not {request_id[:40]!r}{'…' if len(request_id) > 40 else ''} ({len(request_id):,} characters)"
            )
    if doc_id is not None:
        entry_id(doc_id)
    if note is not None:
        unicode_text(note, "note")
        if len(note) > MAX_NOTE_CHARS:
            raise InvalidInput(f"note is {len(note):,} characters; the limit is {MAX_NOTE_CHARS:,}")


def threshold(value: object, name: str = "threshold") -> float:
    """A similarity threshold in [0, 1]."""
    low, high = THRESHOLD_RANGE
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{name} must be a number in [{low:g}, {high:g}], not {value!r}")
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be in [{low:g}, {high:g}] (similarity = 1 - cosine distance), not {value}")
    return float(value)


def threshold_text(value: str, name: str) -> float:
    """A threshold given as text (a header, a command-line option)."""
    low, high = THRESHOLD_RANGE
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidInput(f"{name} must be a similarity from {low:g} to {high:g}, not {value[:40]!r}")
    return number


def ttl(value: object) -> int | None:
    """A time to live in whole seconds, > 0; None means 'no expiry' (or the default)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"ttl must be a whole number of seconds, not {value!r}")
    if value <= 0:
        raise InvalidInput(f"ttl must be > 0 seconds, not {value}")
    if value > MAX_TTL:
        raise InvalidInput(f"ttl must be at most {MAX_TTL} seconds (ten years), not {value}")
    return value


def ttl_text(value: str, name: str) -> int:
    """A time to live given as text (a header): digits only, no sign, no unit."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_TTL:  # "²" is a digit, not an int
        raise InvalidInput(f"{name} must be a whole number of seconds from 1 to {MAX_TTL}, not {value[:40]!r}")
    return int(text)


def top_k(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOP_K:
        raise InvalidInput(f"top_k must be a whole number from 1 to {MAX_TOP_K}, not {value!r}")
    return value


def token_count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{name} must be a whole number >= 0, not {value!r}")
    return value


def cost(value: object, name: str) -> float:
    """A price in USD: a finite number >= 0 (stored with an entry, added up by the telemetry)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise InvalidInput(f"{name} must be a finite number of USD >= 0, not {value!r}")
    return float(value)


def header_text(value: str, name: str) -> str:
    """A request header's value in ASCII, a precise refusal otherwise. HTTP says nothing of how other bytes
    encode text (RFC 9110 5.5: historically Latin-1, in practice opaque): ``é`` is one byte from one client and
    two from another, so no reading of them is sure to be what the caller meant, and a namespace read wrongly
    would be a cache of its own, consistently. Refusing them (rather than decoding UTF-8) keeps every header one
    rule; a label beyond ASCII goes in a body, as ``/ask``'s tenant does. ``value`` is the header as the server
    decoded it (Latin-1: one character a byte)."""
    for position, ch in enumerate(value):
        if not ch.isascii():
            what = f"byte 0x{ord(ch):02X}" if ord(ch) < 0x100 else f"character U+{ord(ch):04X}"
            raise InvalidInput(
                f"{name} must be ASCII: {what} at position {position} is not "
                "(HTTP does not say how other bytes encode text)"
            )
    return value


def label(value: object, name: str) -> str:
    """A tenant or model name: any printable text (it is escaped in queries), no control characters."""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string, not {type(value).__name__}")
    unicode_text(value, name)
    if not visible(value):  # a zero-width space or a bidi mark alone names nothing, as " " does not
        raise InvalidInput(f"{name} is empty (or only white space and invisible characters)")
    if len(value) > MAX_LABEL_CHARS:
        raise InvalidInput(f"{name} is {len(value)} characters; the limit is {MAX_LABEL_CHARS}")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise InvalidInput(f"{name} contains control characters")
    return value


# What a vector was given as, by numpy's kind of its array ("O": None, an integer beyond 64 bits, anything else).
_ARRAY_KINDS = {
    "b": "booleans",
    "c": "complex numbers",
    "m": "time spans",
    "M": "dates",
    "O": "Python objects (None, an integer too big for a float, or what is no number)",
    "S": "bytes",
    "U": "strings",
    "V": "records",
}


def vector(value: Sequence[float] | np.ndarray, dimension: int) -> npt.NDArray[np.float32]:
    """A finite float vector of exactly ``dimension`` values, returned L2-normalised as float32."""
    import numpy as np

    try:
        array = np.asarray(value)  # its own kind first: a cast to float would take "0.1", True or 1+2j as numbers
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"vector must be a list of numbers: {exc}") from None
    if array.dtype.kind not in "iuf":
        found = _ARRAY_KINDS.get(array.dtype.kind, f"values of type {array.dtype}")
        raise InvalidInput(f"vector must be a list of numbers, not of {found}")
    if array.ndim != 1:
        raise InvalidInput(f"vector must be a flat list of numbers, got shape {array.shape}")
    if array.shape[0] != dimension:
        raise InvalidInput(f"vector has {array.shape[0]} values; this index takes {dimension}")
    # Normalised in float64, then cut to float32: a finite value past float32's range (3.5e38) or under its
    # smallest (1e-46) was made infinite or zero by the cut and refused as "NaN or infinite" / "all zeros".
    with np.errstate(over="ignore"):  # a float128 value past float64's range, a square past it: infinite
        wide = array.astype(np.float64)
        norm = math.sqrt(float(wide @ wide))  # NaN or infinite where a value is (one pass; a lookup's check)
    if not (math.isfinite(norm) and norm > 1e-150):  # rarely: NaN, infinite, zeros, or squares past float64's
        if not np.isfinite(wide).all():
            raise InvalidInput("vector contains NaN or infinite values")
        largest = float(np.abs(wide).max())
        if largest == 0.0:
            raise InvalidInput("vector is all zeros: it has no direction to compare")
        wide = wide / largest  # 1e300's squares overflow, 1e-300's vanish: the largest value is 1 now
        norm = math.sqrt(float(wide @ wide))
    return (wide / norm).astype(np.float32)
