"""A follow-up that judges against a standard only the earlier turns give ("Would a layer of mulch help?"), or
names a place only they name ("How long does the ferry there take?"), is not looked up alone: after another story
it is another question, though no word of it points back. A question that names its whole subject still stands
alone (invented conversations, other words than the dev sets')."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.conversation import standalone
from nearhit.cache.unsaid import leaves_unsaid
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
    ],
)
def test_a_question_that_says_its_standard_or_judges_nothing_stands_alone(question: str) -> None:
    assert leaves_unsaid(question) is None
    assert standalone(question, YELLOW_LEAVES)


@pytest.mark.parametrize(
    ("stored", "asked", "question"),
    [
        (YELLOW_LEAVES, SPLIT_FRUIT, "Would a layer of mulch help?"),
        (FLAT_BATTERY, OVERHEATING, "Could a faulty thermostat be the cause?"),
        (LATE_SLEEP, EARLY_WAKING, "Is melatonin a good idea?"),
        (CRETE, SKYE, "How long does the ferry there take?"),
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
