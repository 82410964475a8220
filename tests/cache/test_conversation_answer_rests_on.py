"""A conversation's stored answer that takes up what its turns say more than the asking one's is not served
(:mod:`nearhit.cache.answer_rests_on`), nor one that names what the asking one's say more as a case of its own. The
conversations are the fit traps nhc89-constraint_added-010 and nhc93-constraint_added-007 with the answers written
for their ``a``; a name one side adds that the answer does not take up, or a tool-call answer, gives no signal. The
real embedded Redis and the local embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, stored_answer
from nearhit.cache.answer_rests_on import refuses
from nearhit.cache.conversation import Context
from nearhit.cache.results import LookupResult
from nearhit.llm.base import ToolCall
from tests.support.lookups import Turns, ask, assert_refused, assert_served

HEDGEHOG = "I really want to get an African pygmy hedgehog."
AFTER: Turns = [("assistant", "They can make lovely pets with the right setup.")]
IN_LOS_ANGELES: Turns = [("user", "I really want to get an African pygmy hedgehog, I live in Los Angeles."), *AFTER]
ASKED: Turns = [("user", HEDGEHOG), *AFTER]
BUY = "Where can I buy one?"
FOR_LOS_ANGELES = (
    "Unfortunately, you can't legally buy or keep one in Los Angeles. African pygmy hedgehogs are classed as "
    "restricted wild animals in California, so owning one as a pet is illegal there without a special permit."
)
ANYWHERE = "Look for a licensed breeder or a rescue; avoid pet shops, and check the hedgehog has been health-checked."

PARKING: Turns = [
    (
        "user",
        "Dropping my mum at the dentist on the high street in Stirling, appointment is about an hour. There's double "
        "yellow lines outside, no loading restriction markings on the kerb.",
    )
]
WITH_A_BADGE: Turns = [
    (
        "user",
        "Dropping my mum at the dentist on the high street in Stirling, appointment is about an hour. She's got a "
        "Blue Badge and we'll display it. There's double yellow lines outside, no loading restriction markings on "
        "the kerb.",
    )
]
PARK = "can I park there while I wait?"
NO_PARKING = (
    "No, double yellow lines mean no waiting at any time, so you can stop briefly to let your mum out, but not park "
    "there for an hour. If your mum has a Blue Badge, different rules may let you park on the lines while it's "
    "displayed and she's with you."
)


async def _looked_up(
    cache: SemanticCache, stored: Turns, answer: str, asked: Turns, question: str
) -> tuple[str, LookupResult]:
    key = await cache.store(ask(cache, stored, question), answer)
    result = await cache.lookup(ask(cache, asked, question))
    return key, result


async def test_an_answer_resting_on_what_the_asker_does_not_say_is_not_served(guarded_cache: SemanticCache) -> None:
    _, result = await _looked_up(guarded_cache, IN_LOS_ANGELES, FOR_LOS_ANGELES, ASKED, BUY)
    assert_refused(result, "the stored answer rests on 'i live in los angeles'")


@pytest.mark.parametrize(
    ("stored", "answer"),
    [
        (IN_LOS_ANGELES, ANYWHERE),  # the place said, the answer not taking it up
        ([("user", "I really want to get an African pygmy hedgehog, I'm Sam by the way."), *AFTER], ANYWHERE),
        (
            IN_LOS_ANGELES,
            stored_answer.encode(
                "Let me find breeders near Los Angeles.", (ToolCall("c1", "find_breeders", '{"city": "Los Angeles"}'),)
            ),
        ),
    ],
    ids=["answer-does-not-take-it-up", "a-name-only", "tool-call"],
)
async def test_no_signal_is_served_as_before(guarded_cache: SemanticCache, stored: Turns, answer: str) -> None:
    key, result = await _looked_up(guarded_cache, stored, answer, ASKED, BUY)
    assert_served(result, key)


async def test_an_answer_naming_the_askers_added_case_is_not_served(guarded_cache: SemanticCache) -> None:
    _, result = await _looked_up(guarded_cache, PARKING, NO_PARKING, WITH_A_BADGE, PARK)
    # A Blue Badge is a disability's mark (constraints.json) since ca42, refused before the answer is read; the
    # reading alone still names the added case.
    assert_refused(result, "one side mentions 'disability'")
    why = refuses(PARK, Context(tuple(WITH_A_BADGE)), Context(tuple(PARKING)), PARK, NO_PARKING)
    assert why is not None and "which only this conversation says, as another case" in why


def test_the_reading_needs_an_answer_that_names_the_span() -> None:
    stored, asking = Context(tuple(IN_LOS_ANGELES)), Context(tuple(ASKED))
    assert refuses(BUY, asking, stored, BUY, FOR_LOS_ANGELES) is not None
    for answer in ("", "cached answer for nhc89-constraint_added-010", ANYWHERE):
        assert refuses(BUY, asking, stored, BUY, answer) is None
    # A passing sentence one word of which the answer says anyway is no span the answer takes up (TAKEN_SHARE).
    passing = Context((("user", f"{HEDGEHOG} It's my first pet and I'm a bit obsessed with cute animal videos."),))
    assert refuses(BUY, Context((("user", HEDGEHOG),)), passing, BUY, "Find a pet hedgehog breeder.") is None
