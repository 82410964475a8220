"""What a test's Redis clients write to their sockets, one write (a round trip's commands) at a time."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import pytest
from redis.asyncio.connection import AbstractConnection

T = TypeVar("T")
_NAME_RE = re.compile(rb"\*\d+\r\n\$\d+\r\n([A-Za-z.]+)\r\n")


def record(monkeypatch: pytest.MonkeyPatch, keep: Callable[[bytes], T]) -> list[T]:
    """``keep`` of every write to a Redis socket from now on (its bytes), for the test's duration."""
    seen: list[T] = []
    original = AbstractConnection.send_packed_command

    async def keeping(self: AbstractConnection, command: object, check_health: bool = True) -> None:
        chunks = [command] if isinstance(command, (bytes, str, memoryview)) else list(command)  # type: ignore[call-overload]
        seen.append(keep(b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in chunks)))
        await original(self, command, check_health)  # type: ignore[arg-type]

    monkeypatch.setattr(AbstractConnection, "send_packed_command", keeping)
    return seen


def command_names(payload: bytes) -> list[str]:
    """The names of the commands one write carried, upper-cased, in order."""
    return [name.decode().upper() for name in _NAME_RE.findall(payload)]
