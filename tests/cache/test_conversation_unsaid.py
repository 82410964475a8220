"""A follow-up that judges against a standard only the earlier turns give ("Would a layer of mulch help?"),
names a place only they name ("How long does the ferry there take?"), or names no subject of its own ("Are there any
fees?": of a card after a trip on it, of a shelter after a kitten's adoption) is not looked up alone: after another
story it is another question, though no word of it points back (the Mexico/kitten pair was served so). A question
that names its whole subject still stands alone (invented conversations, other words than the dev sets')."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.conversation import standalone
from nearhit.cache.unsaid import leaves_unsaid, names_no_subject
from tests.support.lookups import Turns, ask

YELLOW_LEAVES: Turns = [
    ("user", "The lower leaves of my tomato plants are turning yellow."),
    ("assistant", "That often starts with a nitrogen shortage or with overwatering."),
]
SPLIT_FRUIT: Turns = [
    ("user", "My tomatoes keep splitting open just before they ripen."),
    ("assistant", "Splitting usually follows heavy watering after a dry spell."),
]
FLAT_BATTERY: Turns = [
    ("user", "My car battery is flat every morning after a night parked outside."),
    ("assistant", "Something may be drawing current while the car is off."),
]
OVERHEATING: Turns = [
    ("user", "The engine temperature climbs into the red on long motorway drives."),
    ("assistant", "Check the coolant level first, with the engine cold."),
]
LATE_SLEEP: Turns = [
    ("user", "I can't fall asleep before 2am however tired I am."),
    ("assistant", "A shifted body clock is a common cause."),
]
EARLY_WAKING: Turns = [
    ("user", "I wake at 4am every night and lie awake until the alarm."),
    ("assistant", "Waking early and staying awake has several usual causes."),
]

CRETE: Turns = [
    ("user", "We're planning a week on the island of Crete in June."),
    ("assistant", "June is warm and dry on Crete."),
]
SKYE: Turns = [
    ("user", "We're planning a week on the Isle of Skye in June."),
    ("assistant", "June on Skye is mild but changeable."),
]
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


@pytest.mark.parametrize(
    "question",
    [
        "Are there any fees?",
        "What's the deadline?",
        "Is there a waiting list?",
        "What are the requirements?",
        "What are the side effects?",
        "Is there an entry fee?",
        "What's the time limit?",  # a stop word inside the noun phrase ("time")
        "What's the cut-off usually?",  # a stop word after it ("usually")
    ],
)
def test_a_question_that_says_not_of_what_does_not_stand_alone(question: str) -> None:
    assert names_no_subject(question) is not None
    assert not standalone(question, KITTEN)


@pytest.mark.parametrize(
    "question",
    [
        "Would a layer of mulch help?",
        "Could a faulty thermostat be the cause?",
        "Is melatonin a good idea?",
        "Is a refurbished replacement cheaper?",
        "What else could explain yellow leaves?",
        "Is liquid or granular fertiliser best?",
        "Does the brand matter?",
        "Is a heat pump cheaper?",
        "How long does the ferry there take?",
        "Is tipping expected here?",
    ],
)
def test_a_judgement_with_its_standard_unsaid_does_not_stand_alone(question: str) -> None:
    assert leaves_unsaid(question) is not None
    assert not standalone(question, YELLOW_LEAVES)


@pytest.mark.parametrize(
    "question",
    [
        "Would a layer of mulch help with weeds in a vegetable bed?",
        "Is melatonin a good idea for jet lag?",
        "Is a refurbished replacement cheaper than a new battery?",
        "How long does bark mulch take to break down?",
        "Do you deliver compost on Saturdays?",
        "Would blackout curtains help toddlers sleep?",  # a verb of effect with its object
        "Can an electric car use a charger with an adapter?",  # "-er" after a determiner: a noun
        "What type is super effective against water?",
        "Is there a ferry to the islands on Sundays?",  # "there" that says something exists
        "Will there be snow in the mountains in March?",
        "How does photosynthesis work?",  # no determiner: the thing itself
        "What is the capital of France?",  # a complement says of what
        "What causes the tides?",  # a verb of its own
        "Is there a fee for renewing a passport online?",
        "What is a mortgage?",  # "a" without "there": what the thing is
        "How long will the refund take?",  # no form of "be": a verb of its own after the noun
    ],
)
def test_a_question_that_says_its_standard_or_judges_nothing_stands_alone(question: str) -> None:
    assert leaves_unsaid(question) is None
    assert names_no_subject(question) is None
    assert standalone(question, YELLOW_LEAVES)


@pytest.mark.parametrize(
    ("stored", "asked", "question"),
    [
        (YELLOW_LEAVES, SPLIT_FRUIT, "Would a layer of mulch help?"),
        (FLAT_BATTERY, OVERHEATING, "Could a faulty thermostat be the cause?"),
        (LATE_SLEEP, EARLY_WAKING, "Is melatonin a good idea?"),
        (CRETE, SKYE, "How long does the ferry there take?"),
        (KITTEN, MEXICO, "Are there any fees?"),
        (MARATHON, GRANT, "What's the deadline?"),
        (SCHOOL, MARATHON, "Is there a waiting list?"),
        (GRANT, SCHOOL, "What are the requirements?"),
        (KITTEN, GRANT, "What's the time limit?"),
        (SCHOOL, KITTEN, "What's the cut-off usually?"),
    ],
)
async def test_the_same_judgement_after_another_story_is_not_served(
    cache: SemanticCache, stored: Turns, asked: Turns, question: str
) -> None:
    await cache.store(ask(cache, stored, question), "the answer to the first story")
    again = await cache.lookup(ask(cache, stored, question))
    assert again.hit  # the same story still is
    result = await cache.lookup(ask(cache, asked, question))
    assert not result.hit


async def test_a_question_that_names_its_whole_subject_is_served_after_another_story(cache: SemanticCache) -> None:
    question = "How long does bark mulch take to break down?"
    await cache.store(ask(cache, YELLOW_LEAVES, question), "a year or two")
    result = await cache.lookup(ask(cache, SPLIT_FRUIT, question))
    assert result.hit and result.answer is not None and result.answer.response == "a year or two"
