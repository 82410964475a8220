"""A question read as standing alone after its turns, stored; the same story retold with a follow-up that points
back, asked: the two live in two scopes (whether a question stands alone is read from its words), so the
conversation meets the entry by its question alone and compares the turns stored with it by meaning
(``conversation_lookup._after_earlier_turns``). Served when the turns tell the same story and the follow-up
asks the same; not when a detail of the story or the question changed. The other direction too: the conversation
stored, the question standing alone after the story retold asked (``conversation_lookup._after_turns``). Invented
conversations, the real embedded Redis and the default guards."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, conversation
from tests.support.lookups import Turns, ask, asked_alone, asked_in_conversation

REPLY = ("assistant", "Japan has strict import rules for pets.")
STORED: Turns = [
    ("user", "Our family is relocating from Toronto to Osaka in April and bringing our 6-year-old tabby."),
    REPLY,
]
QUESTION = "What vaccinations do cats need for Japan?"
RETOLD: Turns = [("user", "we move toronto -> osaka in april, taking the tabby (she's 6)"), REPLY]
FOLLOW_UP = "which vaccines does she need for Japan then?"


async def _served(cache: SemanticCache, history: Turns, prompt: str) -> bool:
    await cache.store(asked_alone(cache, STORED, QUESTION), "the tabby's answer")
    result = await cache.lookup(asked_in_conversation(cache, history, prompt))
    if result.hit:
        assert result.context is not None and 0.8 < result.context["similarity"] < 1.0  # the turns, by meaning
    return result.hit


async def test_a_retold_story_with_a_follow_up_that_points_back_is_served(guarded_cache: SemanticCache) -> None:
    assert await _served(guarded_cache, RETOLD, FOLLOW_UP)


@pytest.mark.parametrize(
    ("history", "prompt"),
    [
        ([("user", "we move toronto -> osaka in april, taking the puppy (she's 1)"), REPLY], FOLLOW_UP),
        ([("user", "we move toronto -> osaka in october, taking the tabby (she's 6)"), REPLY], FOLLOW_UP),
        (RETOLD, "how long is her quarantine in Japan then?"),
    ],
    ids=["another-pet", "another-month", "another-question"],
)
async def test_a_story_or_question_changed_is_not_served(
    guarded_cache: SemanticCache, history: Turns, prompt: str
) -> None:
    assert not await _served(guarded_cache, history, prompt)


async def _served_alone(cache: SemanticCache, history: Turns, prompt: str) -> bool:
    await cache.store(asked_in_conversation(cache, RETOLD, FOLLOW_UP), "the tabby's answer")
    result = await cache.lookup(asked_alone(cache, history, prompt))
    if result.hit:
        assert result.context is not None and 0.8 < result.context["similarity"] <= 1.0 + 1e-6
    return result.hit


async def test_a_question_standing_alone_after_the_story_retold_is_served_the_conversation(
    guarded_cache: SemanticCache,
) -> None:
    assert await _served_alone(guarded_cache, STORED, QUESTION)


@pytest.mark.parametrize(
    ("history", "prompt"),
    [
        (
            [("user", "Our family is relocating from Toronto to Osaka in April with our 1-year-old puppy."), REPLY],
            QUESTION,
        ),
        (
            [("user", "Our family is relocating from Toronto to Osaka in October with our 6-year-old tabby."), REPLY],
            QUESTION,
        ),
        (STORED, "How long is the quarantine for cats entering Japan?"),
    ],
    ids=["another-pet", "another-month", "another-question"],
)
async def test_a_question_standing_alone_after_a_story_or_question_changed_is_not_served(
    guarded_cache: SemanticCache, history: Turns, prompt: str
) -> None:
    assert not await _served_alone(guarded_cache, history, prompt)


def test_the_stored_question_stands_alone_and_the_follow_up_does_not() -> None:
    assert conversation.standalone(QUESTION, STORED)
    assert not conversation.standalone(FOLLOW_UP, RETOLD)


async def test_after_the_very_same_turns_the_turns_are_not_embedded(
    guarded_cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = guarded_cache
    await cache.store(asked_in_conversation(cache, STORED, FOLLOW_UP), "the tabby's answer")
    embedded: list[str] = []
    embed = cache.embeddings.embed

    async def counted(texts: list[str], *args: object, **kwargs: object) -> object:
        embedded.extend(texts)
        return await embed(texts, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cache.embeddings, "embed", counted)
    result = await cache.lookup(ask(cache, STORED, QUESTION))
    assert result.hit and result.context is not None and result.context["similarity"] == pytest.approx(1.0, abs=1e-5)
    assert embedded == []  # the very turns: their stored embedding is the query's
