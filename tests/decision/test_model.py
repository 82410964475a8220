"""The model: monotonic in similarity, its file checked on load, and the numpy fit it comes from."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.decision import FEATURE_NAMES, Decision, DecisionModel, load_model
from nearhit.decision.fit import fit
from nearhit.guards.guard_set import DEFAULT_QUIET_MARGIN


def test_higher_similarity_never_lowers_the_score() -> None:
    model = load_model()
    rng = random.Random(13)
    for _ in range(500):
        values = {name: rng.random() for name in FEATURE_NAMES}
        scores = [model.score({**values, "similarity": s}) for s in np.linspace(0.0, 1.0, 21)]
        assert scores == sorted(scores)


def test_the_same_pair_scores_higher_when_more_similar() -> None:
    decision = Decision()
    query, candidate = "How do I reset my router?", "How can I factory reset my router?"
    scores = [decision.judge(query, candidate, s).score for s in (0.76, 0.85, 0.95, 1.0)]
    assert scores == sorted(scores)


def test_the_model_file_says_what_it_was_fitted_on() -> None:
    model = load_model()
    assert "dev" in model.about["split"] and "test split is never read" in model.about["split"]
    assert model.about["fitted"] and model.about["data"]
    assert 0 < model.threshold < 1 and model.guard_vetoes
    assert len(model.about["sets"]) == 16 and "shared wrong answers" in model.about["threshold_rule"]
    assert "other pairs' questions" in model.about["negatives"]  # fitted on what a shared scope serves
    # Fitted down to the quiet band's floor, and judged down to there in the engine.
    assert model.margin == DEFAULT_QUIET_MARGIN
    assert model.min_similarity == round(DEFAULT_SIMILARITY_THRESHOLD - model.margin, 4)


def test_v1_still_loads_with_only_its_certain_vetoes_and_no_margin() -> None:
    v1 = load_model("decision_v1.json")
    assert not v1.guard_vetoes and v1.margin == 0.0 and v1.min_similarity == 0.76
    decision = Decision(model=v1)
    # A guard at its cut that is not a certain veto: v1 scores it, v2 vetoes it.
    query, candidate = "How do I disable dark mode?", "How do I enable dark mode?"
    assert decision.judge(query, candidate, 0.92).veto is None
    assert Decision().judge(query, candidate, 0.92).rejected_by == "negation"


def test_an_unknown_kind_of_veto_is_refused() -> None:
    data = load_model().to_json()
    data["vetoes"] = "some"
    with pytest.raises(ValueError, match="vetoes must be 'guards' or 'certain'"):
        DecisionModel.from_json(data)


def test_the_decision_reads_quiet_from_the_guards() -> None:
    decision = Decision()
    every = len(decision.model.names)
    quiet = decision.judge("How can I reset my password?", "How do I reset my password?", 0.9, top=every)
    loud = decision.judge("How do I reset my password on Linux?", "How do I reset my password?", 0.9, top=every)
    assert decision.guards.quiet("How can I reset my password?", "How do I reset my password?")
    assert {c.feature: c.value for c in quiet.top}["quiet"] == 1.0
    assert {c.feature: c.value for c in loud.top}["quiet"] == 0.0


def test_a_model_file_that_breaks_monotonicity_is_refused() -> None:
    data = load_model().to_json()
    data["features"][0]["weight"] = -0.5  # similarity
    with pytest.raises(ValueError, match="similarity weight must not be negative"):
        DecisionModel.from_json(data)


def test_a_model_round_trips_through_json() -> None:
    model = load_model()
    assert DecisionModel.from_json(json.loads(json.dumps(model.to_json()))) == model


def test_a_threshold_outside_the_open_unit_interval_is_refused() -> None:
    with pytest.raises(ValueError, match=r"in \(0, 1\)"):
        Decision(threshold=1.0)


def test_the_fit_learns_a_clear_signal_and_keeps_a_constrained_weight_non_negative() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((400, 2))
    y = (x[:, 0] > 0.5).astype(float)  # the first feature decides; the second is anti-correlated noise
    x[:, 1] = 1 - x[:, 0] + 0.1 * rng.random(400)
    fitted = fit(x, y, l2=0.01, nonnegative=[False, True])
    assert fitted.weights[1] == 0.0 and fitted.weights[0] > 1.0
    assert ((fitted.probabilities(x) >= 0.5) == (y == 1)).mean() > 0.95


def test_a_threshold_given_for_one_candidate_replaces_the_default() -> None:
    decision = Decision()
    query, candidate = "How can I reset my password?", "How do I reset my password?"
    default = decision.judge(query, candidate, 0.9)
    assert default.served and default.threshold == decision.threshold
    stricter = decision.judge(query, candidate, 0.9, threshold=min(0.999999, default.score + 1e-6))
    assert not stricter.served and stricter.rejected_by == "decision"
