"""The two ways a candidate under the threshold is still considered: the quiet band (no guard reads even half a
difference) and a conversation's same-turns margin. They do not add up: a candidate is considered down to the
wider margin it qualifies for (docs/accuracy.md, "Two ways under the threshold"). Pure: ``choose.by_guards`` on
KNN rows."""

from __future__ import annotations

import pytest

from nearhit.cache import choose, entry
from nearhit.cache.context_match import SAME_TURNS_MARGIN
from nearhit.cache.results import Candidate, LookupResult, Margin
from nearhit.guards import GuardSet

THRESHOLD = 0.76
QUIET = ("Beach trip packing list?", "What should I pack for a beach holiday?")  # no guard reads a difference
PARTLY = ("And how long does it take?", "How long will it take?")  # a guard reads part of one, none vetoes


def judged(
    pair: tuple[str, str], similarity: float, *, quiet_margin: float, same_turns: bool, quiet_band: bool = True
) -> Candidate:
    query, cached = pair
    rows = [("doc:1", {"prompt": cached, "response": "an answer", entry.DISTANCE: str(1.0 - similarity)})]
    result = LookupResult(match=None, threshold=THRESHOLD)
    width: tuple[Margin, float] = ("same_turns", SAME_TURNS_MARGIN)
    margins = {"doc:1": width} if same_turns else None
    guards = GuardSet.default(quiet_margin=quiet_margin)
    choose.by_guards(result, query, rows, guards, margins, quiet_margin=None if quiet_band else 0.0)
    return result.candidates[0]


def outcome(
    pair: tuple[str, str], similarity: float, *, quiet_margin: float, same_turns: bool, quiet_band: bool = True
) -> str:
    return judged(pair, similarity, quiet_margin=quiet_margin, same_turns=same_turns, quiet_band=quiet_band).outcome


def test_the_pairs_are_what_the_cases_need() -> None:
    guards = GuardSet.default()
    assert guards.quiet(*QUIET) and not guards.quiet(*PARTLY)
    assert guards.first_rejection(*PARTLY, 0.62) is None


@pytest.mark.parametrize(
    ("pair", "similarity", "quiet_margin", "same_turns", "expected"),
    [
        # inside both: served either way
        (QUIET, 0.67, 0.10, True, "served"),
        (QUIET, 0.67, 0.10, False, "served"),
        # the same-turns margin (0.16) is the wider one: under the quiet band's floor, only the same turns reach
        (QUIET, 0.62, 0.10, True, "served"),
        (QUIET, 0.62, 0.10, False, "below_threshold"),
        (QUIET, 0.59, 0.10, True, "below_threshold"),
        # a quiet margin set over 0.16: the quiet band is now the wider one
        (QUIET, 0.59, 0.18, True, "served"),
        # not quiet: only the same-turns margin reaches under the threshold
        (PARTLY, 0.62, 0.10, True, "served"),
        (PARTLY, 0.62, 0.10, False, "below_threshold"),
        (PARTLY, 0.59, 0.10, True, "below_threshold"),
    ],
)
def test_a_candidate_is_considered_down_to_the_wider_margin_it_qualifies_for(
    pair: tuple[str, str], similarity: float, quiet_margin: float, same_turns: bool, expected: str
) -> None:
    assert outcome(pair, similarity, quiet_margin=quiet_margin, same_turns=same_turns) == expected


def test_under_a_wrong_hit_bound_neither_margin_applies() -> None:
    # The engine passes no margins and no quiet band when NEARHIT_MAX_WRONG_RATE is set.
    assert outcome(QUIET, 0.75, quiet_margin=0.10, same_turns=False, quiet_band=False) == "below_threshold"


@pytest.mark.parametrize(
    ("pair", "similarity", "quiet_margin", "same_turns", "margin"),
    [
        (QUIET, 0.80, 0.10, True, None),  # at or above the threshold: no margin served it
        (QUIET, 0.70, 0.10, False, "quiet"),
        (QUIET, 0.70, 0.10, True, "same_turns"),  # inside both: the named margin says it
        (PARTLY, 0.62, 0.10, True, "same_turns"),
        (QUIET, 0.59, 0.18, True, "quiet"),  # under the same turns' reach: only the quiet band served it
    ],
)
def test_a_candidate_served_under_the_threshold_names_its_margin(
    pair: tuple[str, str], similarity: float, quiet_margin: float, same_turns: bool, margin: str | None
) -> None:
    candidate = judged(pair, similarity, quiet_margin=quiet_margin, same_turns=same_turns)
    assert (candidate.outcome, candidate.margin) == ("served", margin)
