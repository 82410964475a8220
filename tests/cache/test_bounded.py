"""The error-bounded policy and the negative rule, as pure functions: state in, decision out."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from nearhit.cache import bounded
from nearhit.cache.bounded import Histogram, Observation


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def at_angle(similarity: float) -> np.ndarray:
    """A unit vector in the plane at cosine ``similarity`` to (1, 0, 0)."""
    return unit(similarity, float(np.sqrt(1 - similarity**2)), 0.0)


def histogram(**bins: tuple[int, int]) -> Histogram:
    """``histogram(b90=(right, wrong))``: counts in the bins named by their lower edge in hundredths."""
    right, wrong = [0] * bounded.BINS, [0] * bounded.BINS
    for name, (r, w) in bins.items():
        right[int(name[1:])], wrong[int(name[1:])] = r, w
    return Histogram(tuple(right), tuple(wrong))


def test_a_negative_refuses_the_same_query_and_closer_look_alikes_only() -> None:
    entry = unit(1, 0, 0)
    negative = Observation(right=False, similarity=0.85, vector=at_angle(0.85))
    # the same query again
    assert bounded.refusing_negative(negative.vector, 0.85, [negative]) is negative
    # a look-alike between the negative and its mirror image: nearer the negative than the negative was to the entry
    near_negative = unit(0.80, 0.60, 0.0)
    assert float(near_negative @ negative.vector) >= 0.85 > float(near_negative @ entry)
    assert bounded.refusing_negative(near_negative, float(near_negative @ entry), [negative]) is negative
    # a paraphrase nearer the entry than the negative: still served
    paraphrase = at_angle(0.97)
    assert bounded.refusing_negative(paraphrase, 0.97, [negative]) is None
    # a question on the other side of the entry, as far from it as the negative: not the negative's look-alike
    other_side = unit(0.85, -float(np.sqrt(1 - 0.85**2)), 0.0)
    assert bounded.refusing_negative(other_side, 0.85, [negative]) is None
    # a right observation never refuses
    assert bounded.refusing_negative(negative.vector, 0.85, [Observation(True, 0.85, negative.vector)]) is None


def test_a_negative_labelled_at_a_similarity_rounded_above_one_refuses_the_same_query() -> None:
    # The index puts a text identical to the entry at 1.0000001 (float32); the same text asked again must be refused.
    same = at_angle(0.999999)
    negative = Observation(right=False, similarity=1.0000001, vector=same)
    assert bounded.refusing_negative(same.copy(), 1.0000001, [negative]) is negative


def test_the_same_question_labelled_right_verifies_the_entry() -> None:
    asked = at_angle(0.8)
    assert bounded.verified(asked, [Observation(True, 0.8, asked)])
    assert not bounded.verified(asked, [Observation(False, 0.8, asked)])
    assert not bounded.verified(at_angle(0.95), [Observation(True, 0.8, asked)])


def test_no_evidence_serves_nothing_and_explores_what_the_static_decision_would_serve() -> None:
    empty = Histogram()
    assert bounded.served_from(empty, 0.02) == (1.01, 0)
    explore = bounded.decide(0.9, static_threshold=0.76, bound=0.02, histogram=empty, is_verified=False, draw=0.5)
    assert explore.action == "explore" and "no region is proven yet" in explore.reason
    below = bounded.decide(0.7, static_threshold=0.76, bound=0.02, histogram=empty, is_verified=False, draw=0.5)
    assert below.action == "miss"


def test_the_served_region_is_where_the_upper_bound_is_under_the_bound() -> None:
    # 300 right at 0.90-0.91, 2 wrong at 0.85 among 20, 10 wrong among 20 at 0.80
    evidence = histogram(b90=(300, 0), b85=(18, 2), b80=(10, 10))
    start, count = bounded.served_from(evidence, 0.02)
    assert start == 0.85 and count == 320  # 2/320 has an upper bound under 2%; adding 10/20 at 0.80 does not
    assert bounded.wilson_upper(2, 320) <= 0.02 < bounded.wilson_upper(12, 340)
    serve = bounded.decide(0.87, static_threshold=0.9, bound=0.02, histogram=evidence, is_verified=False, draw=0.99)
    assert serve.action == "serve"  # learned to serve below the static threshold (0.87: no wrong outcome next to it)
    withheld = bounded.decide(0.82, static_threshold=0.76, bound=0.02, histogram=evidence, is_verified=False, draw=0.99)
    assert withheld.action == "explore" and "only 0.85 or above is proven" in withheld.reason
    verified = bounded.decide(0.82, static_threshold=0.76, bound=0.02, histogram=evidence, is_verified=True, draw=0.0)
    assert verified.action == "serve"


def test_a_prior_adds_its_counts_to_the_index_labels() -> None:
    prior = histogram(b90=(200, 0))
    labels = histogram(b90=(1, 3))
    assert bounded.served_from(labels, 0.02)[0] > 1  # alone, the labels prove nothing
    assert bounded.served_from(Histogram().plus(prior), 0.02) == (0.9, 200)  # the prior alone proves [0.90, 1]
    assert bounded.served_from(labels.plus(prior), 0.02)[0] > 1  # 3 wrong labels out of 204 undo it
    assert labels.plus(None) is labels


def test_audits_fall_as_evidence_grows() -> None:
    assert bounded.audit_rate(0) == 1.0
    assert bounded.audit_rate(100) > bounded.audit_rate(400) > bounded.audit_rate(4000)
    evidence = histogram(b95=(400, 0))
    rate = bounded.audit_rate(400)
    audit = bounded.decide(
        0.96, static_threshold=0.76, bound=0.02, histogram=evidence, is_verified=False, draw=rate / 2
    )
    assert audit.action == "explore" and audit.audit
    plain = bounded.decide(0.96, static_threshold=0.76, bound=0.02, histogram=evidence, is_verified=False, draw=rate)
    assert plain.action == "serve"


@pytest.mark.parametrize("value", [0.0, -0.1, 0.51, 1.0, float("nan"), float("inf")])
def test_a_bound_outside_zero_to_a_half_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match=r"NEARHIT_MAX_WRONG_RATE must be a wrong-hit rate in \(0, 0.5\]"):
        bounded.check_bound(value)
    assert bounded.check_bound(0.5) == 0.5 and bounded.check_bound(0.02) == 0.02


def test_answers_agree_at_the_fixed_cut() -> None:
    assert bounded.answers_agree(at_angle(0.95), unit(1, 0, 0))
    assert not bounded.answers_agree(at_angle(0.85), unit(1, 0, 0))


def test_a_region_the_prior_opens_is_checked_until_the_index_own_labels_confirm_it() -> None:
    prior = histogram(b95=(400, 0))

    def at_096(own: Histogram) -> bounded.Decision:
        return bounded.decide(
            0.96, static_threshold=0.76, bound=0.02, histogram=own, is_verified=False, draw=0.99, prior=prior
        )

    opened = at_096(Histogram())
    assert opened.served_from == 0.95 and opened.action == "explore" and "do not confirm" in opened.reason
    # 25 clean labels of the index's own put the upper bound under 5 x 2%: served from then on (bar audits)
    assert at_096(histogram(b96=(25, 0))).action == "serve"
    assert at_096(histogram(b96=(20, 0))).action == "explore"


def test_one_wrong_label_does_not_withdraw_a_confirmation_only_labels_over_the_bound_do() -> None:
    prior = histogram(b90=(2000, 0))

    def at_096(own: Histogram) -> bounded.Decision:
        return bounded.decide(
            0.96, static_threshold=0.76, bound=0.02, histogram=own, is_verified=False, draw=0.99, prior=prior
        )

    assert bounded.confirm_labels(0.02) == 25
    # one wrong among 25 labels (a 2% rate gives one 40% of the time): still confirmed, served away from the wrong
    assert at_096(histogram(b91=(24, 1))).action == "serve"
    # fewer labels than a clean confirmation takes: checked
    assert at_096(histogram(b91=(23, 1))).action == "explore"
    # three wrong in 40: the lower bound of the index's own rate is over 2%, the confirmation is withdrawn
    withdrawn = at_096(histogram(b91=(37, 3)))
    assert withdrawn.action == "explore" and "do not confirm" in withdrawn.reason
    assert bounded.wilson_lower(3, 40) > 0.02 >= bounded.wilson_lower(1, 25) > 0
    assert bounded.wilson_lower(0, 40) == bounded.wilson_lower(1, 0) == 0.0


def test_a_candidate_next_to_a_wrong_outcome_is_checked_not_served() -> None:
    evidence = histogram(b90=(300, 0), b93=(40, 1))  # one wrong among many right: the region still holds
    assert bounded.served_from(evidence, 0.02)[0] == 0.9
    for similarity in (0.925, 0.935, 0.945):  # the bin of the wrong outcome and its neighbours
        near = bounded.decide(
            similarity, static_threshold=0.76, bound=0.02, histogram=evidence, is_verified=False, draw=0.99
        )
        assert near.action == "explore" and "wrong answer was seen near" in near.reason
    far = bounded.decide(0.905, static_threshold=0.76, bound=0.02, histogram=evidence, is_verified=False, draw=0.99)
    assert far.action == "serve"
    verified = bounded.decide(0.935, static_threshold=0.76, bound=0.02, histogram=evidence, is_verified=True, draw=0.0)
    assert verified.action == "serve" and verified.verified


def test_a_check_in_the_region_under_the_static_threshold_is_a_miss_not_an_exploration() -> None:
    prior = histogram(b80=(400, 0))
    # unconfirmed (no own labels), next to a wrong outcome, or an audit: withheld either way, an exploration only
    # where the static decision would have served it
    cases = {"unconfirmed": (Histogram(), 0.99), "near": (histogram(b80=(30, 0), b85=(30, 1)), 0.99)}
    cases["audit"] = (histogram(b80=(30, 0)), 0.0)
    for own, draw in cases.values():
        decide = functools.partial(
            bounded.decide, 0.85, bound=0.02, histogram=own, is_verified=False, draw=draw, prior=prior
        )
        above, below = decide(static_threshold=0.76), decide(static_threshold=0.9)
        assert above.served_from == below.served_from == 0.8 and above.reason == below.reason
        assert (above.action, above.audit) == ("explore", True)
        assert (below.action, below.audit) == ("miss", False)


def test_binomial_tail_is_the_exact_chance_of_that_many_wrong_or_more() -> None:
    def exact(wrong: int, total: int, rate: float) -> float:
        def term(k: int) -> float:  # in logs: C(2500, k) is too large for a float
            return math.exp(math.log(math.comb(total, k)) + k * math.log(rate) + (total - k) * math.log1p(-rate))

        return sum(term(k) for k in range(wrong, total + 1))

    for wrong, total in ((0, 0), (0, 10), (1, 1), (1, 2), (2, 5), (3, 40), (10, 1000), (30, 1000)):
        assert bounded.binomial_tail(wrong, total, 0.02) == pytest.approx(exact(wrong, total, 0.02), abs=1e-9)
    # one wrong in five is what a 2% rate gives 10% of the time: not shown over it (Wilson's lower bound says it is)
    assert not bounded.shown_over(1, 5, 0.02) and bounded.wilson_lower(1, 5) > 0.02
    # past EXACT_UP_TO wrong labels Wilson's lower bound decides, as the exact test would there
    for total in (1800, 2500):
        assert bounded.shown_over(51, total, 0.02) == (exact(51, total, 0.02) < bounded.REFUSE_ALPHA)


def test_a_candidate_the_index_own_labels_refuse_is_a_labelled_miss_not_an_exploration() -> None:
    def at(similarity: float, own: Histogram, static_threshold: float = 0.76) -> bounded.Decision:
        return bounded.decide(
            similarity, static_threshold=static_threshold, bound=0.02, histogram=own, is_verified=False, draw=0.99
        )

    # 3 wrong in 13 labels at 0.97 or above: no region [t, 1] holding 0.97 (or 0.90) has a rate a 2% one explains
    bad = histogram(b97=(10, 3))
    for similarity in (0.975, 0.90):
        refused = at(similarity, bad)
        assert (refused.action, refused.refused, refused.audit) == ("miss", True, False), refused
        assert "3 wrong in 13" in refused.reason and not refused.explores
    # under the static threshold it is a plain miss, as without the evidence
    assert (at(0.90, bad, static_threshold=0.92).action, at(0.90, bad, static_threshold=0.92).refused) == (
        "miss",
        False,
    )
    # one wrong in 13 is what a 2% rate gives now and then: still explored, to learn
    assert at(0.975, histogram(b97=(12, 1))).action == "explore"
    # the labels of a wider region that holds the candidate explain the wrong ones: explored, not refused
    diluted = histogram(b80=(300, 0), b97=(10, 3))
    assert at(0.975, diluted).action == "explore" and not at(0.975, diluted).refused
    # a check of a region the prior opened is refused on the same evidence
    prior = histogram(b80=(2000, 0))
    check = bounded.decide(
        0.975, static_threshold=0.76, bound=0.02, histogram=bad, is_verified=False, draw=0.99, prior=prior
    )
    assert check.served_from == 0.8 and (check.action, check.refused) == ("miss", True)
