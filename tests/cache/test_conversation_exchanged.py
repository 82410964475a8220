"""A follow-up that is the other with one word exchanged for another thing, after the same turns, is another
question (:mod:`nearhit.cache.exchanged`). Invented conversations (other words than the dev sets'), the real
embedded Redis and the local embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.exchanged import exchanged, reordered
from tests.support.lookups import (
    Turns,
    asked_after_the_same_turns,
    refused_after_the_same_turns,
    served_after_the_same_turns,
)

READINGS: Turns = [
    ("user", "My sheet has sensor readings in column C, values like 21.46 and 19.83."),
    ("assistant", "Got it."),
]
SETS: Turns = [
    ("user", "x = {1, 2}\ny = frozenset({3, 4})"),
    ("assistant", "One is a set and one is a frozenset."),
]
IRON: Turns = [
    ("user", "I've started an iron supplement, one tablet each morning."),
    ("assistant", "Iron is absorbed best on an empty stomach."),
]
TWO_BIKES: Turns = [
    ("user", "Both our bikes got damaged: my frame cracked in a crash and my brother's had its wheels stolen."),
    ("assistant", "Sorry to hear that, both may be covered."),
]


@pytest.mark.parametrize(
    ("mine", "theirs", "other"),
    [
        ("How do I round them up to one decimal?", "How do I round them down to one decimal?", True),
        ("can I add an element to x?", "can I add an element to y?", True),
        ("which claim form do I need for mine?", "which claim form do I need for his?", True),
        ("what's the rent on unit 3?", "what's the rent on unit 4?", True),
        ("how warm should the room be in summer?", "how warm should the room be in winter?", True),
        # Rewordings: stop words, forms of one word, a shortening, a negation, a word written apart.
        ("how do I fix it?", "how can I fix it?", False),
        ("How do I set up the cache?", "How do I set up the caching?", False),
        ("What temperature should it be?", "What temp should it be?", False),
        ("No. What should I do?", "Not yet. What should I do?", False),
        ("Would an e-bike suit me?", "Would an ebike suit me?", False),
        # More than one stretch changed, or a long one: left to the embeddings and the other checks.
        ("how long is it valid for?", "when does my pass run out?", False),
        ("can I add an element to x now?", "could I add one to y later?", False),
    ],
)
def test_one_word_exchanged_for_another_thing(mine: str, theirs: str, other: bool) -> None:
    assert (exchanged(mine, theirs) is not None) is other


@pytest.mark.parametrize(
    ("turns", "stored", "asked"),
    [
        (READINGS, "How do I round them up to one decimal?", "How do I round them down to one decimal?"),
        (SETS, "can I add an element to x?", "can I add an element to y?"),
        (TWO_BIKES, "which claim form do I need for mine?", "which claim form do I need for his?"),
    ],
)
async def test_a_follow_up_with_one_word_exchanged_is_not_served(
    guarded_cache: SemanticCache, turns: Turns, stored: str, asked: str
) -> None:
    await refused_after_the_same_turns(guarded_cache, turns, stored, asked, "where the other names")


async def test_a_follow_up_reworded_in_its_stop_words_is_still_served(guarded_cache: SemanticCache) -> None:
    await served_after_the_same_turns(
        guarded_cache,
        READINGS,
        "how do I round them to one decimal?",
        "how can I round them to one decimal?",
        "rounding answer",
    )


@pytest.mark.parametrize(
    ("mine", "theirs", "other"),
    [
        ("how long after my coffee can I take the iron?", "how long after I take the iron can I have my coffee?", True),
        ("How do I merge my branch into develop?", "How do I merge develop into my branch?", True),
        ("Which type is strong against Fire?", "Which type is Fire strong against?", True),
        # The same roles, or no relation word: a rewording.
        ("What eyepiece magnification suits Saturn?", "What magnification eyepiece suits Saturn?", False),
        ("Can I take a lump sum tax-free?", "Can I take a tax-free lump sum?", False),
        ("How do I merge my branch into develop?", "How do I merge my branch into develop?", False),
    ],
)
def test_the_same_words_in_other_roles(mine: str, theirs: str, other: bool) -> None:
    assert (reordered(mine, theirs) is not None) is other


async def test_a_follow_up_with_its_words_in_other_roles_is_not_served(guarded_cache: SemanticCache) -> None:
    await refused_after_the_same_turns(
        guarded_cache,
        IRON,
        "how long should I wait after my coffee before I take it?",
        "how long should I wait after I take it before my coffee?",
        "other roles",
        answer="wait an hour",
    )


KITTEN: Turns = [
    ("user", "We adopted a ten-week-old kitten on Saturday, a tabby called Biscuit."),
    ("assistant", "Congratulations! Kittens that age settle in within a week or two."),
]
SHOES: Turns = [
    ("user", "My dog keeps chewing my shoes whenever I leave the house."),
    ("assistant", "That's common with young dogs left alone."),
]


@pytest.mark.parametrize(
    ("mine", "theirs", "other"),
    [
        # The other voice: the verb said in the passive, the one acted on now its subject.
        ("how often should I feed her?", "how often should she be fed?", False),
        ("how often should I brush him?", "how often should he be brushed?", False),
        ("when should I vaccinate her?", "when should she be vaccinated?", False),
        # ... but not another verb, nor another person acted on, nor the asker acted on.
        ("how often should I brush him?", "how often should he be fed?", True),
        ("how often should I feed him?", "how often should she be fed?", True),
        ("how often should I feed him?", "how often should I be fed?", True),
        ("When should she have her injections?", "When should she be spayed?", True),
        # Both pointing back alike ("that" / "those"): the thing the turns named.
        ("what's the fee during those hours?", "what's the fee in that window?", False),
        # A verb and its near-synonym, its object said again ("stop it doing that").
        ("How do I prevent that?", "how do i stop it doing that?", False),
        ("What should I bring?", "what should I pack?", False),
        ("What should I bring?", "what should I buy?", True),
    ],
)
def test_the_other_voice_a_pointer_or_a_near_synonym_rewords(mine: str, theirs: str, other: bool) -> None:
    assert (exchanged(mine, theirs) is not None) is other
    assert (exchanged(theirs, mine) is not None) is other


@pytest.mark.parametrize(
    ("turns", "stored", "asked"),
    [
        (KITTEN, "how often should I feed her?", "how often should she be fed?"),
        (SHOES, "How do I prevent that?", "how do i stop it doing that?"),
    ],
)
async def test_a_follow_up_in_the_other_voice_or_with_a_near_synonym_is_served(
    guarded_cache: SemanticCache, turns: Turns, stored: str, asked: str
) -> None:
    _, result = await asked_after_the_same_turns(guarded_cache, turns, stored, asked)
    assert result.hit, result.candidates
