"""The prior the error-bounded cache starts from: which judge gets which counts, and the file's round trip."""

from __future__ import annotations

from pathlib import Path

from nearhit.cache import bounded, prior
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.decision import Decision
from nearhit.guards import GuardSet


def test_the_shipped_prior_proves_a_region_for_the_default_guards_only() -> None:
    guards = GuardSet.default()
    shipped = prior.shipped(guards, None)
    assert shipped is not None
    start, evidence = bounded.served_from(shipped, 0.02)
    # 135 clean labels are the least that prove 2% at 95%; the counts open no region under the static threshold
    # (0.76 since the v5 dev traps' rules took the last wrong outcome out of the 0.80 bin; 0.80 before).
    assert DEFAULT_SIMILARITY_THRESHOLD <= start <= 0.95 and evidence >= 135
    assert prior.shipped(GuardSet.from_names(["numbers"]), None) is None  # a custom guard set: counted for none
    assert prior.shipped(None, None) is None  # no judge at all
    assert prior.shipped(guards, Decision(guards, threshold=0.3)) is None  # another decision threshold


def test_a_prior_file_round_trips_and_applies_to_its_judge(tmp_path: Path) -> None:
    guards = GuardSet.from_names(["numbers", "negation"])
    right = [0] * bounded.BINS
    right[91] = 150
    counts = bounded.Histogram(tuple(right), (0,) * bounded.BINS)
    key = prior.judge_key(guards, None)
    assert key is not None
    path = tmp_path / "prior.json"
    path.write_text(f'{{"priors": {{"{key}": {{"91": [150, 0]}}}}}}', encoding="utf-8")
    assert prior.sparse(counts) == {"91": [150, 0]}
    prior_for = prior.from_file(path)
    assert prior_for(guards, None) == counts
    assert prior_for(GuardSet.default(), None) is None
    assert prior.no_prior(guards, None) is None
