"""The number guard's pairing of one side's quantities with the other's: past a few numbers, each is compared only
with those sharing a key with it, and finds the same equal the full scan of every pair finds."""

from __future__ import annotations

import random

import pytest

from nearhit.guards import numbers
from nearhit.guards.numbers import NumberGuard, quantities, unmatched
from nearhit.guards.text import analyse

# Numbers, units, clocks, calendar counts, an article's unit, sizes too large to be finite: every way two agree.
_SAID = (
    "5 5kg 3pm 15:00 three o'clock a day 24 hours 7 days 1 week 2 kilos 10MB 10GB half an hour 30 minutes $5 £17.99 "
    "1e999 kg 0.5 0 -3 12 noon second the and month 31 year 52 weeks 365 800 lbs pounds 3 4 5.0 1,000 metres m mm "
    "1m 2:30 7am 19:00 60 seconds 1.5 0.015 1.015"
)
WORDS = _SAID.split()


def _pairs(seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [
        tuple(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 50))) for _ in range(2))  # type: ignore[misc]
        for _ in range(400)
    ]


def _calendar_pairs() -> list[tuple[str, str]]:
    """Counts of days and weeks against months and years, within the calendar tolerance (1.5%) or just out of it,
    on either side of a key's step of size, and sizes too large to be finite, which equal any size."""
    calendar = ["1 month", "2 months", "3 months", "6 months", "1 year", "2 years"]
    counts = [f"{n} days" for n in range(1, 800)] + [f"{n} weeks" for n in range(1, 120)]
    huge = "1" + "0" * 320  # read as infinity
    unbounded = [(f"{huge} kg", "5 kg"), ("5 kg", f"{huge} kg"), (f"{huge} kg and 3 kg", f"3 kg and 7 kg and {huge} g")]
    return [(count, said) for count in counts for said in calendar] + unbounded


def _same_leftovers(pairs: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    for a, b in pairs:
        left, right = quantities(analyse(a).tokens, articles=True), quantities(analyse(b).tokens, articles=True)
        monkeypatch.setattr(numbers, "_PAIRED_BY_SCAN", 10**9)
        scanned = unmatched(left, right)
        monkeypatch.setattr(numbers, "_PAIRED_BY_SCAN", 0)
        monkeypatch.setattr(numbers, "_SCANNED_ITEMS", 0)
        keyed = unmatched(left, right)
        monkeypatch.setattr(numbers, "_SCANNED_ITEMS", 10**9)
        assert unmatched(left, right) == keyed
        assert [list(map(id, side)) for side in keyed] == [list(map(id, side)) for side in scanned], (a, b)


@pytest.mark.parametrize("seed", range(3))
def test_the_keyed_pairing_leaves_what_the_full_scan_leaves(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _same_leftovers(_pairs(seed), monkeypatch)


def test_measures_near_a_step_of_size_or_unbounded_pair_as_the_scan_pairs_them(monkeypatch: pytest.MonkeyPatch) -> None:
    _same_leftovers(_calendar_pairs(), monkeypatch)


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        (" ".join(str(i) for i in range(2000)), " ".join(f"{i + 2000} kg" for i in range(2000))),
        (" ".join(f"100.{i:04d} kg" for i in range(2000)), " ".join(f"101.{i:04d} kg" for i in range(2000))),
    ],
    ids=["distinct numbers", "near measures"],
)
def test_thousands_of_numbers_are_compared_in_linear_time(
    query: str, candidate: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2,000 numbers on each side, none equal (a prompt within the size limit against another): each pair compared
    made millions of comparisons (1.3 s; 15 s for measures within 4% of each other); the keys make a few each."""
    compared = 0
    same = numbers._same_quantity

    def counted(a: numbers.Quantity, b: numbers.Quantity, *, lenient: bool) -> bool:
        nonlocal compared
        compared += 1
        return same(a, b, lenient=lenient)

    monkeypatch.setattr(numbers, "_same_quantity", counted)
    found = NumberGuard().signal(query, candidate)
    assert found is not None and found.reason.startswith("numbers differ")
    assert compared < 20 * 2000, compared
