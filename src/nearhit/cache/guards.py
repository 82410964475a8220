"""Moved to :mod:`nearhit.guards`; re-exported here for the evaluation runner and the benchmarks, which
still import this path (their owners switch to ``nearhit.guards`` when the branches meet)."""

from nearhit.guards import (
    GUARD_NAMES,
    DirectionGuard,
    EntityGuard,
    Guard,
    GuardSet,
    GuardVerdict,
    NegationGuard,
    NumberGuard,
)

__all__ = [
    "GUARD_NAMES",
    "DirectionGuard",
    "EntityGuard",
    "Guard",
    "GuardSet",
    "GuardVerdict",
    "NegationGuard",
    "NumberGuard",
]
