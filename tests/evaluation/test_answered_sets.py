"""``benchmarks/answered_sets.py``: every dev pair of -v86..-v97 gets the answer written for its ``a``, and no test pair
is written (the answers were written for the dev splits only)."""

from __future__ import annotations

from pathlib import Path

from nearhit.evaluation import dataset
from tests.support.benchmarks import load_script


def test_each_dev_pair_carries_its_answer_and_no_test_pair_is_written(tmp_path: Path) -> None:
    script = load_script("answered_sets")
    counts = script.write(tmp_path)
    assert counts == {name: len(dataset.load(name, "dev")) for name in script.SETS}
    pairs = dataset.load(str(tmp_path / "nearhit-conversations-v94_dev.jsonl"), "all")
    assert {p.id for p in pairs} == {p.id for p in dataset.load("nearhit-conversations-v94", "dev")}
    assert all(p.a_answer and not p.a_answer.startswith("cached answer for") for p in pairs)
