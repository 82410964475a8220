"""A history too long to compare word by word (``conversation.MAX_COMPARED_WORDS``) is served only its exact
repeat: difflib's comparisons are quadratic in the words, and 25,000 words of two kinds held the event loop (every
other request, a SIGTERM) for minutes (sixteenth round of hostile testing). The real embedded Redis and the local
embedder."""

from __future__ import annotations

import time

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache import conversation as cv
from tests.support.lookups import Turns, ask

QUESTION = "What should I do about it next?"


def _history(words: int, last: str) -> Turns:
    said = " ".join(["1 2"] * (words // 4))
    return [("user", said), ("assistant", "Noted."), ("user", said + " " + last), ("assistant", "I see.")]


@pytest.mark.timeout(120)  # the comparisons alone took minutes
async def test_a_history_too_long_to_compare_is_served_only_its_exact_repeat(cache: SemanticCache) -> None:
    mine, theirs = _history(20_000, "my dad"), _history(20_000, "my mum")
    assert not cv.comparable(cv.Context(tuple(mine)))
    key = await cache.store(ask(cache, mine, QUESTION), "Rest.")
    started = time.process_time()
    other = await cache.lookup(ask(cache, theirs, QUESTION))
    assert time.process_time() - started < 30
    assert not other.hit
    assert [c.reason for c in other.candidates] == [
        f"earlier turns too long to compare (over {cv.MAX_COMPARED_WORDS:,} words)"
    ]
    repeat = await cache.lookup(ask(cache, mine, QUESTION))
    assert repeat.match == "exact" and repeat.answer is not None and repeat.answer.doc_id == key


def test_the_longest_history_compared_is_compared() -> None:
    assert cv.comparable(cv.Context(tuple(_history(cv.MAX_COMPARED_WORDS - 10, "my dad"))))
