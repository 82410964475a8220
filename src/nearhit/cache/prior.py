"""The evidence an error-bounded cache starts from: what the static decision's verdicts were worth on DEV pairs.

Without it a new index has no labels, so no similarity region is proven and every candidate the guards let
through is withheld to learn (about 30% of lookups on our sets). The static decision is itself evidence: on
the DEV splits of our single-turn sets, the candidates it lets through at similarity 0.88 or above were all
right. ``data/bound_prior.json`` holds those DEV outcomes per similarity bin and per judge (the guards as
vetoes, or the calibrated decision at its threshold), counted by ``benchmarks/fit_bound_prior.py``; the policy
adds them to the index's own histogram, so the upper confidence bound covers the prior and the traffic alike.
A prior is a claim about traffic that looks like the DEV pairs: the index's own labels (a "wrong" from feedback
or an audit) narrow the region as soon as traffic disagrees. A judge the file does not know (a custom guard
set, another decision threshold) gets no prior.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nearhit.cache.bounded import BINS, Histogram

if TYPE_CHECKING:
    from nearhit.decision import Decision
    from nearhit.guards import GuardSet

SHIPPED = "bound_prior.json"

PriorFor = Callable[["GuardSet | None", "Decision | None"], Histogram | None]
"""The prior evidence for the judge a cache runs (its guards, its decision), or None: none applies."""


def judge_key(guards: GuardSet | None, decision: Decision | None) -> str | None:
    """A name for the static judge whose verdicts a prior was counted under; None for no judge at all."""
    if decision is not None:
        return f"decision {decision.threshold:g} over {','.join(decision.guards.names)}"
    if guards is not None:
        return f"guards {','.join(guards.names)}"
    return None


def histogram_of(bins: dict[str, list[int]]) -> Histogram:
    """``{"<bin>": [right, wrong], ...}`` (sparse, as in the file) as a histogram."""
    right, wrong = [0] * BINS, [0] * BINS
    for index, (r, w) in bins.items():
        right[int(index)], wrong[int(index)] = int(r), int(w)
    return Histogram(tuple(right), tuple(wrong))


def sparse(histogram: Histogram) -> dict[str, list[int]]:
    """The inverse of :func:`histogram_of`: only the bins with evidence."""
    return {str(i): [r, w] for i, (r, w) in enumerate(zip(histogram.right, histogram.wrong, strict=True)) if r or w}


def read(text: str) -> dict[str, Histogram]:
    """Judge key -> prior, from a prior file's text."""
    data: dict[str, Any] = json.loads(text)
    return {key: histogram_of(bins) for key, bins in data["priors"].items()}


@functools.cache
def _shipped() -> dict[str, Histogram]:
    return read(resources.files("nearhit.cache").joinpath("data", SHIPPED).read_text(encoding="utf-8"))


def shipped(guards: GuardSet | None, decision: Decision | None) -> Histogram | None:
    """The prior the package ships for this judge (:data:`PriorFor`)."""
    key = judge_key(guards, decision)
    return None if key is None else _shipped().get(key)


def no_prior(guards: GuardSet | None, decision: Decision | None) -> Histogram | None:
    """No prior: the index learns from its own labels only (:data:`PriorFor`)."""
    return None


def from_file(path: Path) -> PriorFor:
    """The priors of a file written by ``benchmarks/fit_bound_prior.py`` (e.g. fitted on one's own pairs)."""
    priors = read(path.read_text(encoding="utf-8"))

    def prior_for(guards: GuardSet | None, decision: Decision | None) -> Histogram | None:
        key = judge_key(guards, decision)
        return None if key is None else priors.get(key)

    return prior_for
