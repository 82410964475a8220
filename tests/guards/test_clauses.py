"""The question clause and the backstory: backstory differences are weak, question-clause ones strict."""

from __future__ import annotations

import pytest

from nearhit.guards import GuardSet, NegationGuard, NumberGuard
from nearhit.guards.clauses import split_question


@pytest.mark.parametrize(
    ("text", "question", "backstory"),
    [
        ("How do I reset my password?", "How do I reset my password?", ""),
        (
            "I started on Monday, I have 3 kids, I can't log in since yesterday. How do I reset my password?",
            "How do I reset my password?",
            "I started on Monday, I have 3 kids, I can't log in since yesterday.",
        ),
        ("I forgot my password, what do I do?", "what do I do?", "I forgot my password,"),
        ("If I cancel today, do I get a refund?", "If I cancel today, do I get a refund?", ""),
        (
            "My flight was cancelled. Can I get a refund? Thanks!",
            "Can I get a refund?",
            "My flight was cancelled. Thanks!",
        ),
    ],
)
def test_split_question(text: str, question: str, backstory: str) -> None:
    clauses = split_question(text)
    assert (clauses.question, clauses.backstory) == (question, backstory)


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        (
            "How do I reset my password?",
            "I started on Monday, I have 3 kids, I can't log in since yesterday. How do I reset my password?",
        ),
        ("Where do I find my payslip?", "I joined 2 weeks ago and I'm new here. Where do I find my payslip?"),
        ("How do I reset my password?", "I don't use the app much. How do I reset my password?"),
    ],
)
def test_backstory_alone_does_not_veto(query: str, candidate: str) -> None:
    assert GuardSet.default().first_rejection(query, candidate) is None
    signals = GuardSet.default().signals(query, candidate)
    assert all(s.strength < 0.5 and "backstory" in s.reason for s in signals if s.guard in {"numbers", "negation"})


@pytest.mark.parametrize(
    ("query", "candidate", "guard"),
    [
        (
            "I have 2 kids. How much child benefit do I get?",
            "I have 3 kids. How much child benefit do I get?",
            "numbers",
        ),
        ("My flight was cancelled. Can I get a refund?", "My flight wasn't cancelled. Can I get a refund?", "negation"),
        (
            "Can I claim Marriage Allowance if we are married?",
            "We aren't married, can we get Marriage Allowance?",
            "negation",
        ),
        ("I moved in May. Can I return it after 14 days?", "Can I return it after 30 days?", "numbers"),
        ("How do I cancel?", "I'm on the annual plan. How do I not cancel?", "negation"),
    ],
)
def test_changed_context_or_question_still_vetoes(query: str, candidate: str, guard: str) -> None:
    checker = NumberGuard() if guard == "numbers" else NegationGuard()
    verdict = checker.check(query, candidate)
    assert verdict is not None and verdict.guard == guard


def test_a_story_sentence_opening_with_a_time_word_is_backstory() -> None:
    text = "After five years at the firm I finally took another offer. How do I write a resignation letter?"
    assert split_question(text).question == "How do I write a resignation letter?"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How do I descale a kettle?", "Sorry, if you don't mind me asking, how do I descale a kettle?"),
        (
            "Where can I recycle batteries?",
            "Hi! If it's not too much trouble, could you tell me where I can recycle batteries?",
        ),
    ],
)
def test_a_courtesy_condition_is_not_part_of_the_question(query: str, candidate: str) -> None:
    assert GuardSet.default().first_rejection(query, candidate, 0.9) is None


def test_a_real_condition_with_a_negation_stays_with_the_question() -> None:
    verdict = GuardSet.default().first_rejection(
        "If I don't cancel, will I be charged?", "If I cancel, will I be charged?", 0.95
    )
    assert verdict is not None and verdict.guard == "negation"
