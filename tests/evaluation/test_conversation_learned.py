"""``benchmarks/conversation_learned.py``'s add threshold: a margin over the fitted traps the rules refuse, and with
``--capped`` over those the turn cap lets the add serve only — a 12-turn trap the cap never reads must not raise it
(the refit on ninety sets lost its gain so, lr38); a vetoed trap never counts."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest

from tests.support.benchmarks import load_script


@pytest.fixture(scope="module")
def learned() -> ModuleType:
    return load_script("conversation_learned")


def _row(should_hit: bool, turns: float, facts: float = 0.0) -> dict[str, Any]:
    x = {"q_veto": 0.0, "facts_veto": facts, "turns": turns}
    return {"set": "s", "id": "p", "should_hit": should_hit, "rules": False, "x": x}


ROWS = [_row(False, 12.0), _row(False, 2.0), _row(False, 2.0, facts=1.0), _row(True, 2.0)]
SCORES = np.array([0.95, 0.90, 0.99, 0.97])


def test_the_threshold_is_over_every_trap_by_default(learned: ModuleType) -> None:
    assert learned._threshold("add", SCORES, ROWS, 0) == pytest.approx(0.95)


def test_capped_the_threshold_reads_only_the_traps_within_the_cap(learned: ModuleType) -> None:
    assert learned._threshold("add", SCORES, ROWS, 0, learned._within(7.0, True)) == pytest.approx(0.90)


def test_a_vetoed_trap_is_never_counted_nor_served(learned: ModuleType) -> None:
    assert learned.vetoed(ROWS[2])
    assert not learned.served("add", ROWS[2], 1.0, 0.5)
