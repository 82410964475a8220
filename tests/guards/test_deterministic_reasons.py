"""A guard's reason is the same in every process: a reason that named words in a set's order changed with
Python's per-process string hashing (``PYTHONHASHSEED``), so one pair was explained two ways and a before/after
comparison of the guards (``benchmarks/guards_signals.py``) could not tell a change from the seed."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SIGNALS = """
import json
import sys
sys.path.insert(0, ROOT)
from nearhit.evaluation.dataset import BUILTIN, load
from nearhit.guards import GuardSet
from tests.support.pair_sample import step
guards = GuardSet.default()
sets = [load(name, "dev") for name in BUILTIN]
every = step(sum(map(len, sets)), BUDGET)
for pairs in sets:
    for pair in pairs[::every]:
        for q, c in ((pair.b.prompt, pair.a.prompt), (pair.a.prompt, pair.b.prompt)):
            signals = [guard.signal(q, c) for guard in guards.guards]
            print(json.dumps([pair.id, [None if s is None else s.reason for s in signals]]))
"""


ROOT = Path(__file__).resolve().parents[2]
"""The checkout, whose ``tests.support`` the script imports from wherever pytest runs."""
BUDGET = 16_000
"""About how many dev pairs each process reads (:mod:`tests.support.pair_sample`; all ~49,000 took ~100 s)."""


def _reasons(seed: str) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    script = SIGNALS.replace("BUDGET", str(BUDGET)).replace("ROOT", repr(str(ROOT)))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_dev_pairs_reasons_are_the_same_under_two_hash_seeds() -> None:
    with ThreadPoolExecutor(2) as pool:  # each process reads ~16,000 dev pairs: side by side
        first, second = pool.map(_reasons, ("1", "2"))
    assert len(first) > 5_000
    differing = [(a, b) for a, b in zip(first, second, strict=True) if a != b]
    assert not differing, differing[:3]
