"""The one dev/test split of every labelled set: fixed by id, so what we tune on never leaks into what we report.

An item is in TEST iff ``sha256("nearhit-split-v1:<id>") % 100 < 30``, else in DEV (the rule every part of the
project uses, fow-cache's ids and ours alike). Rules, weights and thresholds are chosen on DEV only; TEST is
read once, for the figures we publish. A hash of the id, not a shuffle, so the split never depends on the
order or the size of a file and adding pairs never moves an old one across.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Literal, Protocol, TypeVar

Split = Literal["dev", "test"]
SPLITS: tuple[str, ...] = ("dev", "test", "all")
SALT = "nearhit-split-v1"
TEST_PERCENT = 30


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


def split_of(item_id: str) -> Split:
    """``test`` or ``dev`` for the item with this id."""
    digest = hashlib.sha256(f"{SALT}:{item_id}".encode()).hexdigest()
    return "test" if int(digest, 16) % 100 < TEST_PERCENT else "dev"


def select(items: Iterable[T], split: str) -> list[T]:
    """The items of ``split`` (``dev``, ``test`` or ``all``), in their original order."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    return [item for item in items if split == "all" or split_of(item.id) == split]
