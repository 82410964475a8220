"""Two follow-ups after the very same turns that open alike and end in another thing ask another question
(:func:`other_ending.other_ending`): refused at the first look and by the learned add. The refused pair is the fit
trap nhc29-last_question_trap-004; a rewording of the same shape (the same opening, an ending that shares a word or
its synonym class) is still served. The real embedded Redis and the local embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.other_ending import other_ending
from tests.support.lookups import Turns, refused_after_the_same_turns, served_after_the_same_turns

SOLE_TRADER: Turns = [
    ("user", "UK sole trader, IT consultant. I usually work from home."),
    ("assistant", "OK."),
]
LUNCH_AT_HOME = "Can I claim for my lunch on days I'm working from home?"


@pytest.mark.parametrize(
    ("mine", "theirs", "other"),
    [
        (LUNCH_AT_HOME, "Can I claim for my lunch on days I'm working at a client's site in another city?", True),
        ("how do I say hi to a group of people?", "how do I say hi to one person?", True),
        # An ending that shares a word, or a synonym class, or an opening with no content word: a rewording.
        (LUNCH_AT_HOME, "Can I claim for my lunch on days I work from home?", False),
        (
            "how long can cooked rice be kept in the fridge?",
            "how long can cooked rice be stored in the refrigerator?",
            False,
        ),
        ("how do I remove it?", "how do I get rid of it?", False),
    ],
)
def test_an_opening_that_ends_in_another_thing(mine: str, theirs: str, other: bool) -> None:
    assert (other_ending(mine, theirs) is not None) is other


async def test_a_follow_up_that_ends_in_another_thing_is_not_served(guarded_cache: SemanticCache) -> None:
    asked = "Can I claim for my lunch on days I'm working at a client's site in another city?"
    await refused_after_the_same_turns(guarded_cache, SOLE_TRADER, LUNCH_AT_HOME, asked, "ends in another thing")


async def test_the_same_ending_reworded_is_served(guarded_cache: SemanticCache) -> None:
    asked = "Can I claim for my lunch on days I work from home?"
    await served_after_the_same_turns(guarded_cache, SOLE_TRADER, LUNCH_AT_HOME, asked, "yes")
