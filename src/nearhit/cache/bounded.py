"""Error-bounded serving: from labelled observations to serve / explore / miss. Pure: state in, decision out.

An *observation* is one labelled (query, entry) pair: the query's embedding, its similarity to the entry, and
whether the entry's answer was right for it (feedback, a judge, or a fresh answer compared with the cached one).

Two kinds of evidence decide:

- **Per entry** (the entry's own observations, kept with it in Redis). A wrong observation is a *negative*: a
  new query is refused that entry when it is at least as close to the negative as the negative was to the
  entry, and at least as close to the negative as to the entry (:func:`refusing_negative`). So the same
  question, or a closer look-alike, is never served that entry again, while a paraphrase nearer the entry
  than the negative still is. A right observation whose query is :data:`SAME_QUESTION` similar to the new
  one *verifies* the entry for it.
- **Per index** (all observations, as a histogram of similarity bins). The policy serves the similarity
  region ``[t, 1]`` for the lowest ``t`` at which the upper confidence bound (one-sided Wilson) of the
  wrong-hit rate among the observations at ``t`` or above is at most the bound: the wrong-hit rate of the
  hits it serves is then under the bound with 95% confidence, if traffic keeps looking like the evidence.
  The region grows as evidence grows. Below ``t`` a candidate is withheld and labelled once the LLM has
  answered: an *exploration* when the static decision would have served it, a plain miss otherwise. Inside
  the served region a few hits are still withheld to keep checking (an *audit*), at a rate that falls as
  the index's *own* labels in the region grow. A prior (``cache.prior``) may open a region, but nothing there
  is served until the index's own labels confirm it (:data:`CONFIRM`): the prior is a claim about other data,
  and on a set nobody tuned on it, it let wrong answers through before any label of the index said so. Nor is
  a candidate served on the region alone at a similarity where a wrong outcome was seen (:data:`NEAR_BINS`).
  A withheld candidate is not an exploration when the index's own labels already show the static decision
  wrong more often than the bound wherever the policy could serve it (:func:`refuted`): that is the bound's
  refusal, a labelled miss as under the static threshold, not an LLM call spent to learn.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import add
from typing import Literal

import numpy as np

BINS = 100  # similarity bins of width 0.01 over [0, 1]
Z_ONE_SIDED_95 = 1.6448536269514722
SAME_QUESTION = 0.97  # a labelled query this similar to the new one is the same question asked again
FLOOR = 0.65  # the lowest similarity the policy ever considers (learning may serve below the static threshold)
AUDIT_SCALE = 10.0  # audit rate = 1 / (1 + own labels / AUDIT_SCALE): 50% at 10, 9% at 100, 2.4% at 400
MIN_BOUND, MAX_BOUND = 0.0, 0.5
NEAR_BINS = 1
"""A candidate within this many bins (0.01 each) of a wrong outcome (the prior's or the index's) is checked,
never served on the region alone: wrong answers cluster at the similarities where the judge is fooled."""
CONFIRM = 5.0
"""A region the prior opened is served once the index's own labels in it put the wrong rate under CONFIRM x the
bound (95% upper bound: 25 clean labels at a 2% bound), or are at least as many as that takes and do not show
the rate over the bound (:func:`confirms`); until then every candidate there is checked."""
REFUSE_ALPHA = 0.05
"""A region is shown over the bound when ``wrong`` or more wrong labels in its ``total`` would come less often than
this from a wrong rate at the bound (an exact one-sided 95% test, as the bound's own is one-sided 95%)."""
EXACT_UP_TO = 50
"""Up to this many wrong labels the test is exact (:func:`binomial_tail`, a term per wrong label); past it, on the
lookup path of a long-lived index, Wilson's lower bound, close to it by then."""
EPS = 1e-6  # float32 rounding: the index may put the same text at 1.0000001, a cosine computed here at 0.9999999

Action = Literal["serve", "explore", "miss"]
VERIFIED = "the same question was labelled right for this entry"


@dataclass(frozen=True)
class Observation:
    """One labelled (query, entry) pair kept with the entry."""

    right: bool
    similarity: float  # between the query and the entry
    vector: np.ndarray  # the query's embedding


@dataclass(frozen=True)
class Histogram:
    """Every labelled observation of an index, counted per similarity bin."""

    right: tuple[int, ...] = (0,) * BINS
    wrong: tuple[int, ...] = (0,) * BINS

    @property
    def total(self) -> int:
        return sum(self.right) + sum(self.wrong)

    def plus(self, other: Histogram | None) -> Histogram:
        """Both histograms' counts, bin by bin (an index's labels and the prior it starts from)."""
        if other is None:
            return self
        return Histogram(tuple(map(add, self.right, other.right)), tuple(map(add, self.wrong, other.wrong)))


@dataclass(frozen=True)
class Decision:
    """What to do with a candidate the static decision found, and why (shown in the lookup result)."""

    action: Action
    reason: str
    served_from: float  # the lowest similarity served now (1.01: none yet)
    audit: bool = False
    verified: bool = False  # served because this very question was labelled right for the entry
    refused: bool = False  # withheld where the index's own labels show the static decision over the bound

    @property
    def explores(self) -> bool:
        """Withheld to learn: the answer is checked against a fresh one (a probe that explores)."""
        return self.action == "explore"


def check_bound(value: float, name: str = "NEARHIT_MAX_WRONG_RATE") -> float:
    """The bound, or ValueError naming ``name``: a rate in (0, 0.5]."""
    if not (math.isfinite(value) and MIN_BOUND < value <= MAX_BOUND):
        raise ValueError(f"{name} must be a wrong-hit rate in (0, 0.5], e.g. 0.02; got {value!r}")
    return value


def bin_of(similarity: float) -> int:
    return min(BINS - 1, max(0, int(similarity * BINS)))


def _wilson(wrong: int, total: int, z: float) -> tuple[float, float, float]:
    """The Wilson interval of ``wrong`` in ``total`` (> 0): its bounds are (centre -/+ half) / scale."""
    p = wrong / total
    z2 = z * z
    centre = p + z2 / (2 * total)
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return centre, half, 1 + z2 / total


def wilson_upper(wrong: int, total: int, z: float = Z_ONE_SIDED_95) -> float:
    """One-sided upper confidence bound of a rate; 1.0 without evidence."""
    if total <= 0:
        return 1.0
    centre, half, scale = _wilson(wrong, total, z)
    return min(1.0, (centre + half) / scale)


def wilson_lower(wrong: int, total: int, z: float = Z_ONE_SIDED_95) -> float:
    """One-sided lower confidence bound of a rate; 0.0 without a wrong (or without evidence)."""
    if total <= 0 or wrong <= 0:
        return 0.0
    centre, half, scale = _wilson(wrong, total, z)
    return max(0.0, (centre - half) / scale)


def binomial_tail(wrong: int, total: int, rate: float) -> float:
    """P(at least ``wrong`` wrong in ``total`` labels) at a wrong rate of ``rate`` (exact; Wilson's lower bound is
    far too high at one wrong in a few)."""
    if wrong <= 0:
        return 1.0
    term, below = (1.0 - rate) ** total, 0.0
    for k in range(wrong):  # P(X = k), from P(X = 0) by the ratio of successive terms
        below += term
        term *= (total - k) / (k + 1) * rate / (1.0 - rate)
    return max(0.0, 1.0 - below)


def shown_over(wrong: int, total: int, bound: float) -> bool:
    """Whether ``wrong`` in ``total`` labels show the wrong rate over ``bound`` (one-sided 95%)."""
    if wrong <= EXACT_UP_TO:
        return binomial_tail(wrong, total, bound) < REFUSE_ALPHA
    return wilson_lower(wrong, total) > bound


def refuted(histogram: Histogram, similarity: float, bound: float) -> tuple[int, int] | None:
    """(wrong, total) of the index's own labels at ``similarity`` or above when they, and those of every region
    ``[t, 1]`` that holds ``similarity`` (from :data:`FLOOR`), show the wrong rate over ``bound``
    (:data:`REFUSE_ALPHA`); else None. Then no region the policy serves could serve the candidate on this
    traffic's evidence, whatever the prior says: withholding it is a refusal, not a check."""
    wrong = total = 0
    here, shown = bin_of(similarity), None
    for index in range(BINS - 1, bin_of(FLOOR) - 1, -1):
        wrong += histogram.wrong[index]
        total += histogram.right[index] + histogram.wrong[index]
        if index == here:
            shown = wrong, total
        if index <= here and not shown_over(wrong, total, bound):
            return None
    return shown


@functools.cache
def confirm_labels(bound: float) -> int:
    """How many clean labels of the index's own confirm a region the prior opened (25 at a 2% bound)."""
    n = 1
    while wilson_upper(0, n) > CONFIRM * bound:
        n += 1
    return n


def confirms(own_wrong: int, own: int, bound: float) -> bool:
    """Whether the index's own labels in a region the prior opened confirm it: their wrong rate's upper bound is
    under CONFIRM x ``bound``; or they are at least as many as a clean confirmation takes and their lower bound
    is not over ``bound``. Without the second, one wrong label in 25 (which a 2% rate gives 40% of the time)
    asked for about 20 more clean ones, and an index's own labels lean wrong: a served answer's "right" from
    feedback is not counted (``FeedbackStore.observe``), its "wrong" is; the region's own bound (the prior and
    the labels together) and the checks next to a wrong outcome still apply."""
    if wilson_upper(own_wrong, own) <= CONFIRM * bound:
        return True
    return own >= confirm_labels(bound) and wilson_lower(own_wrong, own) <= bound


def served_from(histogram: Histogram, bound: float) -> tuple[float, int]:
    """The lowest similarity ``t`` whose region ``[t, 1]`` has a wrong-rate bound under ``bound`` (1.01 when
    none has), and how many observations that region holds."""
    best, evidence = 1.01, 0
    wrong = total = 0
    for index in range(BINS - 1, -1, -1):
        here = histogram.right[index] + histogram.wrong[index]
        wrong += histogram.wrong[index]
        total += here
        if here and wilson_upper(wrong, total) <= bound:  # a region starts where there is evidence, never below it
            best, evidence = index / BINS, total
    return best, evidence


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b)) / norms if norms else 0.0


