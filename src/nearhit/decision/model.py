"""The calibrated decision: the probability that a cached answer serves a new question, and the verdict.

``DecisionModel`` is a fitted logistic regression read from ``data/`` (``decision_v3.json`` by default;
feature names, standardisation, weights, the default threshold, which vetoes apply, how far under the
similarity threshold it judges, and where and when it was fitted): pure arithmetic on a feature mapping.
``Decision`` runs the guards, applies the vetoes, turns the rest into features and scores them; its
:class:`Judgement` says the score, the threshold, the vetoing guard if any, and the features that pushed
the score down or up the most, so a lookup can say why.

v3 has v2's vetoes and margin, and is fitted with what a scope of many questions serves as negatives (each
query's nearest other questions of its set, ``benchmarks/fit_decision_shared.py``): v2, fitted on pairs alone,
passed another question of the topic under the similarity threshold whenever no guard vetoed it.

Vetoes, kept outside the model:
- v2 and v3 (``"vetoes": "guards"``): every guard at its cut, as the guards-as-vetoes default does. Refitted on
  eight sets, the guards' strengths and the lexical measures as features did not transfer from one set to
  another (``benchmarks/fit_decision.py --leave-one-set-out``); the veto at the cut did.
- v1 (``"vetoes": "certain"``): only those in ``VETOES``, where no similarity can make the answer right:
  ``language`` (prompts in two languages want answers in two languages; and where the rules cannot read a
  language the features are blind, so the guard's stricter similarity applies) and ``code`` at full
  strength (``chmod +x`` and ``chmod -x``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial
from importlib import resources
from typing import Any

from nearhit.decision.features import FEATURE_NAMES, GUARD_FEATURES, features, read_guards, strongest_only
from nearhit.guards import GuardSet, GuardSignal, GuardVerdict
from nearhit.guards.guard_set import PAIRS_REMEMBERED

__all__ = ["DEFAULT_MODEL", "VETOES", "Contribution", "Decision", "DecisionModel", "Judgement", "load_model"]

DEFAULT_MODEL = "decision_v3.json"
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
    guard_vetoes: bool = False
    """Every guard vetoes at its cut (v2); else only the certain ``VETOES`` (v1)."""
    margin: float = 0.0
    """How far under the similarity threshold candidates are judged (the model was fitted down to there)."""

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
        if not 0 <= self.margin < 1:
            raise ValueError(f"decision model: margin must be in [0, 1), got {self.margin}")

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
            "margin": self.margin,
            "vetoes": "guards" if self.guard_vetoes else "certain",
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
            guard_vetoes=_vetoes(data.get("vetoes", "certain")),
            margin=float(data.get("margin", 0.0)),
        )


def _vetoes(kind: object) -> bool:
    if kind not in ("guards", "certain"):
        raise ValueError(f"decision model: vetoes must be 'guards' or 'certain', got {kind!r}")
    return kind == "guards"


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
    every_signal: Callable[[], Sequence[GuardSignal]] = field(repr=False, compare=False)
    """Every guard's signal on the pair, read when asked: past a veto the score reads only the guards it weighs
    (``GuardSet.signals``, memoised, each guard once)."""

    @property
    def signals(self) -> tuple[GuardSignal, ...]:
        return tuple(self.every_signal())

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
        self._read = read_guards(self.model.names)
        self._strongest_only = strongest_only(self.model.names)
        self.pair_features = lru_cache(maxsize=PAIRS_REMEMBERED)(self._pair_features)

    @property
    def margin(self) -> float:
        """How far under the similarity threshold a candidate is still judged (the model's fitted floor)."""
        return self.model.margin

    def veto(self, query: str, candidate: str, similarity: float) -> GuardVerdict | None:
        """The veto the model's file names: any guard at its cut, or only a certain one."""
        if self.model.guard_vetoes:
            return self.guards.first_rejection(query, candidate, similarity)
        signals = self.guards.signals(query, candidate)
        found = next((s for s in signals if s.guard in VETOES and s.vetoes(VETOES[s.guard], similarity)), None)
        return found.verdict() if found is not None else None

    def judge(
        self, query: str, candidate: str, similarity: float, *, threshold: float | None = None, top: int = 3
    ) -> Judgement:
        """Veto, or score: how likely ``candidate``'s answer serves ``query``.

        ``threshold`` replaces the decision's own for this candidate (e.g. one learned for its entry).
        """
        used = self.threshold if threshold is None else threshold
        veto = self.veto(query, candidate, similarity)
        values = {**self.pair_features(query, candidate), "similarity": similarity}
        parts = self.model.contributions(values)
        score = self.model.probability(parts)
        # Explain a rejection by what pulled down, a hit by what pushed up.
        ranked = sorted(parts, key=lambda c: c.effect if score < used else -c.effect)
        return Judgement(
            score=score,
            threshold=used,
            veto=veto,
            top=tuple(ranked[:top]),
            every_signal=partial(self.guards.signals, query, candidate),
        )

    def _pair_features(self, query: str, candidate: str) -> dict[str, float]:
        """The features the model weighs that depend on the pair alone (all but the similarity): memoised as
        :attr:`pair_features`, so a pair judged again, at any similarity, is a dict read and the arithmetic."""
        names = self.model.names
        quiet = "quiet" in names and self.guards.quiet(query, candidate)
        return features(0.0, self._scored_signals(query, candidate), query, candidate, quiet=quiet, names=names)

    def _scored_signals(self, query: str, candidate: str) -> list[GuardSignal]:
        """The signals the score reads: the guards' deciding ones (their memo, which the veto read), and past a
        guard that vetoes at any similarity only the guards the model weighs, until none can move its features
        (the strongest signal at full strength). The score is the same as on every signal, for less work: the
        guards after a veto were a third of a vetoed pair's first look."""
        deciding = self.guards.deciding_signals(query, candidate)
        found = [s for s in deciding if s is not None]
        full = self._strongest_only and any(s.strength >= 1.0 and s.guard in GUARD_FEATURES for s in found)
        for index in range(len(deciding), len(self.guards.guards)):
            if full:
                break
            if self.guards.guards[index].name not in self._read:
                continue
            if (signal := self.guards.signal_after(query, candidate, index)) is not None:
                found.append(signal)
                full = self._strongest_only and signal.strength >= 1.0 and signal.guard in GUARD_FEATURES
        return found
