"""A follow-up that names no subject of its own ("Are there any fees?", "What are the requirements?") is not looked
up alone: asked after a trip on a credit card it asks about the card's fees, after a kitten's adoption about the
shelter's. The same words after another story must not be served the first story's answer (issue 14; the
Mexico/kitten pair was served on main). A question that names its subject still stands alone (invented
conversations, other words than the dev sets')."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.conversation import standalone
from nearhit.cache.unsaid import names_no_subject
from tests.support.lookups import Turns, ask

MEXICO: Turns = [
    ("user", "I'm planning a trip to Mexico with my Chase Sapphire card."),
    ("assistant", "Good choice for travel, it earns points on flights and hotels."),
]
KITTEN: Turns = [
    ("user", "I want to adopt a kitten from the local shelter."),
    ("assistant", "Shelters usually have kittens ready for adoption in spring."),
]
MARATHON: Turns = [
    ("user", "I'm thinking of signing up for the city marathon next autumn."),
    ("assistant", "Many runners start training about sixteen weeks before race day."),
]
GRANT: Turns = [
    ("user", "Our community garden is applying for a small arts council grant."),
    ("assistant", "Arts council grants often fund projects that involve local residents."),
]
SCHOOL: Turns = [
    ("user", "We'd like our daughter to start at the Montessori school near us."),
    ("assistant", "Montessori schools often admit children from the age of three."),
]
PASSPORT: Turns = [
    ("user", "My passport expires in two months and I need to renew it."),
    ("assistant", "Renewals can be done online or by post."),
]


@pytest.mark.parametrize(
    "question",
    [
        "Are there any fees?",
        "What's the deadline?",
        "Is there a waiting list?",
        "What are the requirements?",
        "What are the side effects?",
        "Is there an entry fee?",
    ],
)
def test_a_question_that_says_not_of_what_does_not_stand_alone(question: str) -> None:
    assert names_no_subject(question) is not None
    assert not standalone(question, KITTEN)


@pytest.mark.parametrize(
    "question",
    [
        "How does photosynthesis work?",  # no determiner: the thing itself
        "What is the capital of France?",  # a complement says of what
        "What causes the tides?",  # a verb of its own
        "Is there a fee for renewing a passport online?",
        "What are the opening hours of the Louvre?",
        "What is a mortgage?",  # "a" without "there": what the thing is
    ],
)
def test_a_question_that_names_its_subject_stands_alone(question: str) -> None:
    assert names_no_subject(question) is None
    assert standalone(question, KITTEN)


@pytest.mark.parametrize(
    ("stored", "asked", "question"),
    [
        (KITTEN, MEXICO, "Are there any fees?"),
        (MARATHON, GRANT, "What's the deadline?"),
        (SCHOOL, MARATHON, "Is there a waiting list?"),
        (GRANT, SCHOOL, "What are the requirements?"),
    ],
)
async def test_a_question_without_its_subject_after_another_story_is_not_served(
    cache: SemanticCache, stored: Turns, asked: Turns, question: str
) -> None:
    await cache.store(ask(cache, stored, question), "the answer to the first story")
    again = await cache.lookup(ask(cache, stored, question))
    assert again.hit  # the same story still is
    result = await cache.lookup(ask(cache, asked, question))
    assert not result.hit


async def test_a_question_that_names_its_subject_is_served_after_another_story(cache: SemanticCache) -> None:
    question = "Is there a fee for renewing a passport online?"
    await cache.store(ask(cache, KITTEN, question), "no extra fee online")
    result = await cache.lookup(ask(cache, MARATHON, question))
    assert result.hit and result.answer is not None and result.answer.response == "no extra fee online"
