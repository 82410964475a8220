"""Measures and numbers written two ways, and one look-alike beside each (issue 13, ninth session), in invented
pairs with other words than the labelled sets' (``data/measures_read.jsonl``):

- a calendar unit is a twelfth of a year however many days its month has ("24 month" / "two year"), and against
  days or weeks it matches loosely ("30 days" / "a month"); "1.5 year" / "2 year" still differ;
- "pound" after a number is a weight as often as money ("1500 lb" / "1500-pound"), "pounds" a weight where
  weights are named ("how many pounds is 90 kilos"); "1500 pound" / "1500 dollar" still differ;
- fractions and one unit in words: "half an hour", "half a kilo", "three and a half hours", "an hour and a half",
  "a fortnight" against the count that says them; "a day" / "a week" still differ;
- the words of a measure are no subject words ("21-day" / "three-week"), nor "keeps" before an -ing verb;
- "a second" after an article is "another" / "an additional"; "per second" is a unit, not an ordinal;
- a number glued to its name is the name and the number ("macos14" / "macOS 14");
- numbers that keep their own word in another order are a moved phrase ("iPhone 15 ... USB 3"), two numbers
  with one word traded are not ("Python 2 to Python 3");
- a date short form is its word ("next wk"), "the following week" is "next week", a part of today is what
  "today" says; "/" is what "divided by" says.

Each look-alike must be read by its guard, each rewording must pass it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nearhit.guards import CodeGuard, EntityGuard, NumberGuard
from nearhit.guards.verdicts import SignalGuard

_PAIRS = [
    json.loads(line) for line in (Path(__file__).parent / "data" / "measures_read.jsonl").read_text().splitlines()
]
_GUARDS: dict[str, type[SignalGuard]] = {"numbers": NumberGuard, "entities": EntityGuard, "code": CodeGuard}


def _name(pair: dict[str, str]) -> str:
    return f"{pair['guard']}: {pair['b'][-45:]}"


@pytest.mark.parametrize("pair", [p for p in _PAIRS if not p["same_answer"]], ids=_name)
def test_the_look_alike_is_read(pair: dict[str, str]) -> None:
    guard = _GUARDS[pair["guard"]]()
    for first, second in ((pair["a"], pair["b"]), (pair["b"], pair["a"])):
        verdict = guard.check(first, second)
        assert verdict is not None and verdict.guard == pair["guard"]


@pytest.mark.parametrize("pair", [p for p in _PAIRS if p["same_answer"]], ids=_name)
def test_the_rewording_passes(pair: dict[str, str]) -> None:
    guard = _GUARDS[pair["guard"]]()
    assert guard.check(pair["a"], pair["b"]) is None
    assert guard.check(pair["b"], pair["a"]) is None
