"""The same story whose user turns write a few words otherwise ("2m" / "two metres", "centered" / "centred", "any
more" / "anymore"): nothing said that the other side does not say, so the turns are the same
(:func:`nearhit.cache.exchanged.written_otherwise`); a stretch that says another value or another thing in the
same place is still another story. Invented conversations, other words than the dev sets'. Real Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, conversation, exchanged
from tests.support.lookups import Turns, ask

QUESTION = "Which brackets should I use to hold it?"
ANSWER = "Use two heavy-duty steel brackets screwed into studs, one every 60 cm."
REPLY = "A long shelf needs brackets rated for the load you plan to put on it."


def _story(length: str) -> Turns:
    return [("user", f"I'm putting up an oak shelf {length} long in the hallway for our books."), ("assistant", REPLY)]


async def test_a_length_written_in_words_is_the_same_story(cache: SemanticCache) -> None:
    """nhc73-irrelevant_detail-003's shape (fit): "2m" against "two metres", every other word the same."""
    await cache.store(ask(cache, _story("2m"), QUESTION), ANSWER)
    result = await cache.lookup(ask(cache, _story("two metres"), QUESTION))
    assert result.hit and result.answer is not None and result.answer.response == ANSWER, result.rejection_reason


async def test_another_length_in_the_same_place_is_still_another_story(cache: SemanticCache) -> None:
    """A detail swap of the same shape ("2m" / "three metres"): another value, refused."""
    await cache.store(ask(cache, _story("2m"), QUESTION), ANSWER)
    result = await cache.lookup(ask(cache, _story("three metres"), QUESTION))
    assert not result.hit and result.rejected_by == "context", result.rejection_reason


async def test_another_wood_in_the_same_place_is_still_another_story(cache: SemanticCache) -> None:
    """One word for another thing in the same place ("oak" / "pine"): no word written otherwise, so the user turns
    still say something the other's do not (refused there, before the changed-detail check)."""
    pine = [("user", "I'm putting up a pine shelf 2m long in the hallway for our books."), ("assistant", REPLY)]
    await cache.store(ask(cache, _story("2m"), QUESTION), ANSWER)
    result = await cache.lookup(ask(cache, pine, QUESTION))
    assert not result.hit and result.rejected_by == "context", result.rejection_reason
    assert result.rejection_reason is not None and conversation.SAID_MORE in result.rejection_reason


@pytest.mark.parametrize(
    ("mine", "theirs", "same"),
    [
        ("2m", "two metres", True),
        ("20cm", "20 cm", True),
        ("any more", "anymore", True),
        ("centered", "centred", True),
        ("javascript", "js", True),
        ("2m", "3 metres", False),
        ("20cm", "25 cm", False),
        ("oak", "pine", False),
        ("left", "right", False),
        ("pull_request_target", "pull_request", False),  # a code's name, not a word shortened
        ("made it", "bought it yesterday", False),
        ("a very long shelf", "a long shelf", False),  # more than three words: a rewording, not read here
    ],
)
def test_written_otherwise(mine: str, theirs: str, same: bool) -> None:
    assert exchanged.written_otherwise(mine.split(), theirs.split()) is same
    assert exchanged.written_otherwise(theirs.split(), mine.split()) is same
