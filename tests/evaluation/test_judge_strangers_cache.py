"""The judge training script's kept strangers (``cross_encoder_judge.py --strangers-cache``): each set's nearest
other stored sides are ranked once and read back while the set is unchanged, and ranked again once its pairs change.
The embedder here stands in for all-MiniLM-L6-v2 (not installed in nearhit's venv): one fixed vector per text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.benchmarks import load_script

cross_encoder_judge = load_script("cross_encoder_judge")

VECTORS = {"ports?": (1.0, 0.0), "port number?": (0.9, 0.1), "users?": (0.0, 1.0), "default user?": (0.1, 0.9)}


class Embedder:
    """Counts its calls; a text's vector from :data:`VECTORS`, normalised."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str], **_: Any) -> np.ndarray:
        self.calls += 1
        vectors = np.array([VECTORS[text] for text in texts])
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def pair(pair_id: str, stored: str, asked: str) -> dict[str, Any]:
    return {"id": pair_id, "a": [["user", stored]], "b": [["user", asked]]}


def test_a_sets_strangers_are_ranked_once_and_again_when_its_pairs_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = Embedder()
    monkeypatch.setattr(cross_encoder_judge, "_embedder", lambda: embedder)
    cache = tmp_path / "strangers.json"
    sets = {"v1": [pair("p1", "ports?", "port number?"), pair("p2", "users?", "default user?")]}

    first = cross_encoder_judge.strangers_by_set(sets, 1, cache)
    cosine = pytest.approx(0.1 / np.hypot(0.9, 0.1))  # each asked side against the other pair's stored side
    assert first == {"v1": [[(1, cosine)], [(0, cosine)]]}
    assert (embedder.calls, cache.exists()) == (2, True)

    assert cross_encoder_judge.strangers_by_set(sets, 1, cache) == first
    assert embedder.calls == 2, "an unchanged set was ranked again"

    sets["v1"].append(pair("p3", "port number?", "ports?"))
    again = cross_encoder_judge.strangers_by_set(sets, 1, cache)
    assert embedder.calls == 4, "a set with a pair added was read from the cache"
    assert len(again["v1"]) == 3
