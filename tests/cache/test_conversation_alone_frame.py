"""A question that stands alone after a story told in the same frame with its middle exchanged ("an inner join
between orders and customers" / "a left join from orders to customers") is another question, though the two
stories read too unalike for :func:`story.same_story` (``story.exchanged_in_frame``); the same frame with a
detail only added is still the same question. Invented conversations, the real embedded Redis, the default guards."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.cache.story import exchanged_in_frame
from tests.support.lookups import Turns, served_alone

QUESTION = "What happens to refunds whose order_id is NULL?"
STORED: Turns = [("user", "I wrote an inner join between orders and refunds."), ("assistant", "Okay.")]
EXCHANGED: Turns = [("user", "I wrote a full outer join from orders to refunds."), ("assistant", "Okay.")]
ADDED: Turns = [
    ("user", "I wrote an inner join between orders and refunds late last night."),
    ("assistant", "Okay."),
]


async def test_a_question_alone_after_a_story_with_its_middle_exchanged_is_not_served(
    guarded_cache: SemanticCache,
) -> None:
    assert not await served_alone(guarded_cache, STORED, QUESTION, EXCHANGED, QUESTION, "the stored answer")


async def test_a_question_alone_after_the_same_story_with_a_detail_added_is_served(
    guarded_cache: SemanticCache,
) -> None:
    assert await served_alone(guarded_cache, STORED, QUESTION, ADDED, QUESTION, "the stored answer")


def test_a_middle_that_only_adds_to_the_other_is_no_exchange() -> None:
    assert (
        exchanged_in_frame("I'm learning Go and like it.", "I'm a nurse learning Go in the evenings and like it.")
        is None
    )
    assert exchanged_in_frame(
        "I wrote an INNER JOIN between orders and customers.", "I wrote a LEFT JOIN from orders to customers."
    )
