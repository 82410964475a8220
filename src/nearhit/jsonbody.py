"""Request bodies read as strict JSON: the one parser of the FastAPI routes and the gateway.

Python's ``json`` accepts what no client should send and what then breaks far from the parser:
``NaN``/``Infinity`` and ``1e999`` (no JSON answer can echo them back), lone surrogates such as ``"\\ud800"``
(no UTF-8 encoder, Redis's included, can write them), integers of thousands of digits (``int()`` refuses
them past 4,300), nesting deep enough to exhaust the recursion limit and a key given twice in one object.
Each is refused here, saying what and where, as an :class:`InvalidJSON`: a ``json.JSONDecodeError``, so FastAPI
answers it with its own 422 ``json_invalid`` and the gateway with OpenAI's 400 ``invalid_json``.
"""

from __future__ import annotations

import codecs
import json
import math
import re
import sys
from typing import Any

from nearhit import validate
from nearhit.errors import InvalidInput

MAX_DEPTH = 64
MAX_INT_DIGITS = 32  # an int64 has 19; anything longer is not a count, a size or a seed
JSON_MEDIA_TYPE = "application/json"
_TOO_DEEP = f"arrays and objects nested more than {MAX_DEPTH} levels deep"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_MAX_INT_BITS = math.floor(MAX_INT_DIGITS * math.log2(10))  # below this, never more than MAX_INT_DIGITS digits


Path = tuple[str | int, ...]


class InvalidJSON(json.JSONDecodeError):
    """A body that is not JSON, or JSON that nearhit refuses; ``path`` leads to the value at fault, if one is."""

    def __init__(self, msg: str, doc: str, pos: int | None = None, path: Path = ()) -> None:
        super().__init__(msg, doc, pos or 0)
        self.located = pos is not None
        self.path = path

    def __str__(self) -> str:
        return super().__str__() if self.located else self.msg


def dotted(path: Path) -> str:
    """``("messages", 0, "content")`` as OpenAI names a parameter: ``messages[0].content``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).removeprefix(".")


class _Refused(Exception):
    pass


def is_json(content_type: str | None) -> bool:
    """``application/json`` or an ``application/*+json`` type, any parameters (``; charset=utf-8``)."""
    media = (content_type or "").partition(";")[0].strip().lower()
    return media == JSON_MEDIA_TYPE or (media.startswith("application/") and media.endswith("+json"))


def foreign_charset(content_type: str) -> str | None:
    """The ``charset`` a JSON media type names, when it is not UTF-8 (or ASCII, a part of it); None otherwise.
    JSON exchanged between systems must be UTF-8 (RFC 8259 8.1): a body labelled UTF-16 is either UTF-16, which
    read as UTF-8 fails with a message about bytes the client never meant, or mislabelled; neither is guessed."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"')
            try:
                known = codecs.lookup(charset).name
            except LookupError:
                return charset
            if known not in ("utf-8", "ascii"):
                return charset
    return None


def loads(raw: bytes | str) -> Any:
    """The document in ``raw`` (UTF-8), or an :class:`InvalidJSON` that says what is wrong and where."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            doc = raw[: exc.start].decode("utf-8")
            raise InvalidJSON(
                f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}): JSON must be UTF-8", doc, len(doc)
            ) from None
    else:
        text = raw
    try:
        document = json.loads(text, parse_constant=_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise InvalidJSON(exc.msg, text, exc.pos) from None
    except _Refused as exc:
        raise InvalidJSON(str(exc), text) from None
    except RecursionError:
        raise InvalidJSON(_TOO_DEEP, text) from None
    except ValueError:  # int() refuses more than sys.get_int_max_str_digits() (4,300) digits
        too_many = f"{sys.get_int_max_str_digits():,}"
        raise InvalidJSON(f"an integer of over {too_many} digits: the limit is {MAX_INT_DIGITS} digits", text) from None
    # Strictly decoded UTF-8 holds no surrogate: only a \uD800-\uDFFF escape can make one, so a text
    # without such an escape needs no string checked.
    texts = "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None
    _check(document, (), text, texts)
    if isinstance(document, dict | list):
        _check_structure(document, text, texts)
    return document


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not JSON: numbers must be finite")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different: of ``{"prompt": "a", "prompt": "b"}`` Python keeps the last value,
    other parsers (a proxy's, a firewall's) the first, so which one was meant is refused rather than guessed."""
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"the key {key[:40]!r} is given twice in one object: send each key once")
            seen.add(key)
    return document


def _check_structure(document: dict[str, Any] | list[Any], text: str, texts: bool) -> None:
    """Depth and every value, walked without recursion (number hooks in ``json.loads`` would cost a Python
    call per number: 7x on an 8,192-float embedding)."""
    stack: list[tuple[Any, Path]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if len(path) >= MAX_DEPTH:
            raise InvalidJSON(_TOO_DEEP, text)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if texts and type(key) is str:
                _text(key, path, text, key=True)
            kind = type(item)  # the common cases inline: a call per value would double the cost
            if kind is float:
                if item - item != 0.0:  # inf - inf is NaN
                    _check(item, (*path, key), text, texts)
            elif kind is str:
                if texts:
                    _text(item, (*path, key), text)
            elif kind is dict or kind is list:
                stack.append((item, (*path, key)))
            elif kind is int and item.bit_length() > _MAX_INT_BITS:
                _check(item, (*path, key), text, texts)


def _check(value: Any, path: Path, text: str, texts: bool) -> None:
    """One scalar: text without lone surrogates, a finite float, an integer of at most ``MAX_INT_DIGITS``."""
    kind = type(value)
    if kind is str:
        if texts:
            _text(value, path, text)
    elif kind is float:
        if not math.isfinite(value):
            raise InvalidJSON(f"{_where(path)} is out of range: numbers must be finite 64-bit floats", text, path=path)
    elif kind is int and value.bit_length() > _MAX_INT_BITS:
        digits = len(str(abs(value)))
        if digits > MAX_INT_DIGITS:
            raise InvalidJSON(
                f"{_where(path)} is an integer of {digits:,} digits: the limit is {MAX_INT_DIGITS} digits",
                text,
                path=path,
            )


def _where(path: Path) -> str:
    return f"'{dotted(path)}'" if path else "the body"


def _text(value: str, path: Path, text: str, key: bool = False) -> None:
    try:
        validate.unicode_text(value, f"a key of {_where(path)}" if key else _where(path))
    except InvalidInput as exc:
        raise InvalidJSON(str(exc), text, path=path) from None
