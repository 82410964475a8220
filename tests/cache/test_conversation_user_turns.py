"""A conversation whose context was refused as about something else, compared again by its user turns alone
(:func:`nearhit.cache.conversation_lookup.user_turns`): the same story told with other assistant replies is
served; a story whose user turns read as alike but state another number is still refused by the checks.
Invented conversations, other words than the dev sets'. Real Redis."""

from __future__ import annotations

from nearhit.cache import SemanticCache, conversation, conversation_lookup
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
ASKED = "Happy to help. Which variety are you growing, and are they in containers or in the ground?"
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
    """Six plants against four: the user turns read 0.88 alike, past the threshold, and the checks still refuse."""
    six = [("user", "My 6 tomato plants' leaves are turning yellow from the bottom up."), *STORY[1:]]
    await cache.store(ask(cache, six, QUESTION), ANSWER)
    four = [("user", "The leaves on my 4 tomato plants are going yellow."), *RETOLD[1:]]
    result = await cache.lookup(ask(cache, four, QUESTION))
    assert not result.hit and result.rejected_by == "context", result.rejection_reason
    assert "user_turns" in result.timings_ms  # compared again, and refused
    assert result.rejection_reason is not None and conversation.ABOUT_ELSE in result.rejection_reason


def test_what_is_compared_is_the_user_turns_joined() -> None:
    assert conversation.users_said(conversation.Context(tuple(RETOLD))) == (
        "The leaves on my tomato plants are going yellow.\nLower ones went first."
    )