def refusing_negative(query: np.ndarray, similarity: float, observations: Sequence[Observation]) -> Observation | None:
    """The negative that refuses this entry to ``query`` (at ``similarity`` to the entry), or None.

    Refused iff, for a wrong observation ``n``: cos(query, n) >= max(cos(n, entry), cos(query, entry)).
    """
    for observation in observations:
        if (
            not observation.right
            and _cosine(query, observation.vector) >= max(observation.similarity, similarity) - EPS
        ):
            return observation
    return None


def verified(query: np.ndarray, observations: Sequence[Observation]) -> bool:
    """True when a right observation's query is the same question as ``query`` (>= SAME_QUESTION)."""
    return any(o.right and _cosine(query, o.vector) >= SAME_QUESTION for o in observations)


def audit_rate(own: int) -> float:
    """The share of candidates in the served region withheld to check it, given the index's own labels there."""
    return 1.0 / (1.0 + own / AUDIT_SCALE)


def decide(
    similarity: float,
    *,
    static_threshold: float,
    bound: float,
    histogram: Histogram,
    is_verified: bool,
    draw: float,
    prior: Histogram | None = None,
) -> Decision:
    """Serve, explore or miss a candidate the guards let through at ``similarity``. ``histogram``: the index's
    own labels; ``prior``: evidence it starts from (counted in the region, not in the audit rate). ``draw`` is
    a uniform random number in [0, 1) (the caller's, so the decision is reproducible)."""
    evidence_now = histogram.plus(prior)
    start, evidence = served_from(evidence_now, bound)
    if is_verified:
        return Decision("serve", VERIFIED, start, verified=True)
    if similarity >= start:
        first, here = bin_of(start), bin_of(similarity)
        own, own_wrong = sum(histogram.right[first:]) + sum(histogram.wrong[first:]), sum(histogram.wrong[first:])
        if not confirms(own_wrong, own, bound):
            reason = f"checking: {own} own labels at {start:.2f} or above do not confirm the region yet"
            return _check(similarity, static_threshold, bound, histogram, reason, start)
        if any(evidence_now.wrong[max(0, here - NEAR_BINS) : here + NEAR_BINS + 1]):
            reason = f"checking: a wrong answer was seen near {similarity:.2f}"
            return _check(similarity, static_threshold, bound, histogram, reason, start)
        if draw < audit_rate(own):
            reason = f"audit: {own} own labels of {evidence} observations at {start:.2f} or above"
            return _check(similarity, static_threshold, bound, histogram, reason, start)
        return Decision("serve", f"wrong-hit bound holds at {start:.2f} or above ({evidence} observations)", start)
    where = "no region is proven yet" if start > 1 else f"only {start:.2f} or above is proven"
    reason = f"uncertain at {similarity:.3f}: {where}"
    return _check(similarity, static_threshold, bound, histogram, reason, start, audit=False)


