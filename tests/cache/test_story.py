"""One story told with a detail changed (:mod:`nearhit.cache.story`), and turns that say nothing."""

from __future__ import annotations

import pytest

from nearhit.cache.conversation import says_nothing
from nearhit.cache.story import alone_differs, changed_detail, same_story

OSLO = [("user", "I'm growing chillies in pots on my balcony in Oslo."), ("assistant", "Lovely, chillies like sun.")]


def test_a_noun_the_question_lexicon_reads_as_framing_is_a_detail_of_a_story() -> None:
    """ "name" is a stop word to the question guards ("what's the name of ..."); in a story it is the thing
    changed."""
    date = "I want to change the date of my FlyNorth flight. Sure, do you have the booking reference?"
    name = "I want to change the name on my FlyNorth flight. Sure, do you have the booking reference?"
    assert changed_detail(date, name) is not None
    assert changed_detail(date, date) is None


@pytest.mark.parametrize(
    ("user", "changed"),
    [
        ("I'm growing chillies in pots on my balcony in Madrid.", True),  # a place exchanged
        ("I'm growing chillies in pots on my balcony in Oslo. I use a wheelchair.", True),  # a condition
        ("I'm growing chillies in pots in my greenhouse in Oslo.", True),  # a thing exchanged
        ("I'm growing chillies in pots on my balcony in Oslo, my neighbours are jealous.", False),  # colour
        ("Do you sell gift vouchers?", False),  # another story: a question that stands alone ignores it
    ],
)
def test_a_question_alone_after_the_same_story_with_a_detail_changed_differs(user: str, changed: bool) -> None:
    other = [("user", user), OSLO[1]]
    assert (alone_differs(other, OSLO) is not None) is changed
    assert same_story(other, OSLO) is (user != "Do you sell gift vouchers?")


@pytest.mark.parametrize(
    ("history", "nothing"),
    [
        ([("user", "Hello."), ("assistant", "Hi! What can I help with?")], True),
        ([("user", "Photography question."), ("assistant", "Sure.")], True),
        ([("user", "Quick question about Flixora."), ("assistant", "Sure.")], False),  # a name
        ([("user", "I'm not sure."), ("assistant", "Okay.")], False),  # a negation
        ([("user", "I have a cat."), ("assistant", "Okay.")], False),  # a story
        ([], False),
    ],
)
def test_turns_of_greetings_and_a_topic_say_nothing(history: list[tuple[str, str]], nothing: bool) -> None:
    assert says_nothing(history) is nothing
