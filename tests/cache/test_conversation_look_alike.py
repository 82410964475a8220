"""Look-alike follow-ups after the same turns that ask another question: a modal of another force ("can I" /
"should I"), a duration of another span (the wait until / how long it lasts), the asker in another role ("do I
owe him" / "does he owe me"). Invented conversations (other words than the dev sets'), the real embedded Redis and
the local embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.exchanged import roles_swapped
from nearhit.cache.measure import other_measure
from nearhit.cache.modality import other_modality
from tests.support.lookups import Turns, refused_after_the_same_turns, served_after_the_same_turns

FESTIVAL: Turns = [
    ("user", "I've got a weekend ticket for a music festival in July, camping on site."),
    ("assistant", "Sounds fun, camping makes it easier."),
]
VISA: Turns = [
    ("user", "I've applied for a student visa to study in Canada this September."),
    ("assistant", "Good luck with the application."),
]
FLATMATE: Turns = [
    ("user", "My flatmate and I split the bills, but last month one of us paid the whole energy bill."),
    ("assistant", "That happens, it's easy to settle up."),
]


@pytest.mark.parametrize(
    ("mine", "theirs", "other"),
    [
        ("how much food can I take in?", "how much food should I take in?", True),
        ("Should I report the dent to my insurer?", "Do I have to report the dent to my insurer?", True),
        ("may I park on the verge?", "must I park on the verge?", True),
        # The same force, or other words too: a rewording, left to the embeddings and the other checks.
        ("Do I need to report the dent?", "Do I have to report the dent?", False),
        ("should I stop?", "do I need to quit doing them?", False),
        ("what time does it open?", "should I go early?", False),
        ("how often should I water them?", "how often do I need to water them?", False),
    ],
)
def test_a_modal_of_another_force(mine: str, theirs: str, other: bool) -> None:
    assert (other_modality(mine, theirs) is not None) is other


@pytest.mark.parametrize(
    ("mine", "theirs", "other"),
    [
        ("how many weeks until it's approved?", "how many weeks is it valid for?", True),
        ("how long does it take to arrive?", "how long do I have to use it?", True),
        ("how long will the permit last?", "how long do I wait for the permit?", True),
        # The same span, or an event's own duration, which says neither.
        ("how long until it's approved?", "how long does it take to be approved?", False),
        ("how long does the flight take?", "how long does the flight last?", False),
        ("how long is it valid for?", "how long does it stay valid?", False),
    ],
)
def test_a_duration_of_another_span(mine: str, theirs: str, other: bool) -> None:
    assert (other_measure(mine, theirs) is not None) is other


@pytest.mark.parametrize(
    ("mine", "theirs", "other"),
    [
        ("how much do I owe him?", "how much does he owe me?", True),
        ("does my cover include me riding her horse?", "does my cover include her riding my horse?", True),
        # A person added, or no asker on both sides: no swap.
        ("how often should I water it?", "how often should I water it for her?", False),
        ("can they do that?", "can he do that?", False),
    ],
)
def test_the_asker_in_another_role(mine: str, theirs: str, other: bool) -> None:
    assert (roles_swapped(mine, theirs) is not None) is other


@pytest.mark.parametrize(
    ("turns", "stored", "asked", "reason"),
    [
        (FESTIVAL, "how much food can I bring in?", "how much food should I bring in?", "should do"),
        (VISA, "how many weeks until it's approved?", "how many weeks is it valid for?", "another span"),
        (FLATMATE, "how much do I owe her?", "how much does she owe me?", "other roles"),
    ],
)
async def test_a_look_alike_follow_up_is_not_served(
    guarded_cache: SemanticCache, turns: Turns, stored: str, asked: str, reason: str
) -> None:
    await refused_after_the_same_turns(guarded_cache, turns, stored, asked, reason)


async def test_a_follow_up_reworded_with_a_modal_of_the_same_force_is_served(guarded_cache: SemanticCache) -> None:
    stored, asked = "do I need to bring my own tent pegs?", "do I have to bring my own tent pegs?"
    await served_after_the_same_turns(guarded_cache, FESTIVAL, stored, asked, "yes")
