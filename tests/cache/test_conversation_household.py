"""A clause one side adds that says the household, or the thing asked about, keeps an animal is no aside
(:func:`nearhit.cache.constraints.keeps_animal`); an animal said in passing, or what the animal is, stays one. A turn
or span that names a condition the story does not (:func:`nearhit.cache.constraints.conditions_added`) is never
chatter, though a mark of small talk opens it. Invented conversations (none of the datasets' words), on the rule
itself (the contexts' similarity is given) and through the cache on the real embedded Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, constraints
from nearhit.cache.conversation import Context, differs
from nearhit.guards import GuardSet
from tests.support.lookups import ask

REPLY = ("assistant", "A few products would do that job.")
WEEDS = "the patio is overrun with moss between the slabs"
CLEAR = "what should I spray on it?"


def _told(*said: str) -> Context:
    return Context(tuple(turn for text in said for turn in (("user", text), REPLY)))


@pytest.mark.parametrize(
    ("span", "animal"),
    [
        ("and our ferret", "ferret"),
        ("we have three guinea pigs that roam out there", "guinea pigs"),
        ("my tortoise basks on it every afternoon", "tortoise"),
        ("a pond which has a shoal of little koi in it", "koi"),
        ("a bowl which has a pair of zebra and ramshorn snails in it", "snails"),  # the animal's words joined
    ],
)
def test_an_animal_the_household_or_the_thing_keeps(span: str, animal: str) -> None:
    assert constraints.keeps_animal(span) == animal


@pytest.mark.parametrize(
    "span",
    [
        "i walk dogs for a living",  # an animal in passing: no owner
        "the neighbour's cat watched me do it",
        "my ferret is a sweet little albino called pip",  # what the animal is
        "she's a tabby",
    ],
)
def test_an_animal_in_passing_or_what_it_is_is_none(span: str) -> None:
    assert constraints.keeps_animal(span) is None


def test_a_kept_animal_added_to_a_turn_differs_either_way() -> None:
    kept = f"{WEEDS}, and our ferret"
    assert differs(CLEAR, _told(kept), _told(WEEDS), 0.9) is not None
    assert differs(CLEAR, _told(WEEDS), _told(kept), 0.9) is not None
    assert differs(CLEAR, _told(f"{WEEDS}, i walk dogs for a living"), _told(WEEDS), 0.9) is None


BAKE = "baking vegan flapjacks for my nephew's class party"
SWAP = "can I use oat flour?"


def test_a_turn_naming_a_condition_the_story_does_not_is_no_chatter() -> None:
    """The other side's story names a diet too ("vegan"), so the categories alone do not tell: the turn must. A
    turn naming the condition the story names ("vegan" again) is still chatter."""
    added = "haha ok so the school is strictly gluten free."
    assert constraints.conditions_added(added, BAKE) == {"gluten"}
    assert differs(SWAP, _told(BAKE, added), _told(BAKE), 0.9) is not None
    assert not constraints.conditions_added("haha ok, vegan baking is new to me.", BAKE)
    assert differs(SWAP, _told("hello! quick vegan baking question", BAKE), _told(BAKE), 0.9) is None


@pytest.fixture
def guarded(cache: SemanticCache) -> SemanticCache:
    cache.guards = GuardSet.default()
    return cache


async def test_a_kept_animal_refuses_on_the_real_redis(guarded: SemanticCache) -> None:
    """The constraint added earlier: what is safe to spray on a patio depends on what roams on it."""
    await guarded.store(ask(guarded, [("user", WEEDS)], CLEAR), "moss killer answer")
    await guarded.background.drain()
    result = await guarded.lookup(ask(guarded, [("user", f"{WEEDS}, and our ferret")], CLEAR))
    assert not result.hit, result.candidates
    assert any("ferret" in (candidate.reason or "") for candidate in result.candidates), result.candidates


async def test_an_animal_in_passing_is_still_served_on_the_real_redis(guarded: SemanticCache) -> None:
    await guarded.store(ask(guarded, [("user", WEEDS)], CLEAR), "moss killer answer")
    await guarded.background.drain()
    result = await guarded.lookup(ask(guarded, [("user", f"{WEEDS}, i walk dogs for a living")], CLEAR))
    assert result.hit and result.answer is not None and result.answer.response == "moss killer answer"
