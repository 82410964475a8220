"""The token alignment probe's readings (``benchmarks/token_alignment.py``): each side's content tokens matched to the
other side's on the default embedder's token vectors, the rules it counts, and the groups it reads."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from nearhit.evaluation import Side
from tests.support.benchmarks import load_script

STORY = Side(
    "Can I let them free range in the garden?",
    (("user", "I've got 3 hens and a big garden."), ("assistant", "Lovely. Any problems so far?")),
)
ADDED = Side(
    "Can I let them free range in the garden?",
    (
        ("user", "I've got 3 hens and a big garden. There's a bird flu housing order in our area at the moment."),
        ("assistant", "Lovely. Any problems so far?"),
    ),
)


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("token_alignment")


@pytest.fixture(scope="module")
def aligner(script: ModuleType) -> object:
    return script.Aligner()


def test_the_same_side_matches_every_token(script: ModuleType, aligner: object) -> None:
    texts = script.pieces(STORY, "all")
    features = aligner.features(texts, texts, 0.5)  # type: ignore[attr-defined]
    assert features["p"] == pytest.approx(1.0, abs=1e-5) and features["r"] == pytest.approx(1.0, abs=1e-5)
    assert features["un_a"] == features["un_b"] == 0


def test_what_one_side_adds_is_unmatched_on_that_side_only(script: ModuleType, aligner: object) -> None:
    features = aligner.features(script.pieces(STORY, "users"), script.pieces(ADDED, "users"), 0.5)  # type: ignore[attr-defined]
    assert features["un_a"] == 0 and features["min_a"] > 0.8  # every stored token is found on the asked side
    assert features["un_b"] >= 2 and features["min_b"] < 0.5  # "bird flu housing order" is not on the stored side
    sentences = aligner.sentence_features(STORY, ADDED)  # type: ignore[attr-defined]
    # the stored side says no sentence the asked side lacks (1.0 up to float32 rounding, which BLAS builds differ in)
    assert sentences["add_b"] < sentences["add_a"] == pytest.approx(1.0, abs=1e-5)


def test_a_rule_refuses_where_every_condition_holds(script: ModuleType) -> None:
    rows = [{"tc": 0.9, "min_b": 0.99}, {"tc": 0.99, "min_b": 0.99}, {"tc": 0.9, "min_b": 0.5}]
    rule = script.parse_rule("min_b>=0.9688 & tc<=0.964")
    assert script.refused(rows, rule).tolist() == [True, False, False]
    with pytest.raises(SystemExit):
        script.parse_rule("min_b=0.5")


def test_a_logistic_cut_takes_a_tie_whole(script: ModuleType) -> None:
    """Three traps and three should-hits share the top value of the one feature: no cut may keep half the tie."""
    rows = [{"same": False, **dict.fromkeys(script.FEATURES, 1.0)} for _ in range(3)]
    rows += [{"same": True, **dict.fromkeys(script.FEATURES, 1.0)} for _ in range(3)]
    rows += [{"same": True, **dict.fromkeys(script.FEATURES, float(v))} for v in np.linspace(0, 0.5, 40)]
    found = script.best_logistic(rows, 2)
    assert found is not None and found[1:3] == (3, 3)


def test_the_groups_are_tune_confirm_and_validation(script: ModuleType) -> None:
    assert script.group("conversations") == script.group("nearhit-conversations-v113") == "tune"
    assert script.group("nearhit-conversations-v114") == script.group("nearhit-conversations-v129") == "confirm"
    assert script.group("nearhit-conversations-v130") == script.group("nearhit-conversations-v137") == "validation"
    assert script.MEASURED_VALIDATION[-1] == "nearhit-conversations-v137"
    assert "nearhit-conversations-v129" in script.MEASURED_FIT and "conversations" in script.MEASURED_FIT
    assert not any(script._version(name) >= 130 for name in script.MEASURED_FIT)
