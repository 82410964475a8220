"""A cap on the share of lookups the wrong-hit bound explores (``NEARHIT_MAX_EXPLORATION_RATE``, opt-in).

Under ``NEARHIT_MAX_WRONG_RATE`` a candidate the static decision would serve is withheld to learn (an
exploration: the LLM is called, and the cached answer labelled against its answer) until the index's labels
prove its region within the bound. On a new cache that can be a quarter of the lookups. The cap bounds it: in
any ``window`` consecutive lookups of this cache process at most ``allowed`` explore; past that the static
decision's answer is served, unproven, and the lookup says so (``bound.reason``: :data:`OVER_BUDGET`). The cost
is the bound's promise: those answers are served on the static decision alone, not within the bound.

One process's lookups, in memory: the cap is on the LLM calls this process spends, which is what it paces.
"""

from __future__ import annotations

import math
from collections import deque

WINDOW = 100
"""Lookups the share is counted over (more when the rate is under one in 100: a window allows one at least)."""

OVER_BUDGET = "exploration budget spent: served on the static decision (NEARHIT_MAX_EXPLORATION_RATE)"


def check_rate(value: float, name: str = "NEARHIT_MAX_EXPLORATION_RATE") -> float:
    """The rate, or ValueError naming ``name``: a share of lookups in (0, 1]."""
    if not (math.isfinite(value) and 0.0 < value <= 1.0):
        raise ValueError(f"{name} must be a share of lookups in (0, 1], e.g. 0.2; got {value!r}")
    return value


class ExplorationBudget:
    """At most ``allowed`` explorations in any ``window`` consecutive lookups (a sliding window, not fixed
    blocks: no burst of twice the share across a block's edge)."""

    def __init__(self, rate: float) -> None:
        self.rate = check_rate(rate)
        self.window = max(WINDOW, math.ceil(1.0 / self.rate))
        self.allowed = math.floor(self.rate * self.window + 1e-9)
        self._lookups = 0
        self._explored: deque[int] = deque()  # the lookup numbers of the explorations still in the window

    def tick(self) -> None:
        """One more lookup (every lookup, hit or miss: the share is of lookups)."""
        self._lookups += 1

    def spend(self) -> bool:
        """Whether the current lookup may explore; counts it if so."""
        while self._explored and self._explored[0] <= self._lookups - self.window:
            self._explored.popleft()
        if len(self._explored) >= self.allowed:
            return False
        self._explored.append(self._lookups)
        return True
