"""A conversation whose context was refused as about something else, compared again by its user turns alone
(:func:`nearhit.cache.conversation_lookup.user_turns`): the same story told with other assistant replies is
served; a story whose user turns read as alike but state another number is still refused by the checks.
Invented conversations, other words than the dev sets'. Real Redis."""

from __future__ import annotations

from collections.abc import Sequence

from nearhit.cache import SemanticCache, conversation, conversation_lookup
from nearhit.cache.keys import KeySpace, normalise
from nearhit.embeddings.base import Vectors
from tests.support.lookups import Turns, ask

QUESTION = "What fertiliser should I use?"
ANSWER = "A balanced feed high in nitrogen, then a tomato feed once the fruit sets."
STORY: Turns = [
    ("user", "My tomato plants' leaves are turning yellow from the bottom up."),
    (
        "assistant",
        "Yellowing that starts on the lower leaves often points to a nitrogen shortage: older leaves give theirs "
        "to new growth. Check how often you feed them.",
    ),
]
# Not ending with a question: "Lower ones went first." is then no answer to it (conversation._lone_answers).
ASKED = "Happy to help. Which variety are you growing, and are they in containers or in the ground? Tell me."
RETOLD: Turns = [
    ("user", "The leaves on my tomato plants are going yellow."),
    ("assistant", ASKED),
    ("user", "Lower ones went first."),  # no content word of STORY's: not retold in other turns (conversation.retold)
    ("assistant", "Okay, noted."),
]


async def test_a_story_retold_with_other_replies_is_served_by_its_user_turns(cache: SemanticCache) -> None:
    """The whole turns read 0.77 alike (the assistants asked other things), the user turns 0.88."""
    await cache.store(ask(cache, STORY, QUESTION), ANSWER)
    result = await cache.lookup(ask(cache, RETOLD, QUESTION))
    assert result.hit and result.answer is not None and result.answer.response == ANSWER, result.rejection_reason
    assert result.context is not None and result.context["user_turns"] is True
    assert result.context["similarity"] >= conversation_lookup.USER_TURNS_THRESHOLD
    assert "user_turns" in result.timings_ms
    assert [c.guard for c in result.candidates] == [None]  # its first refusal (the whole turns') replaced


async def test_user_turns_alike_with_another_number_are_still_another_context(cache: SemanticCache) -> None:
    """Six plants against four: the user turns read 0.88 alike, past the threshold, and the checks still refuse: at a
    cosine of 1 too, so the lookup knows it before it embeds them (:func:`conversation_lookup._users_chances`)."""
    six = [("user", "My 6 tomato plants' leaves are turning yellow from the bottom up."), *STORY[1:]]
    await cache.store(ask(cache, six, QUESTION), ANSWER)
    four = [("user", "The leaves on my 4 tomato plants are going yellow."), *RETOLD[1:]]
    result = await cache.lookup(ask(cache, four, QUESTION))
    assert not result.hit and result.rejected_by == "context", result.rejection_reason
    # Refused by the checks at any cosine: the user turns are not embedded to compare them again.
    assert "user_turns" not in result.timings_ms and "embed_ahead" not in result.timings_ms
    assert result.rejection_reason is not None and conversation.ABOUT_ELSE in result.rejection_reason


def test_what_is_compared_is_the_user_turns_joined() -> None:
    assert conversation.users_said(conversation.Context(tuple(RETOLD))) == (
        "The leaves on my tomato plants are going yellow.\nLower ones went first."
    )


LILY_QUESTION = "should I repot it?"
LILY_ANSWER = "Yes: move it to a pot one size up in spring, with fresh compost."
LILY: Turns = [
    ("user", "My peace lily droops every few days even though I water it weekly."),
    ("assistant", "Drooping between waterings often means the roots have filled the pot."),
]
LILY_AFTER_CHATTER: Turns = [
    ("user", "hiya, happy friday!! 🎉 been a long week at work lol"),
    ("assistant", "Happy Friday! Sorry the week dragged. How can I help today?"),
    ("user", "peace lily droops every few days, I water it weekly 😩"),
    ("assistant", "Sounds like it could be root-bound."),
]


async def test_a_story_after_chatter_is_served_by_its_user_turns_words(cache: SemanticCache) -> None:
    """The whole turns read 0.60 alike and the user turns 0.66 (the greeting dilutes a short story), under both
    thresholds; the user turns share 0.64 of their content words, and every story check passes. Since rh29 the first
    pass serves it before this second chance is needed: told in another number of turns, the greeting exchange small
    talk, the story checks decide from ``OTHER_TURNS_FLOOR`` (:func:`conversation._checks_decide`)."""
    await cache.store(ask(cache, LILY, LILY_QUESTION), LILY_ANSWER)
    result = await cache.lookup(ask(cache, LILY_AFTER_CHATTER, LILY_QUESTION))
    assert result.hit and result.answer is not None and result.answer.response == LILY_ANSWER, result.rejection_reason
    assert result.context is not None and "user_turns" not in result.context
    share = conversation.users_words_share(
        conversation.Context(tuple(LILY_AFTER_CHATTER)), conversation.Context(tuple(LILY))
    )
    assert share >= conversation_lookup.USER_WORDS_SHARE


async def test_the_same_words_with_a_thing_swapped_are_still_another_context(cache: SemanticCache) -> None:
    """A spider plant for the peace lily: the words shared fall under the share, and the checks would refuse it."""
    await cache.store(ask(cache, LILY, LILY_QUESTION), LILY_ANSWER)
    swapped = [("user", "spider plant droops every few days, I water it weekly 😩"), *LILY_AFTER_CHATTER[3:]]
    result = await cache.lookup(ask(cache, [*LILY_AFTER_CHATTER[:2], *swapped], LILY_QUESTION))
    assert not result.hit and result.rejected_by == "context", result.rejection_reason


def test_the_words_share_is_of_the_user_turns_content_words() -> None:
    mine = conversation.Context((("user", "My peace lily droops."), ("assistant", "It wants water.")))
    theirs = conversation.Context((("user", "peace lily droops, lol"), ("assistant", "Repot it.")))
    assert conversation.users_words_share(mine, theirs) == 0.75  # peace, lily, droop of peace, lily, droop, lol


async def test_the_user_turns_are_embedded_ahead_in_one_call(cache: SemanticCache) -> None:
    """What the miss's second chances embed of its side goes in one embedder call
    (:func:`conversation_lookup.embed_ahead`): :func:`conversation_lookup.user_turns` reads the user turns there and
    embeds nothing itself, and serves as before."""
    await cache.store(ask(cache, STORY, QUESTION), ANSWER)
    query = ask(cache, RETOLD, QUESTION)
    assert query.context is not None
    calls: list[list[str]] = []
    embed = cache.embeddings.embed

    async def counted(texts: Sequence[str], keys: KeySpace | None = None) -> Vectors:
        calls.append(list(texts))
        return await embed(texts, keys)

    cache.embeddings.embed = counted  # type: ignore[method-assign]
    result = await cache.lookup(query)
    assert result.hit and result.context is not None and result.context["user_turns"] is True
    assert "embed_ahead" in result.timings_ms
    users = normalise(conversation.users_said(query.context))
    assert users in calls[0] and not any(users in texts for texts in calls[1:]), calls
    assert users in query.embedded
