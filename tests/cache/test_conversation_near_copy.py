"""Two follow-ups after the very same turns, one the other with a content word changed, ask another question
(:func:`near_copy.near_copy`): refused at the first look and by the learned add. The refused shape is the fit traps'
("... leave the county ..." / "... the country ...", "... for each can?" / "... bottle?"); a follow-up that changes
only words that are no content word ("anyway" added), or a word for one of its class, is still served. The real
embedded Redis and the local embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.near_copy import near_copy
from tests.support.lookups import Turns, refused_after_the_same_turns, served_after_the_same_turns

BAIL: Turns = [
    ("user", "My brother is out on bail with a curfew from 7pm to 7am and has to sign in at the station weekly."),
    ("assistant", "OK, what would you like to know about his bail conditions?"),
]
COUNTY = "is he allowed to leave the county for the day?"


@pytest.mark.parametrize(
    ("mine", "theirs", "copied"),
    [
        (COUNTY, "is he allowed to leave the country for the day?", True),
        ("how much do I get back for each can?", "how much do I get back for each bottle?", True),
        ("how do I stop the container from restarting?", "how do I stop the container?", True),
        # No content word changed, a word of the same stem or class, or a question rewritten: not a near copy.
        (COUNTY, "anyway, is he allowed to leave the county for the day?", False),
        (COUNTY, "can't wait 🤩 is he allowed to leave the county for the day?", False),
        ("how long should I wait?", "how long do I wait now?", False),
        ("can I keep it in the fridge?", "can I keep it in the refrigerator?", False),
        ("can I feed my cat?", "can I feed my cats?", False),
        (COUNTY, "can he go outside the county for a day trip?", False),
    ],
)
def test_a_question_copied_with_a_word_changed(mine: str, theirs: str, copied: bool) -> None:
    assert (near_copy(mine, theirs) is not None) is copied


async def test_a_follow_up_copied_with_another_word_is_not_served(guarded_cache: SemanticCache) -> None:
    asked = "is he allowed to leave the country for the day?"
    await refused_after_the_same_turns(guarded_cache, BAIL, COUNTY, asked, "with a word changed")


async def test_a_follow_up_with_a_word_that_says_nothing_added_is_served(guarded_cache: SemanticCache) -> None:
    asked = "anyway, is he allowed to leave the county for the day?"
    await served_after_the_same_turns(guarded_cache, BAIL, COUNTY, asked, "yes")


def test_a_long_question_is_not_aligned() -> None:
    long = "is he allowed to leave " + "the county and " * 2_000 + "for the day?"
    assert near_copy(long, long.replace("county and for", "country and for")) is None


def test_a_word_the_turns_already_say_is_no_change() -> None:
    turns = "I pay for Spotify Premium every month.\nOK."
    assert near_copy("how do I cancel my plan?", "how do I cancel my Spotify plan?", turns) is None
    assert near_copy("how do I cancel my plan?", "how do I cancel my Netflix plan?", turns) is not None
