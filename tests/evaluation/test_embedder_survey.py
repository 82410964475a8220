"""The embedder survey's measures (``benchmarks/embedders.py``): its threshold respects both budgets, a set's own
pairs never choose the threshold that scores it, and the safetensors reader behind the numpy encoder reads
what the format stores."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests.support.benchmarks import load_script


@pytest.fixture(scope="module")
def survey() -> ModuleType:
    return load_script("embedders")


def _measured(survey: ModuleType, score: list[float], unrelated: list[float]) -> object:
    n = len(score)
    return survey.Measured(
        similarity=np.asarray(score),
        score=np.asarray(score),
        unrelated=np.asarray(unrelated),
        unrelated_score=np.asarray(unrelated),
        retrieves_own=np.ones(n, dtype=bool),
    )


def test_the_threshold_keeps_both_the_trap_and_the_unrelated_budget(survey: ModuleType) -> None:
    labels = np.array([True, True, False, False, False, False])
    # traps alone would allow 0.40 (no trap reaches it); one unrelated pair at 0.62 of 100 breaks a 0.1% budget
    m = _measured(survey, [0.9, 0.5, 0.3, 0.3, 0.3, 0.3], [0.62] + [0.1] * 99)
    rows = np.ones(len(labels), dtype=bool)
    assert survey.threshold_at(m, labels, rows, 0.0) == pytest.approx(0.625)


def test_a_set_is_scored_at_the_threshold_the_other_sets_chose(survey: ModuleType) -> None:
    # set A: a trap at 0.8 that its own threshold would have to climb over; set B: traps low, a should-hit at 0.7
    labels = np.array([True, False, True, False])
    m = _measured(survey, [0.85, 0.8, 0.7, 0.35], [0.0] * 10)
    served = survey.leave_one_set_out(m, labels, [slice(0, 2), slice(2, 4)], 0.0)
    # A is scored at B's threshold (0.36): its trap is served, which A's own threshold would have hidden;
    # B at A's (0.805): its should-hit at 0.7 is not
    assert served.tolist() == [True, True, False, False]


def test_safetensors_are_read_as_stored(tmp_path: Path) -> None:
    encoder = load_script("numpy_transformer")
    weights = np.arange(6, dtype=np.float32).reshape(2, 3)
    ids = np.array([[7, 8]], dtype=np.int64)
    header = {
        "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, weights.nbytes]},
        "ids": {"dtype": "I64", "shape": [1, 2], "data_offsets": [weights.nbytes, weights.nbytes + ids.nbytes]},
        "__metadata__": {"format": "pt"},
    }
    raw = json.dumps(header).encode()
    path = tmp_path / "model.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + weights.tobytes() + ids.tobytes())
    tensors = encoder.read_safetensors(path)
    assert set(tensors) == {"w", "ids"}
    np.testing.assert_array_equal(tensors["w"], weights)
    np.testing.assert_array_equal(tensors["ids"], ids)
