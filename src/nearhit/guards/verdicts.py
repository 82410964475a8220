"""What a guard says about a (query, cached prompt) pair."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["Guard", "GuardVerdict"]


@dataclass(frozen=True)
class GuardVerdict:
    """Why a candidate was rejected: the guard's name and a short human-readable reason."""

    guard: str
    reason: str


class Guard(Protocol):
    """A check on (query, cached prompt); ``None`` means the candidate may be served."""

    name: str

    def check(self, query: str, candidate: str) -> GuardVerdict | None: ...
