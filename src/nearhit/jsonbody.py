"""Request bodies read as strict JSON: the one parser of the FastAPI routes and the gateway.

Python's ``json`` accepts what no client should send and what then breaks far from the parser:
``NaN``/``Infinity`` and ``1e999`` (no JSON answer can echo them back), lone surrogates such as ``"\\ud800"``
(no UTF-8 encoder, Redis's included, can write them), integers of thousands of digits (``int()`` refuses
them past 4,300) and nesting deep enough to exhaust the recursion limit. Each is refused here, saying what
and where, as an :class:`InvalidJSON`: a ``json.JSONDecodeError``, so FastAPI answers it with its own 422
``json_invalid`` and the gateway with OpenAI's 400 ``invalid_json``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from nearhit.cache import validate
from nearhit.errors import InvalidInput

MAX_DEPTH = 64
MAX_INT_DIGITS = 32  # an int64 has 19; anything longer is not a count, a size or a seed
JSON_MEDIA_TYPE = "application/json"
_TOO_DEEP = f"arrays and objects nested more than {MAX_DEPTH} levels deep"


Path = tuple[str | int, ...]


class InvalidJSON(json.JSONDecodeError):
    """A body that is not JSON, or JSON that nearhit refuses; ``path`` leads to the value at fault, if one is."""

    def __init__(self, msg: str, doc: str, pos: int | None = None, path: Path = ()) -> None:
        super().__init__(msg, doc, pos or 0)
        self.located = pos is not None
        self.path = path

    def __str__(self) -> str:
        return super().__str__() if self.located else self.msg

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.msg, self.doc, self.pos if self.located else None, self.path)


def dotted(path: Path) -> str:
    """``("messages", 0, "content")`` as OpenAI names a parameter: ``messages[0].content``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).removeprefix(".")


class _Refused(Exception):
    pass


def is_json(content_type: str | None) -> bool:
    """``application/json`` or an ``application/*+json`` type, any parameters (``; charset=utf-8``)."""
    media = (content_type or "").partition(";")[0].strip().lower()
    return media == JSON_MEDIA_TYPE or (media.startswith("application/") and media.endswith("+json"))


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
        document = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise InvalidJSON(exc.msg, text, exc.pos) from None
    except _Refused as exc:
        raise InvalidJSON(str(exc), text) from None
    except RecursionError:
        raise InvalidJSON(_TOO_DEEP, text) from None
    if isinstance(document, str | dict | list):
        _check_structure(document, text)
    return document


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not JSON: numbers must be finite")


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _Refused(f"the number {literal[:40]} is out of range: numbers must be finite 64-bit floats")
    return value


def _int(literal: str) -> int:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"an integer of {digits:,} digits: the limit is {MAX_INT_DIGITS} digits")
    return int(literal)


def _check_structure(document: Any, text: str) -> None:
    """Depth and text, walked without recursion: every string (keys included) must be valid Unicode."""
    stack: list[tuple[Any, Path]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            _text(value, f"'{dotted(path)}'" if path else "the body", path, text)
            continue
        if len(path) >= MAX_DEPTH:
            raise InvalidJSON(_TOO_DEEP, text)
        if isinstance(value, dict):
            for key, item in value.items():
                _text(key, f"a key of '{dotted(path)}'" if path else "a key of the body", path, text)
                if isinstance(item, str | dict | list):
                    stack.append((item, (*path, key)))
        else:
            for i, item in enumerate(value):
                if isinstance(item, str | dict | list):
                    stack.append((item, (*path, i)))


def _text(value: str, name: str, path: Path, text: str) -> None:
    try:
        validate.unicode_text(value, name)
    except InvalidInput as exc:
        raise InvalidJSON(str(exc), text, path=path) from None
