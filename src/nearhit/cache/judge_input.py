"""What the conversation judge reads of a pair of conversations (:mod:`nearhit.cache.judge`): one renderer, imported by
the script that trains and scores it too (``benchmarks/cross_encoder_judge.py``), so a served judge reads its pairs as
its training read them. Pure Python: the training venv imports it without nearhit's dependencies."""

from __future__ import annotations

from collections.abc import Sequence

MAX_TOKENS = 160
"""The longest pair the judge reads, ``[CLS]`` and both ``[SEP]`` included: what the measured judge was trained and
scored on (uncut pairs of the FIT sets: p50 99, p95 156 tokens; benchmarks/README.md)."""

Turns = Sequence[Sequence[str]]
"""A side: its ``(role, text)`` turns, its question last as a ``user`` turn."""


def rendered(turns: Turns) -> str:
    """A side as its turns, one ``role: text`` a line, the question last."""
    return "\n".join(f"{role}: {text}" for role, text in turns)


def pair_ids(first: Sequence[int], second: Sequence[int], cls: int, sep: int, limit: int = MAX_TOKENS) -> list[int]:
    """``[CLS] first [SEP] second [SEP]`` within ``limit`` tokens (each side's token ids, without special tokens),
    each side cut from the left (its oldest turns go first, its question survives); the longer side gives way
    first."""
    a, b = list(first), list(second)
    room = limit - 3
    if len(a) + len(b) > room:
        keep_a = len(a) if len(a) <= room // 2 else max(room // 2, room - len(b))
        a, b = a[len(a) - keep_a :], b[max(0, len(b) - (room - keep_a)) :]
    return [cls, *a, sep, *b, sep]
