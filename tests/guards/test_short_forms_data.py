"""Every short form and synonym group in the data files is read as one word by every guard, and the pairs of
``data/short_forms_fourteenth.jsonl`` (invented, none from an evaluation set) pass or differ as labelled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nearhit.guards import GuardSet
from nearhit.guards.lexicon import ABBREVIATIONS, groups
from nearhit.guards.text import expand_short_forms

_PAIRS = [json.loads(line) for line in (Path(__file__).parent / "data" / "short_forms_fourteenth.jsonl").open()]
# Short forms that are never spelt out, whatever a data file says: two readings each (abbreviations.txt).
_TWO_READINGS = ("mtg", "ins", "ch", "co", "reg", "inv", "calc", "tf")


@pytest.mark.parametrize("short", sorted(ABBREVIATIONS))
def test_every_short_form_is_spelt_out_and_read_as_its_words(short: str) -> None:
    query = f"Where can I read more about the {short} part?"
    spelt = f"Where can I read more about the {' '.join(ABBREVIATIONS[short])} part?"
    assert expand_short_forms(query) == spelt
    assert GuardSet.default().first_rejection(query, spelt) is None


@pytest.mark.parametrize(
    ("first", "other"),
    # A member that is a short form is spelt out before any guard reads it ("gp"): its expansion is what counts.
    [(group[0], word) for group in groups("synonyms.txt") for word in group[1:] if word not in ABBREVIATIONS],
)
def test_every_synonym_is_read_as_its_group(first: str, other: str) -> None:
    assert GuardSet.default().first_rejection(f"How do I {first} the thing?", f"How do I {other} the thing?") is None


@pytest.mark.parametrize("short", _TWO_READINGS)
def test_short_forms_of_two_readings_stay_as_written(short: str) -> None:
    assert short not in ABBREVIATIONS
    assert expand_short_forms(f"what about my {short} today") == f"what about my {short} today"


@pytest.mark.parametrize("pair", _PAIRS, ids=[f"{p['query']} / {p['candidate']}" for p in _PAIRS])
def test_labelled_pairs(pair: dict[str, object]) -> None:
    rejection = GuardSet.default().first_rejection(str(pair["query"]), str(pair["candidate"]))
    assert (rejection is None) == pair["same"], rejection
