"""A question that stands alone after a story told in the same frame with its middle exchanged ("an inner join
between orders and customers" / "a left join from orders to customers") is another question, though the two
stories read too unalike for :func:`story.same_story` (``story.exchanged_in_frame``); the same frame with a
detail only added is still the same question. Invented conversations, the real embedded Redis, the default guards."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.cache.story import exchanged_in_frame
from nearhit.guards import GuardSet
from tests.support.lookups import Turns, ask

QUESTION = "What happens to refunds whose order_id is NULL?"
STORED: Turns = [("user", "I wrote an inner join between orders and refunds."), ("assistant", "Okay.")]
EXCHANGED: Turns = [("user", "I wrote a full outer join from orders to refunds."), ("assistant", "Okay.")]
ADDED: Turns = [
    ("user", "I wrote an inner join between orders and refunds late last night."),
    ("assistant", "Okay."),
]


async def _served(cache: SemanticCache, stored_turns: Turns, asked_turns: Turns) -> bool:
    cache.guards = GuardSet.default()
    stored = ask(cache, stored_turns, QUESTION)
    assert stored.context is None and stored.earlier is not None  # read as standing alone after its turns
    await cache.store(stored, "the stored answer")
    query = ask(cache, asked_turns, QUESTION)
    assert query.context is None and query.earlier is not None
    return (await cache.lookup(query)).hit


async def test_a_question_alone_after_a_story_with_its_middle_exchanged_is_not_served(cache: SemanticCache) -> None:
    assert not await _served(cache, STORED, EXCHANGED)


async def test_a_question_alone_after_the_same_story_with_a_detail_added_is_served(cache: SemanticCache) -> None:
    assert await _served(cache, STORED, ADDED)


def test_a_middle_that_only_adds_to_the_other_is_no_exchange() -> None:
    assert (
        exchanged_in_frame("I'm learning Go and like it.", "I'm a nurse learning Go in the evenings and like it.")
        is None
    )
    assert exchanged_in_frame(
        "I wrote an INNER JOIN between orders and customers.", "I wrote a LEFT JOIN from orders to customers."
    )
