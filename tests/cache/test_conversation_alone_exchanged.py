"""Two questions that each stand alone after the very same turns, one the other with a label or word exchanged
or its words in other roles: another question, though the question's guards read them alike
(``context_match._alone_differs``). A question reworded after those turns is still served. Invented
conversations, the real embedded Redis and the default guards."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from tests.support.lookups import Turns, served_alone

OPTIONS: Turns = [
    ("user", "We're picking a gym. Plan A is £30 a month with a pool, Plan B is £22 a month without one."),
    ("assistant", "Both are fair prices for what you get."),
]
MATCHUP: Turns = [("user", "I'm playing a fantasy card game with elemental types."), ("assistant", "Fun!")]


async def _served(cache: SemanticCache, history: Turns, stored_prompt: str, prompt: str) -> bool:
    return await served_alone(cache, history, stored_prompt, history, prompt, "the stored answer")


@pytest.mark.parametrize(
    ("history", "stored", "asked"),
    [
        (OPTIONS, "What's the yearly cost of Plan B?", "What's the yearly cost of Plan A?"),
        (MATCHUP, "What type is super effective against Fire?", "What type is Fire super effective against?"),
    ],
    ids=["label", "roles"],
)
async def test_a_question_with_a_word_exchanged_after_the_same_turns_is_not_served(
    guarded_cache: SemanticCache, history: Turns, stored: str, asked: str
) -> None:
    assert not await _served(guarded_cache, history, stored, asked)


async def test_a_question_reworded_after_the_same_turns_is_served(guarded_cache: SemanticCache) -> None:
    assert await _served(guarded_cache, OPTIONS, "What's the yearly cost of Plan B?", "How much is Plan B per year?")
