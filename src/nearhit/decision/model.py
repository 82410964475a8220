"""The calibrated decision: the probability that a cached answer serves a new question, and the verdict.

``DecisionModel`` is the fitted logistic regression read from ``data/decision_v1.json`` (feature names,
standardisation, weights, the default threshold, and where and when it was fitted): pure arithmetic on a
feature mapping. ``Decision`` runs the guards, applies the few vetoes that are certain, turns the rest
into features and scores them; its :class:`Judgement` says the score, the threshold, the vetoing guard if
any, and the features that pushed the score down or up the most, so a lookup can say why.

Certain vetoes (``VETOES``), kept outside the model because no similarity can make them right:
- ``language``: prompts in two languages want answers in two languages; and where the rules cannot read
  a language the features are blind, so the model would be more permissive there than in English. The
  guard's stricter similarity (``NEARHIT_GUARDS_UNCOVERED_THRESHOLD``) applies instead.
- ``code`` at full strength (code on both sides, a symbol differs): ``chmod +x`` and ``chmod -x``; a
  flag or operator changes what the code does, and the model has too few such pairs to learn it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from nearhit.decision.features import FEATURE_NAMES, features
from nearhit.guards import GuardSet, GuardSignal, GuardVerdict

__all__ = ["DEFAULT_MODEL", "VETOES", "Contribution", "Decision", "DecisionModel", "Judgement", "load_model"]

DEFAULT_MODEL = "decision_v1.json"
VETOES: dict[str, float] = {"language": 0.5, "code": 0.9}
"""Guard -> the strength at which its signal rejects outright, whatever the score."""


@dataclass(frozen=True)
class Contribution:
    """How much one feature moved the log-odds from those of the average fitted pair (negative: against)."""

    feature: str
    value: float
    effect: float

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "value": round(self.value, 4), "effect": round(self.effect, 3)}


@dataclass(frozen=True)
class DecisionModel:
    """A logistic regression on standardised features, as fitted by ``benchmarks/fit_decision.py``."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    min_similarity: float
    about: Mapping[str, Any]

    def __post_init__(self) -> None:
        sizes = {len(self.names), len(self.mean), len(self.scale), len(self.weights)}
        if len(sizes) != 1:
            raise ValueError(f"decision model: names, mean, scale and weights differ in length ({sorted(sizes)})")
        unknown = set(self.names) - set(FEATURE_NAMES)
        if unknown:
            raise ValueError(f"decision model: unknown feature(s) {sorted(unknown)}")
        if "similarity" in self.names and self.weights[self.names.index("similarity")] < 0:
            raise ValueError("decision model: the similarity weight must not be negative")
        if not 0 < self.threshold < 1:
            raise ValueError(f"decision model: threshold must be in (0, 1), got {self.threshold}")

    def contributions(self, values: Mapping[str, float]) -> list[Contribution]:
        """Each feature's effect on the log-odds, in the model's order."""
        return [
            Contribution(name, values.get(name, 0.0), w * (values.get(name, 0.0) - m) / s)
            for name, m, s, w in zip(self.names, self.mean, self.scale, self.weights, strict=True)
        ]

    def score(self, values: Mapping[str, float]) -> float:
        """The probability that the cached answer serves the new question."""
        return self.probability(self.contributions(values))

    def probability(self, contributions: Iterable[Contribution]) -> float:
        """The score from :meth:`contributions` already computed."""
        z = self.bias + sum(c.effect for c in contributions)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "about": dict(self.about),
            "threshold": self.threshold,
            "min_similarity": self.min_similarity,
            "bias": self.bias,
            "features": [
                {"name": n, "mean": m, "scale": s, "weight": w}
                for n, m, s, w in zip(self.names, self.mean, self.scale, self.weights, strict=True)
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DecisionModel:
        rows = data["features"]
        return cls(
            names=tuple(str(r["name"]) for r in rows),
            mean=tuple(float(r["mean"]) for r in rows),
            scale=tuple(float(r["scale"]) for r in rows),
            weights=tuple(float(r["weight"]) for r in rows),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            min_similarity=float(data["min_similarity"]),
            about=dict(data.get("about", {})),
        )


@cache
def load_model(name: str = DEFAULT_MODEL) -> DecisionModel:
    """A model shipped in ``nearhit/decision/data``."""
    text = resources.files("nearhit.decision").joinpath("data", name).read_text(encoding="utf-8")
    return DecisionModel.from_json(json.loads(text))


@dataclass(frozen=True)
class Judgement:
    """The decision on one candidate: served when no veto and ``score >= threshold``."""

    score: float
    threshold: float
    veto: GuardVerdict | None
    top: tuple[Contribution, ...]
    """The features that moved the score most, strongest first."""
    signals: tuple[GuardSignal, ...]

    @property
    def served(self) -> bool:
        return self.veto is None and self.score >= self.threshold

    @property
    def rejected_by(self) -> str | None:
        if self.served:
            return None
        return self.veto.guard if self.veto is not None else "decision"

    @property
    def reason(self) -> str:
        """One line: the veto's reason, or the score against the threshold and what weighed most."""
        if self.veto is not None:
            return self.veto.reason
        said = "; ".join(s.reason for s in self.signals if s.guard not in VETOES or s.strength < VETOES[s.guard])
        weighed = ", ".join(f"{c.feature} {c.effect:+.2f}" for c in self.top)
        verdict = ">=" if self.served else "<"
        return f"score {self.score:.3f} {verdict} {self.threshold:g} ({weighed})" + (f"; {said}" if said else "")


class Decision:
    """Guards + model: judges a candidate of known similarity for a query. Pure and fast (no I/O)."""

    def __init__(
        self, guards: GuardSet | None = None, model: DecisionModel | None = None, threshold: float | None = None
    ) -> None:
        self.guards = guards if guards is not None else GuardSet.default()
        self.model = model if model is not None else load_model()
        self.threshold = self.model.threshold if threshold is None else threshold
        if not 0 < self.threshold < 1:
            raise ValueError(f"decision threshold must be in (0, 1), got {self.threshold}")

    def judge(
        self, query: str, candidate: str, similarity: float, *, threshold: float | None = None, top: int = 3
    ) -> Judgement:
        """Veto, or score: how likely ``candidate``'s answer serves ``query``.

        ``threshold`` replaces the decision's own for this candidate (e.g. one learned for its entry).
        """
        used = self.threshold if threshold is None else threshold
        signals = tuple(self.guards.signals(query, candidate))
        veto = next((s for s in signals if s.guard in VETOES and s.vetoes(VETOES[s.guard], similarity)), None)
        values = features(similarity, signals, query, candidate)
        parts = self.model.contributions(values)
        score = self.model.probability(parts)
        # Explain a rejection by what pulled down, a hit by what pushed up.
        ranked = sorted(parts, key=lambda c: c.effect if score < used else -c.effect)
        return Judgement(
            score=score,
            threshold=used,
            veto=veto.verdict() if veto is not None else None,
            top=tuple(ranked[:top]),
            signals=signals,
        )
