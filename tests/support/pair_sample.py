"""A sample of the bundled datasets' pairs whose size does not grow with them: the tests that walk the pairs (the
guards' memo, their reasons under two hash seeds) took ~65 and ~100 s of ``make test`` with 310 sets bundled, and
each session bundles more. ``NEARHIT_TEST_EVERY_PAIR=1`` walks every pair."""

from __future__ import annotations

import os

EVERY_PAIR = os.environ.get("NEARHIT_TEST_EVERY_PAIR") == "1"


def step(total: int, budget: int) -> int:
    """Every how many pairs to take, in each set, so that about ``budget`` of ``total`` are walked (1: every pair,
    when there are fewer or ``NEARHIT_TEST_EVERY_PAIR=1``)."""
    return 1 if EVERY_PAIR or total <= budget else -(-total // budget)
