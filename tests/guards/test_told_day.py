"""A weekday one side's backstory tells as when its story happened is no date that differs; a day said as a
deadline, or beside a question about time, still is. Invented pairs."""

from __future__ import annotations

import pytest

from nearhit.guards import NumberGuard


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Interview on Wednesday. How do I reverse a list in Python?", "How do I reverse a list in Python?"),
        ("Can I freeze cooked rice?", "Made a huge curry last sunday for the family. Can I freeze cooked rice?"),
        ("We painted the fence on Tuesday. How do I clean a paint roller?", "How do I clean a paint roller?"),
        ("Kitten came Friday. How do I stop her biting when we play?", "How do I stop my kitten biting when we play?"),
    ],
)
def test_a_day_told_as_when_the_story_happened_differs_in_nothing(query: str, candidate: str) -> None:
    assert NumberGuard().signal(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("I need it delivered by Friday. Which courier should I use?", "Which courier should I use?"),
        ("My essay is due Monday. How do I cite a website in APA?", "How do I cite a website in APA?"),
        ("We move in on Saturday. How long does a gas meter reading take?", "How long does a gas meter reading take?"),
        ("It's Sunday today. Is the pharmacy on the high street open?", "Is the pharmacy on the high street open?"),
    ],
)
def test_a_deadline_or_a_question_about_time_keeps_the_day(query: str, candidate: str) -> None:
    assert NumberGuard().signal(query, candidate) is not None
