"""Look-alikes written with other words on each side: scope bound to another thing, per member against
overall, who owns what, what replaces what, a perfect against a future, a condition told after the question.
Each rule fires on a look-alike and stays quiet on a rewording. Invented pairs (none from an evaluation set)."""

from __future__ import annotations

import pytest

from nearhit.guards import DirectionGuard, EntityGuard, GuardSet, ScopeGuard, TenseGuard
from nearhit.guards.clauses import told_after


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How do I find the largest file in each folder?", "How do I find the largest file on the whole disk?"),
        ("SQL: latest invoice per client?", "SQL: latest invoice across all clients?"),
        ("How much is the premium for the whole household?", "How much is the premium for each household member?"),
        ("How do I delete all emails from one sender?", "How do I delete one email from all senders?"),
        ("How do I archive my projects?", "How do I archive one of my projects?"),
        ("How do I rename every file in a directory?", "Renaming a file inside a directory, how?"),
        ("How do I wipe every row from a table?", "What is the way to remove the top row of a table?"),
    ],
)
def test_scope_bound_elsewhere_is_another_question(query: str, candidate: str) -> None:
    for first, second in ((query, candidate), (candidate, query)):
        verdict = ScopeGuard().check(first, second)
        assert verdict is not None and verdict.guard == "scope"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How do I delete every row in a table?", "How do I delete all rows in a table?"),
        ("Which one of these phones is lighter?", "Which of these phones is lighter?"),
        ("What is the top score for each player?", "What is every player's top score?"),
        ("How much protein is in each banana?", "How much protein does a banana have?"),
    ],
)
def test_scope_in_other_words_passes(query: str, candidate: str) -> None:
    assert ScopeGuard().check(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Can I give my horse my pony's hoof oil?", "Can I give my pony my horse's hoof oil?"),
        ("Can my landlord inspect my lodger's room?", "Can my lodger inspect my landlord's room?"),
        ("Can my company insure my partner?", "Can my partner's company insure me?"),
        ("Should I use honey instead of sugar in tea?", "Should I replace honey with sugar in tea?"),
        ("Can I swap rice for quinoa in a salad?", "Can I use rice instead of quinoa in a salad?"),
        ("Can I substitute yogurt for cream?", "Can I substitute cream for yogurt?"),
    ],
)
def test_another_owner_or_replacement_is_a_role_swap(query: str, candidate: str) -> None:
    for first, second in ((query, candidate), (candidate, query)):
        verdict = DirectionGuard().check(first, second)
        assert verdict is not None and verdict.guard == "direction"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("What does the map function do in Rust?", "What is the purpose of Rust's map function?"),
        ("How do I read the history of a Slack channel?", "How can I read a channel's history in Slack?"),
        ("Should I use honey instead of sugar in tea?", "Should I replace sugar with honey in tea?"),
        ("Can I substitute yogurt for cream?", "Can I use yogurt instead of cream?"),
        ("Can I swap rice for quinoa in a salad?", "Can I use quinoa instead of rice in a salad?"),
        ("Who sang at last year's closing ceremony?", "Who sang at the closing ceremony last year?"),
        ("What is my partner's tax code?", "What tax code does my partner have?"),
        ("How do I find my dog's microchip number?", "How do I find the microchip number my dog has?"),
    ],
)
def test_the_same_owner_or_replacement_in_other_words_passes(query: str, candidate: str) -> None:
    assert DirectionGuard().check(query, candidate) is None
    assert DirectionGuard().check(candidate, query) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        (
            "Has my visa application for the trip been approved?",
            "When will my visa application for the trip be approved?",
        ),
        ("Have interest rates gone up?", "Will interest rates go up?"),
        ("What happened to my saved drafts?", "What will happen to my saved drafts?"),
        ("Who broke the vase?", "Who will break the vase?"),
        ("Has my parcel been posted?", "When is my parcel going to be posted?"),
    ],
)
def test_a_perfect_or_a_past_verb_against_a_future_is_another_time(query: str, candidate: str) -> None:
    verdict = TenseGuard().check(query, candidate)
    assert verdict is not None and verdict.guard == "tense"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Has my parcel arrived?", "Did my parcel arrive?"),
        ("Has my parcel arrived?", "Is my parcel here?"),
        ("Do I have to renew my licence?", "Will I have to renew my licence?"),
        ("What happens if I miss a payment?", "What will happen if I miss a payment?"),
    ],
)
def test_a_perfect_against_a_past_or_present_passes(query: str, candidate: str) -> None:
    assert TenseGuard().check(query, candidate) is None


def test_a_situation_told_after_the_question_is_a_constraint() -> None:
    plain = "Which sunscreen should I buy?"
    allergic = "Which sunscreen should I buy? I'm allergic to oxybenzone."
    for qualified in (allergic, "Which sunscreen to buy? My skin is oily."):
        for first, second in ((plain, qualified), (qualified, plain)):
            verdict = EntityGuard().check(first, second)
            assert verdict is not None and verdict.guard == "entities"
            assert GuardSet.default().first_rejection(first, second, 0.9) is not None


@pytest.mark.parametrize(
    "told",
    [
        "I'm allergic to oxybenzone. Which sunscreen should I buy?",  # before the question: backstory
        "Which sunscreen should I buy? Thanks a lot!",
        "Which sunscreen should I buy? need it today",
        "Which sunscreen should I buy? explain like im new to this",
    ],
)
def test_backstory_and_courtesy_after_the_question_are_no_constraint(told: str) -> None:
    assert EntityGuard().check("Which sunscreen should I buy?", told) is None


def test_told_after_reads_only_the_askers_situation_after_the_last_question() -> None:
    assert told_after("How do I charge it? We're on a boat.") == "We're on a boat."
    assert told_after("I'm on a boat. How do I charge it?") == ""
    assert told_after("How do I charge it? The plug is loose.") == ""
    assert told_after("I'm on a boat, how do I charge it") == ""


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Easy lunch ideas?", "Easy lunch ideas for a toddler?"),
        ("How do I take a screenshot?", "What's the shortcut for a screenshot on a Chromebook?"),
        ("Is ibuprofen safe?", "Is ibuprofen OK to take while breastfeeding?"),
        ("Which cake can I bake?", "Which cake can I bake? We're all vegan."),
    ],
)
def test_a_condition_named_on_one_side_only_is_another_question(query: str, candidate: str) -> None:
    for first, second in ((query, candidate), (candidate, query)):
        verdict = EntityGuard().check(first, second)
        assert verdict is not None and verdict.guard == "entities"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Is there a banking app for iPhone?", "is there an iOS banking app"),
        ("How do I check disk space on Linux?", "On Linux, what shows how full my disk is?"),
        ("My kids are loud. How do I soundproof a door?", "How do I soundproof a door?"),
    ],
)
def test_the_same_condition_or_one_in_backstory_passes(query: str, candidate: str) -> None:
    assert EntityGuard().check(query, candidate) is None
    assert EntityGuard().check(candidate, query) is None
