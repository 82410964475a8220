"""The languages read since the seventh session (Polish, Danish, Romanian, Czech) and the eighth (Swedish,
Norwegian) are read, not waved through: a rewording is served under the uncovered threshold, and a negation, a
number, a direction, an opposite word, a quantifier, a tense or a superlative changed is refused by the guard
that reads it. The pairs (``read_languages.jsonl``) were written for these
tests, in other words than any dataset pair; with a language taken out of ``READ`` its rewordings fail here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nearhit.guards import GuardSet
from nearhit.guards.language_guard import DEFAULT_UNCOVERED_THRESHOLD
from nearhit.guards.languages import READ, detect

_ROWS = [json.loads(line) for line in Path(__file__).with_name("read_languages.jsonl").read_text().splitlines()]
_SIMILAR = 0.9  # above the default threshold, under the uncovered one: served only where the rules read
_REFUSED_BY = {
    "negation": "negation",
    "number": "numbers",
    "antonym": "negation",
    "prefix": "entities",
    "quantifier": "scope",
    "tense": "tense",
    "superlative": "language",
}


def _pairs(*kinds: str) -> list[tuple[str, str, str]]:
    return [(row["lang"], row["query"], row["candidate"]) for row in _ROWS if row["kind"] in kinds]


def test_every_added_language_has_a_rewording_and_traps_of_each_kind() -> None:
    for lang in ("pl", "da", "ro", "cs", "sv", "no"):
        kinds = {row["kind"] for row in _ROWS if row["lang"] == lang}
        assert {"paraphrase", "negation", "number", "direction", "antonym"} <= kinds, lang
    for lang in ("sv", "no"):
        kinds = {row["kind"] for row in _ROWS if row["lang"] == lang}
        assert {"quantifier", "tense", "superlative"} <= kinds, lang


@pytest.mark.parametrize(("lang", "query", "candidate"), _pairs("paraphrase"))
def test_a_rewording_in_a_read_language_is_served_under_the_uncovered_threshold(
    lang: str, query: str, candidate: str
) -> None:
    assert (detect(query), detect(candidate)) == (lang, lang)
    assert lang in READ
    assert _SIMILAR < DEFAULT_UNCOVERED_THRESHOLD
    assert GuardSet.default().first_rejection(query, candidate, _SIMILAR) is None


@pytest.mark.parametrize(
    ("kind", "lang", "query", "candidate"),
    [(row["kind"], row["lang"], row["query"], row["candidate"]) for row in _ROWS if row["kind"] in _REFUSED_BY],
)
def test_a_changed_negation_number_opposite_quantifier_tense_or_superlative_is_refused_by_the_guard_reading_it(
    kind: str, lang: str, query: str, candidate: str
) -> None:
    assert (detect(query), detect(candidate)) == (lang, lang)
    verdict = GuardSet.default().first_rejection(query, candidate, DEFAULT_UNCOVERED_THRESHOLD - 0.01)
    assert verdict is not None and verdict.guard == _REFUSED_BY[kind], verdict


@pytest.mark.parametrize(("lang", "query", "candidate"), _pairs("direction"))
def test_a_reversed_direction_is_refused_even_above_the_uncovered_threshold(
    lang: str, query: str, candidate: str
) -> None:
    assert (detect(query), detect(candidate)) == (lang, lang)
    verdict = GuardSet.default().first_rejection(query, candidate, 0.999)
    assert verdict is not None and verdict.guard in ("direction", "language"), verdict
    if lang in ("sv", "no"):  # the words around "till" / "til" differ: read by the direction guard, not the bag
        assert verdict.guard == "direction", verdict
