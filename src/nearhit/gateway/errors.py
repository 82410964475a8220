"""The one error the gateway raises on purpose, and its body in OpenAI's error schema."""

from __future__ import annotations

from typing import Any

from nearhit.errors import NearhitError
from nearhit.jsonbody import InvalidJSON, dotted


class GatewayError(NearhitError):
    """A request the gateway refuses or an upstream failure, as OpenAI would report it.

    The HTTP layer answers ``status`` with :meth:`body`; ``headers`` go along (``retry-after`` on a 429).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def invalid(message: str, param: str | None = None, code: str | None = None) -> GatewayError:
    """A 400 for a request that breaks the schema or asks for something the gateway does not do."""
    return GatewayError(message, param=param, code=code)


def invalid_json(exc: InvalidJSON) -> GatewayError:
    """A body :mod:`nearhit.jsonbody` refused, naming the value at fault when there is one."""
    return invalid(
        f"We could not parse the JSON body of your request ({exc}). The body must be a JSON object.",
        dotted(exc.path) or None,
        "invalid_json",
    )


def unsupported(param: str, what: str) -> GatewayError:
    return GatewayError(
        f"{what} not supported by this gateway yet: the cache would have to drop '{param}' and answer something "
        "else than you asked for. Send the request to the provider directly.",
        param=param,
        code="unsupported_parameter",
    )


def upstream(message: str, status: int | None, retry_after: float | None = None) -> GatewayError:
    """The provider's failure with the provider's status (502 when it was never reached or gave none)."""
    code = status if status is not None and 400 <= status < 600 else 502
    if code == 429:
        kind, error_code = "rate_limit_error", "rate_limit_exceeded"
    elif code >= 500:
        kind, error_code = "server_error", "upstream_error"
    else:
        kind, error_code = "invalid_request_error", "upstream_error"
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
    return GatewayError(message, status=code, type=kind, code=error_code, headers=headers)


SHOWN_CHARS = 64
"""How much of a refused value (or an unknown field's name) a 400 repeats: a 1 MB value was sent back whole."""


def shown(value: object) -> str:
    """``value``'s ``repr`` for a message, cut to :data:`SHOWN_CHARS` with its length."""
    return _cut(repr(value))


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS]}... ({len(text):,} characters)"


def unrecognised(name: str) -> GatewayError:
    """A request field (or a message's, ``messages[0].foo``) OpenAI does not know: its name cut as :func:`shown`
    cuts a value (an unknown name of 1 MB was sent back twice, in the message and the param)."""
    name = _cut(name)
    return invalid(f"Unrecognized request argument supplied: {name}", name, "unknown_parameter")


def json_type(value: object) -> str:
    """How an error message names a JSON value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