def _check(
    similarity: float,
    static_threshold: float,
    bound: float,
    histogram: Histogram,
    reason: str,
    start: float,
    *,
    audit: bool = True,
) -> Decision:
    """Withhold a candidate (to check the served region: ``audit``; or outside it). Only one the static decision
    would have served is an exploration (an LLM call spent to learn); one under the static threshold is a miss
    without the bound too, so checking it costs nothing: a labelled miss. So is one the index's own labels
    refuse (:func:`refuted`): the LLM is called because the evidence says no, not to learn; labelled the same."""
    if similarity < static_threshold:
        return Decision("miss", reason, start)
    shown = refuted(histogram, similarity, bound)
    if shown is not None:
        wrong, total = shown
        reason = (
            f"refused at {similarity:.3f}: the index's own labels show the wrong rate over {bound:g} in every region"
            f" that holds it ({wrong} wrong in {total} at {similarity:.2f} or above)"
        )
        return Decision("miss", reason, start, refused=True)
    return Decision("explore", reason, start, audit=audit)


# Two answers to the same question, embedded by the cache's embedder, agree at or above this cosine: the offline
# stand-in for a judge when an exploration compares the fresh answer with the cached one. A fixed cut (MiniLM
# puts rephrasings of one answer above ~0.9 and answers to different questions mostly below).
ANSWERS_AGREE = 0.9


def answers_agree(cached: np.ndarray, fresh: np.ndarray) -> bool:
    return _cosine(cached, fresh) >= ANSWERS_AGREE
