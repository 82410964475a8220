"""A negation one follow-up says alone, after the very same turns: one of words the other question never says tells
how or why ("... without it going streaky"), one of words both say asks the opposite. Invented conversations (other
words than the dev sets'), the real embedded Redis and the local embedder."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.cache import conversation as cv
from nearhit.cache.negated import negates_unsaid
from tests.support.lookups import Turns, refused_after_the_same_turns, served_after_the_same_turns

DECK: Turns = [
    ("user", "I'm staining the garden deck this weekend, it's pine boards about five years old."),
    ("assistant", "Pine takes stain unevenly, so a pre-stain conditioner helps."),
]
ROWS: Turns = [
    ("user", "I have a customers table in postgres with a nullable email column."),
    ("assistant", "You can filter on it with IS NULL or IS NOT NULL."),
]


def test_a_not_of_words_the_other_never_says_is_read_as_why() -> None:
    assert negates_unsaid("which brush do I use so the boards don't look patchy?", "which brush should I use?")
    assert negates_unsaid("what happens if I don't reply in time?", "what if I miss the deadline?")
    # A "not" of words both say asks the opposite; a bare "no" negates nothing said.
    assert not negates_unsaid("which rows don't have an email?", "which rows have an email?")
    assert not negates_unsaid("can I just say no?", "am I allowed to refuse?")
    # A condition only one side sets, a constraint word, a "not" in a statement before the question.
    assert not negates_unsaid("can I paint it if I don't sand it?", "can I paint over gloss?")
    assert not negates_unsaid("can I paint it without sanding?", "can I paint over gloss?")
    assert not negates_unsaid("sorry, it's oat milk, not cow's milk. Can I use it?", "Can I use it?")
    assert not negates_unsaid("how do I apply the stain evenly?", "how do I apply it so it doesn't go blotchy?")


def test_such_a_not_states_nothing_more() -> None:
    assert cv.states_more("which brush do I use so the boards don't look patchy?", "which brush should I use?") is None
    assert cv.states_more("which rows don't have an email?", "which rows have an email?") is not None


async def test_a_negation_of_words_the_other_never_says_does_not_veto_after_the_same_turns(
    guarded_cache: SemanticCache,
) -> None:
    stored, asked = "how do I apply the stain evenly?", "how do I apply the stain so it doesn't go blotchy?"
    await served_after_the_same_turns(guarded_cache, DECK, stored, asked, "stain answer")


async def test_a_negation_of_words_both_say_still_vetoes_after_the_same_turns(guarded_cache: SemanticCache) -> None:
    stored, asked = "which customers have an email?", "which customers don't have an email?"
    await refused_after_the_same_turns(guarded_cache, ROWS, stored, asked, answer="email answer")
