"""``benchmarks/decision_bands.py``: the alignment measures on golden pairs (``alignment_golden.jsonl``: DEV pairs
of nearhit-v3 and pairs invented with other words), the neighbours a query is looked up against, and the quiet
band chosen for a set without its own labels."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from nearhit.evaluation import Pair, split_of
from nearhit.evaluation.dataset import Side

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
GOLDEN = Path(__file__).with_name("alignment_golden.jsonl")


@pytest.fixture(scope="module")
def bands() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCHMARKS))  # the script imports fit_decision beside it
    try:
        yield importlib.import_module("decision_bands")
    finally:
        sys.path.remove(str(BENCHMARKS))


def golden() -> list[dict[str, Any]]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_golden_pairs_are_dev_pairs_or_invented() -> None:
    for pair in golden():
        assert pair["source"] == "invented" or split_of(pair["id"]) == "dev", pair["id"]


def test_alignment_of_each_golden_pair(bands: ModuleType) -> None:
    for pair in golden():
        found = bands.alignment(pair["query"], pair["cached"])
        assert set(found) == set(bands.ALIGNMENT_NAMES)
        for name in bands.ALIGNMENT_NAMES:
            assert found[name] == pytest.approx(pair[name], abs=1e-3), (pair["id"], name)


def test_words_only_a_backstory_adds_are_counted_apart(bands: ModuleType) -> None:
    told = bands.alignment(
        "Our kitchen tap has dripped all week and the landlord ignores us. How do I replace a washer in a mixer tap?",
        "How do I replace a washer in a mixer tap?",
    )
    assert told["unmatched_question"] == 0 and told["unmatched_backstory"] > 0
    assert told["coverage_cached"] == 1.0 and told["coverage_query"] < 1.0
    swapped = bands.alignment("Which grease suits a road bike chain?", "Which grease suits a mountain bike chain?")
    assert swapped["unmatched_question"] == 2 and swapped["unmatched_backstory"] == 0


def row(bands: ModuleType, dataset: str, n: int, similarity: float, same: bool, *, passes: bool = True) -> Any:
    pair = Pair(f"{dataset}-{n}", "c", Side(f"cached {dataset} {n}"), Side(f"asked {dataset} {n}"), same)
    return bands.Row(dataset, pair, similarity, {"similarity": similarity}, passes, False, True)


def test_neighbours_are_other_pairs_nearest_first(bands: ModuleType) -> None:
    data = [row(bands, "s", n, 0.9, True) for n in range(5)]
    # A sixth pair caches the first one's question word for word: that is an exact hit, not a neighbour.
    data.append(replace(data[0], pair=replace(data[0].pair, id="s-5", a=Side("asked s 0"), b=Side("asked s 5"))))
    angles = {f"cached s {n}": n * 0.3 for n in range(5)} | {f"asked s {n}": n * 0.3 + 0.01 for n in range(6)}

    class Fixed:
        def encode(self, texts: list[str]) -> np.ndarray:
            return np.array([[np.cos(angles[t]), np.sin(angles[t])] for t in texts])

    found = bands.neighbours(data, Fixed())
    for n, near in enumerate(found[:5]):
        prompts = [prompt for prompt, _ in near]
        assert f"cached s {n}" not in prompts  # its own cached prompt is not a neighbour
        assert f"asked s {n}" not in prompts  # nor its own question
        assert len(near) == bands.CANDIDATES
        assert [s for _, s in near] == sorted((s for _, s in near), reverse=True)
    assert found[2][0][0] in ("cached s 1", "cached s 3")


def test_a_sets_band_is_chosen_without_its_labels(bands: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bands, "SETS", ("one", "two"))
    # Per set: look-alikes the guards veto, and quiet paraphrases from just under the threshold down to 0.51.
    data = [
        row(bands, name, n, 0.9 if n < 50 else 0.76 - 0.0025 * (n - 49), n >= 50, passes=n >= 50)
        for name in ("one", "two")
        for n in range(150)
    ]
    before = bands.chosen_band(data)
    assert before == {"one": 0.25, "two": 0.25}
    # Set "one" turned around: its paraphrases are now look-alikes a wide band serves.
    flipped = [
        replace(r, pair=replace(r.pair, same_answer=not r.pair.same_answer)) if r.dataset == "one" else r for r in data
    ]
    after = bands.chosen_band(flipped)
    assert after["one"] == before["one"]  # its own labels never choose its band
    assert after["two"] < before["two"]  # they choose the other set's


def test_a_gate_narrows_the_band_only(bands: ModuleType) -> None:
    data = [row(bands, "s", 0, 0.9, True), row(bands, "s", 1, 0.7, True)]
    assert list(bands.band_served(data, 0.1)) == [True, True]
    assert list(bands.band_served(data, 0.1, lambda query, candidate: False)) == [True, False]
    assert bands.aligned("Can I plant tulip bulbs in March?", "In March, can I plant tulip bulbs?")
    assert not bands.aligned("Does the gym open on bank holidays?", "How do I cancel my gym membership?")
    assert bands.english("Can I plant tulip bulbs in March?", "In March, can I plant tulip bulbs?")
    assert not bands.english("Hoe verleng ik mijn rijbewijs?", "Hoe kan ik mijn abonnement opzeggen?")
