"""The constraints' readings skip the alternations a text cannot match (issue 14, latency): a category of alternatives,
or the conditions, whose phrases' heads (:func:`constraints._heads`) open no run of the text's word characters is not
scanned (:func:`constraints._may_match`). The same output as the plain scan of every pattern, on the phrases' edge
cases (a head cut at an apostrophe or a bracket, a phrase's longest word, an open ending, a phrase blanked before the
conditions are read); and a conversation refused for a condition added is refused as before on the real embedded
Redis, each text's patterns scanned fewer times than there are patterns."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from nearhit.cache import SemanticCache, constraints, conversation
from tests.cache.test_conversation_constraints import CACHED, DECONGESTANT, WITH_A_CONDITION
from tests.support.lookups import ask
from tests.support.plain_constraints import plain_alternatives, plain_conditions, plain_phrases

TEXTS = [
    "",
    "Hi!",
    "I'm pregnant and have a cold.",
    "im pregnant, can I take ibuprofen?",
    "I'm renting a car in Spain next week.",
    "Renting a car, not a van: is the excess waiver worth it on my credit card?",
    "We're booking a flight and a hotel; I'm over 65 and a wheelchair user.",
    "My 401(k) and my Roth IRA: which first? I'm self-employed.",
    "Installing it on my MacBook (macOS 14), not Windows 11 or iOS.",
    "Undergraduate student, part-time job, on the pill, had a C-section last year.",
    "My work laptop has no admin rights; I'm on a student visa with a work permit.",
    "Taking naproxen and amlodipine for my back, and atorvastatin.",
    "A-fib since March. Is an EV or a hybrid cheaper to insure for a pensioner?",
    "ÉTUDIANT à Paris: my dog and my cat fly with me — pet insurance?",
    "under-18s, under 18, underage; per month, a year, monthly or annually billed",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_readings_skipping_patterns_say_what_every_pattern_scanned_says(text: str) -> None:
    assert constraints.conditions_of.__wrapped__(text) == plain_conditions(text)
    assert constraints.alternatives_of.__wrapped__(text) == plain_alternatives(text)
    assert constraints._condition_phrases.__wrapped__(text) == plain_phrases(text)


def test_a_head_is_the_word_characters_a_run_opens_with_of_a_phrase_s_longest_word() -> None:
    assert constraints._heads(["i'm pregnant"]) == {"pregn"}
    assert constraints._heads(["401(k)"]) == {"401"}
    assert constraints._heads(["on the pill"]) == {"pill"}
    assert constraints._heads(["undergrad*"]) == {"under"}
    assert constraints._heads(["a-fib", "ev"]) == {"fib", "ev"}
    assert constraints._heads(["(x)"]) is None  # no word opens with a word character: always scanned


class _Counted:
    """A compiled pattern whose scans are counted."""

    def __init__(self, pattern: re.Pattern[str], scans: list[str]) -> None:
        self._pattern, self._scans = pattern, scans

    def sub(self, *args: Any) -> str:
        self._scans.append(self._pattern.pattern)
        return self._pattern.sub(*args)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        self._scans.append(self._pattern.pattern)
        return self._pattern.finditer(text)


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every scan of a constraints pattern, each text read afresh (the readings' caches emptied before and after)."""
    counted: list[str] = []
    conditions, alternatives, names = constraints._patterns()
    wrapped = (
        _Counted(conditions, counted),
        {name: _Counted(pattern, counted) for name, pattern in alternatives.items()},
        names,
    )
    readings = (constraints.conditions_of, constraints.alternatives_of, constraints._condition_phrases)
    for reading in readings:
        reading.cache_clear()
    monkeypatch.setattr(constraints, "_patterns", lambda: wrapped)
    yield counted
    for reading in readings:
        reading.cache_clear()


def test_a_text_naming_nothing_is_not_scanned(scans: list[str]) -> None:
    assert constraints.conditions_of("Thanks, that helps.") == frozenset()
    assert constraints.alternatives_of("Thanks, that helps.") == {}
    assert scans == []  # every pattern scanned before: 18 categories and the conditions, twice


async def test_a_condition_added_is_refused_as_before_with_fewer_scans(cache: SemanticCache, scans: list[str]) -> None:
    """The constraints test's conversation with a condition added (asthma): refused for it as before, each of the
    texts the lookup read for conditions or alternatives scanned by fewer patterns than there are."""
    await cache.store(ask(cache, CACHED, DECONGESTANT), "decongestant answer")
    read: list[str] = []
    conditions_of, alternatives_of = constraints.conditions_of, constraints.alternatives_of

    def noted(reading: Any) -> Any:
        def reads(text: str) -> Any:
            read.append(text)
            return reading(text)

        return reads

    for reading in (constraints.conditions_of, constraints.alternatives_of, constraints._condition_phrases):
        reading.cache_clear()  # the store's readings: each text the lookup reads, read afresh
    scans.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(constraints, "conditions_of", noted(conditions_of))
        patch.setattr(constraints, "alternatives_of", noted(alternatives_of))
        added = await cache.lookup(ask(cache, WITH_A_CONDITION, DECONGESTANT))
    assert not added.hit
    reasons = [c.reason or "" for c in added.candidates if c.guard == "context"]
    assert any("'breathing'" in reason for reason in reasons), reasons
    texts = set(read)
    assert texts
    every = len(constraints._patterns()[1]) + 1  # a text's conditions: each category blanked, then the conditions
    assert len(scans) < every * len(texts), (len(scans), len(texts))


@pytest.mark.parametrize(
    "text",
    ["my daughter's school", "My DAUGHTER'S car and the contract's end", "no apostrophe here", "it's what's left", ""],
)
def test_the_possessive_dropped_as_the_pattern_drops_it(text: str) -> None:
    """:func:`conversation._unpossessed` (kept per text, a text with no apostrophe not scanned) is the pattern's sub."""
    assert conversation._unpossessed(text) == conversation._NOUN_S.sub(r"\1", text)
