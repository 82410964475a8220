"""A question read as standing alone after its turns, stored; the same story retold with a follow-up that points
back, asked: the two live in two scopes (whether a question stands alone is read from its words), so the
conversation meets the entry by its question alone and compares the turns stored with it by meaning
(``conversation_lookup._after_earlier_turns``). Served when the turns tell the same story and the follow-up
asks the same; not when a detail of the story or the question changed. Invented conversations, the real embedded
Redis and the default guards."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, conversation
from nearhit.guards import GuardSet
from tests.support.lookups import Turns, ask

REPLY = ("assistant", "Japan has strict import rules for pets.")
STORED: Turns = [
    ("user", "Our family is relocating from Toronto to Osaka in April and bringing our 6-year-old tabby."),
    REPLY,
]
QUESTION = "What vaccinations do cats need for Japan?"
RETOLD: Turns = [("user", "we move toronto -> osaka in april, taking the tabby (she's 6)"), REPLY]
FOLLOW_UP = "which vaccines does she need for Japan then?"


async def _served(cache: SemanticCache, history: Turns, prompt: str) -> bool:
    cache.guards = GuardSet.default()
    stored = ask(cache, STORED, QUESTION)
    assert stored.context is None and stored.earlier is not None  # read as standing alone after its turns
    await cache.store(stored, "the tabby's answer")
    query = ask(cache, history, prompt)
    assert query.context is not None  # read as a conversation
    result = await cache.lookup(query)
    if result.hit:
        assert result.context is not None and 0.8 < result.context["similarity"] < 1.0  # the turns, by meaning
    return result.hit


async def test_a_retold_story_with_a_follow_up_that_points_back_is_served(cache: SemanticCache) -> None:
    assert await _served(cache, RETOLD, FOLLOW_UP)


@pytest.mark.parametrize(
    ("history", "prompt"),
    [
        ([("user", "we move toronto -> osaka in april, taking the puppy (she's 1)"), REPLY], FOLLOW_UP),
        ([("user", "we move toronto -> osaka in october, taking the tabby (she's 6)"), REPLY], FOLLOW_UP),
        (RETOLD, "how long is her quarantine in Japan then?"),
    ],
    ids=["another-pet", "another-month", "another-question"],
)
async def test_a_story_or_question_changed_is_not_served(cache: SemanticCache, history: Turns, prompt: str) -> None:
    assert not await _served(cache, history, prompt)


def test_the_stored_question_stands_alone_and_the_follow_up_does_not() -> None:
    assert conversation.standalone(QUESTION, STORED)
    assert not conversation.standalone(FOLLOW_UP, RETOLD)
