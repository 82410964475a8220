"""Metrics and the re-judging of outcomes, on hand-made numbers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nearhit.evaluation.metrics import (
    Match,
    Outcome,
    by_category,
    by_language,
    latency,
    neighbours,
    percentile,
    rejections,
    scores,
    summary,
    wilson,
)


def outcome(
    category: str,
    same: bool,
    match: Match | None,
    similarity: float | None = 0.9,
    rejected_by: str | None = None,
    ms: float = 1.0,
    threshold: float = 0.8,
) -> Outcome:
    return Outcome(f"{category}-{similarity}-{match}", category, same, threshold, match, similarity, rejected_by, ms)


def test_scores_count_right_and_wrong_hits() -> None:
    runs = [
        outcome("paraphrase", True, "semantic"),
        outcome("paraphrase", True, "exact"),
        outcome("paraphrase", True, None),
        outcome("paraphrase", True, None),
        outcome("negation", False, "semantic"),
        outcome("negation", False, None),
    ]
    s = scores(runs)
    assert (s.should_hit, s.traps, s.hits, s.wrong_hits) == (4, 2, 2, 1)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(0.5)
    assert s.wrong_rate == pytest.approx(0.5)
    assert s.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


def test_undefined_ratios_are_none_not_zero() -> None:
    s = scores([outcome("negation", False, None)])
    assert s.precision is None and s.recall is None and s.f1 is None
    assert s.wrong_rate == 0.0


def test_rejudging_at_a_higher_threshold() -> None:
    semantic = outcome("p", True, "semantic", similarity=0.85, threshold=0.0)
    assert semantic.at(0.85).served
    assert not semantic.at(0.86).served
    vetoed = outcome("n", False, None, similarity=0.95, rejected_by="negation", threshold=0.0)
    assert not vetoed.at(0.9).served and vetoed.at(0.9).rejected_by == "negation"
    # below the threshold the guards are never asked, so no guard is named
    assert vetoed.at(0.96).rejected_by is None
    exact = outcome("r", True, "exact", similarity=1.0, threshold=0.0)
    assert exact.at(0.99).served
    assert not outcome("c", True, None, similarity=None, threshold=0.0).at(0.5).served


def test_cannot_rejudge_below_the_measured_threshold() -> None:
    with pytest.raises(ValueError, match="lower"):
        outcome("p", True, None, similarity=0.7, threshold=0.8).at(0.75)


def test_by_category_and_rejections() -> None:
    runs = [
        outcome("negation", False, None, rejected_by="negation"),
        outcome("negation", False, "semantic"),
        outcome("paraphrase", True, None, rejected_by="entities"),
        outcome("paraphrase", True, "semantic"),
    ]
    counts = {(c.category, c.same_answer): (c.served, c.total) for c in by_category(runs)}
    assert counts == {("negation", False): (1, 2), ("paraphrase", True): (1, 2)}
    assert rejections(runs) == {
        "negation": {"traps": 1, "should_hit": 0},
        "entities": {"traps": 0, "should_hit": 1},
    }


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.0], 99) == 3.0
    assert percentile([], 50) is None


def test_latency_splits_hits_and_misses() -> None:
    runs = [outcome("p", True, "semantic", ms=2.0), outcome("p", True, None, ms=5.0), outcome("p", True, None, ms=7.0)]
    result = latency(runs)
    assert result["hit"] == {"n": 1, "p50": 2.0, "p99": 2.0}
    assert result["miss"] == {"n": 2, "p50": 5.0, "p99": 7.0}


@pytest.mark.parametrize(
    ("successes", "total", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, table I, method 3 (Wilson score)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # and the textbook small cases
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_matches_published_values(successes: int, total: int, low: float, high: float) -> None:
    interval = wilson(successes, total)
    assert interval is not None
    assert interval == pytest.approx((low, high), abs=5e-5)


def test_wilson_edge_cases() -> None:
    assert wilson(0, 0) is None
    low, high = wilson(3, 3) or (0.0, 0.0)
    assert 0.0 <= low < high == 1.0
    with pytest.raises(ValueError, match="need 0 <= successes <= total, got 4/3"):
        wilson(4, 3)


def test_categories_and_scores_carry_their_intervals() -> None:
    runs = [outcome("negation", False, None)] * 19 + [outcome("negation", False, "semantic")]
    runs += [outcome("paraphrase", True, "semantic")] * 5 + [outcome("paraphrase", True, None)] * 5
    report = summary(runs)
    negation = next(c for c in report["categories"] if c["category"] == "negation")  # type: ignore[attr-defined]
    assert (negation["served"], negation["total"], negation["rate"]) == (1, 20, 0.05)
    assert negation["ci95"] == pytest.approx([0.0089, 0.2361], abs=5e-4)
    s = report["scores"]
    assert s["recall_ci95"] == pytest.approx([0.2366, 0.7634], abs=5e-5)  # type: ignore[index]
    assert s["wrong_rate_ci95"] == negation["ci95"]  # type: ignore[index]
    assert report["languages"] == {}  # no pair said its language


def test_by_language_scores_each_language_apart() -> None:
    runs = [
        replace(outcome("paraphrase", True, "semantic"), lang="es"),
        replace(outcome("paraphrase", True, None), lang="es"),
        replace(outcome("negation", False, "semantic"), lang="de"),
        replace(outcome("negation", False, None), lang="en"),
        outcome("negation", False, "semantic"),  # no language: counted overall only
    ]
    languages = by_language(runs)
    assert list(languages) == ["es", "de", "en"]
    assert (languages["es"].hits, languages["es"].should_hit, languages["es"].traps) == (1, 2, 0)
    assert (languages["de"].wrong_hits, languages["de"].traps) == (1, 1)
    assert languages["en"].wrong_rate == 0.0 and languages["es"].wrong_rate_ci95 is None


def test_neighbours_count_other_pairs_answers_over_all_lookups_and_never_as_hits() -> None:
    runs = [
        outcome("paraphrase", True, "semantic"),
        outcome("paraphrase", True, "exact"),
        replace(outcome("paraphrase", True, None), neighbour=True),  # a should-hit served another's answer
        outcome("negation", False, "semantic"),  # a trap's own look-alike
        replace(outcome("negation", False, None), neighbour=True),
        replace(outcome("negation", False, None, similarity=0.7), neighbour=True),
        replace(outcome("negation", False, None, similarity=0.6), neighbour=True),
        outcome("negation", False, None),
    ]
    s = scores(runs)
    assert (s.hits, s.should_hit, s.wrong_hits, s.traps) == (2, 3, 1, 5)
    counted = neighbours(runs)
    assert counted["neighbour_hits"] == {"count": 4, "total": 8, "rate": 0.5, "ci95": list(wilson(4, 8) or ())}
    assert (counted["wrong_answers"]["count"], counted["wrong_answers"]["total"]) == (5, 8)  # type: ignore[index]
    by_kind = {c["category"]: c for c in counted["categories"]}  # type: ignore[attr-defined]
    assert (by_kind["paraphrase"]["neighbour_hits"]["count"], by_kind["paraphrase"]["wrong_answers"]["count"]) == (1, 1)
    assert (by_kind["negation"]["neighbour_hits"]["count"], by_kind["negation"]["wrong_answers"]["count"]) == (3, 4)
    assert summary(runs)["neighbours"] is None and summary(runs, shared=True)["neighbours"] == counted
    with pytest.raises(ValueError, match="its own threshold"):
        runs[2].at(0.9)
