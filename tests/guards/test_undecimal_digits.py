"""A digit no number is written in ("፩", Ethiopic one; "᧚", New Tai Lue one): ``str.isdigit`` takes it, ``float``
refuses it, and NFKC keeps it, so the tokens read it as a letter ("፩0" one token). The quantities read a token as a
number only when it opens with a decimal digit (``isdecimal``, what the tokens' ``\\d`` reads): it raised
``ValueError`` on any prompt with one, through the number guard (found by ``benchmarks/unicode_fuzz.py``)."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from nearhit.guards import GuardSet
from nearhit.guards.numbers import all_dates, quantities
from nearhit.guards.text import analyse
from tests.support.lookups import ask


@pytest.mark.parametrize("text", ["I need ፩ kg of flour", "bake it ፪0 minutes", "meet at 3:፩0 pm", "᧚:30", "add ፫5 g"])
def test_a_token_opening_with_such_a_digit_is_no_quantity(text: str) -> None:
    read = analyse(text)
    assert all(q.surface[:1].isdecimal() or q.surface[:1].isalpha() for q in quantities(read.tokens))
    all_dates(read, text)


def test_a_number_beside_such_a_digit_is_still_read() -> None:
    assert [q.value for q in quantities(analyse("it is 3፩ km away").tokens)] == [3.0]
    assert [q.value for q in quantities(analyse("٣ kg and ５ kg").tokens)] == [3.0, 5.0]  # decimal digits, as numbers


def test_the_guards_read_a_pair_with_such_a_digit() -> None:
    guards = GuardSet.default()
    guards.first_rejection("How long do I bake ፪ loaves?", "How long do I bake 2 loaves?", 0.95)
    guards.signals("How long do I bake 2 loaves?", "How long do I bake ፪ loaves?")


async def test_a_prompt_with_such_a_digit_is_stored_and_looked_up(guarded_cache: SemanticCache) -> None:
    """Through a lookup on the real Redis: the number guard reads the stored prompt against the asked one."""
    await guarded_cache.store(ask(guarded_cache, [], "How long should I bake ፪ sourdough loaves?"), "About 40 minutes.")
    await guarded_cache.background.drain()
    result = await guarded_cache.lookup(ask(guarded_cache, [], "How long should I bake ፪ sourdough loaves today?"))
    assert result.candidates, result
