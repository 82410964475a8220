"""A Turkish dotted or dotless capital i in a word a pattern reads ("TWİCE", "SİXTİES"): such a pattern, compiled
case-insensitive, matches it, and its table must find the word (it raised ``KeyError``: on any prompt through
:func:`analyse`, on a conversation's turns through its readings, and in the background read after a store)."""

from __future__ import annotations

import logging

import pytest

from nearhit.cache import SemanticCache, conversation
from nearhit.guards.text import analyse, expand_short_forms, matched_key
from tests.support.lookups import ask


@pytest.mark.parametrize(
    ("word", "key"), [("TWİCE", "twice"), ("twıce", "twice"), ("SIXTIES", "sixties"), ("W/İN", "w/in"), ("K", "k")]
)
def test_a_matched_word_folds_to_its_key(word: str, key: str) -> None:
    assert matched_key(word) == key


def test_a_decade_word_with_a_dotted_capital_is_read_as_the_decade() -> None:
    assert analyse("What music was popular in the SİXTIES?").tokens[-2:] == ("1960", "s")
    assert analyse("and in the fİfties?").tokens[-2:] == ("1950", "s")
    analyse("What music was popular in the SİXTİES?")  # no "ies" as written: not read as a decade, and no error


def test_a_slashed_short_form_with_a_dotted_capital_is_spelt_out() -> None:
    assert expand_short_forms("done W/İN a week") == expand_short_forms("done w/in a week")


def test_a_repeat_with_a_dotted_capital_is_written_out() -> None:
    assert conversation._written_alone("I feed it TWİCE a day")[0] == "I feed it two times a day"
    assert conversation._written_alone("THRıCE on sundays")[0] == "three times on sundays"


async def test_a_conversation_saying_it_is_stored_read_and_looked_up(
    guarded_cache: SemanticCache, caplog: pytest.LogCaptureFixture
) -> None:
    """The store's background read of the turns and a lookup that compares them both read the word; nothing fails."""
    history = [("user", "I feed my sourdough starter TWİCE a day"), ("assistant", "That's a good rhythm.")]
    query = ask(guarded_cache, history, "Should I keep it in the fridge?")
    with caplog.at_level(logging.WARNING):
        await guarded_cache.store(query, "Yes, between feeds.")
        await guarded_cache.background.drain()
        retold = [("user", "my sourdough starter gets fed twice a day"), ("assistant", "Sounds right.")]
        result = await guarded_cache.lookup(ask(guarded_cache, retold, "Should I keep it in the fridge?"))
    assert not [record for record in caplog.records if "failed" in record.getMessage()], caplog.text
    assert result.candidates, result
