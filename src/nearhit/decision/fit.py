"""Fitting the decision: an L2-regularised logistic regression in numpy, with sign constraints.

No scikit-learn: the package needs only numpy to fit and to score. Features are standardised (mean 0,
scale 1) so one regularisation strength treats them alike; weights that must not be negative (the
similarity's, so a more similar candidate never scores lower) are projected onto ``>= 0`` after each
step of an accelerated proximal gradient (FISTA), which converges for this convex problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Fitted", "fit"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Fitted:
    """Weights on standardised features: ``p = sigmoid(bias + sum(weights * (x - mean) / scale))``."""

    mean: Array
    scale: Array
    weights: Array
    bias: float

    def probabilities(self, x: Array) -> Array:
        z = self.bias + ((x - self.mean) / self.scale) @ self.weights
        return 1.0 / (1.0 + np.exp(-z))


def fit(x: Array, y: Array, *, l2: float, nonnegative: Sequence[bool], iterations: int = 4000) -> Fitted:
    """Minimise mean log-loss + ``l2/2 * |w|^2`` (the bias is not penalised); ``nonnegative[i]`` keeps w_i >= 0."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    n, d = z.shape
    penalty = np.full(d, l2)
    penalty[-1] = 0.0
    lower = np.array([0.0 if keep else -np.inf for keep in nonnegative] + [-np.inf])
    step = 1.0 / (0.25 * np.linalg.norm(z, 2) ** 2 / n + l2)
    w = np.zeros(d)
    w[-1] = np.log((y.mean() + 1e-6) / (1 - y.mean() + 1e-6))
    previous, momentum = w.copy(), 1.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        gradient = z.T @ (p - y) / n + penalty * w
        current = np.maximum(w - step * gradient, lower)
        following = (1 + np.sqrt(1 + 4 * momentum**2)) / 2
        w = current + ((momentum - 1) / following) * (current - previous)
        w = np.maximum(w, lower)
        previous, momentum = current, following
    return Fitted(mean=mean, scale=scale, weights=previous[:-1], bias=float(previous[-1]))
