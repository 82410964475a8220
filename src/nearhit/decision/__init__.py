"""The calibrated decision: whether a semantic candidate's answer serves a new question, as a probability.

``features`` turns a (query, cached prompt, similarity) into numbers (the guards' signals, lexical
differences); ``model`` scores them with a logistic regression fitted on the DEV splits
(``data/decision_v3.json``, fitted with the other pairs' questions as negatives; v2 and v1 still load) and applies
the vetoes its file names; ``fit`` is the numpy fitting used by ``benchmarks/fit_decision*.py``; ``choice`` says
which judged candidate the engine serves: the nearest that passes, under the threshold only the nearest, none
past a veto.
"""

from nearhit.decision.features import FEATURE_NAMES, features
from nearhit.decision.model import DEFAULT_MODEL, VETOES, Contribution, Decision, DecisionModel, Judgement, load_model

__all__ = [
    "DEFAULT_MODEL",
    "FEATURE_NAMES",
    "VETOES",
    "Contribution",
    "Decision",
    "DecisionModel",
    "Judgement",
    "features",
    "load_model",
]
