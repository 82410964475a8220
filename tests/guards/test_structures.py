"""Look-alikes told by their structure, whatever the words: a clause one side adds to the other's plain
question, the amount asked for and the amount given swapped, code with its symbols reordered, "only" against
"all". Each rule fires on a look-alike and stays quiet on a rewording. Invented pairs (none from an evaluation
set, and in other words than the pairs that showed the cause)."""

from __future__ import annotations

import pytest

from nearhit.guards import CodeGuard, DirectionGuard, EntityGuard, GuardSet, NegationGuard, ScopeGuard
from nearhit.guards.restriction import added_clause


@pytest.mark.parametrize(
    ("plain", "restricted"),
    [
        ("How do I water my lawn?", "How do I water my lawn when there is a hosepipe ban in force?"),
        ("What's a good hiking tent?", "What's a good hiking tent which weighs under a kilo?"),
        ("Which sofa should I buy?", "Which sofa should I buy if my dog sheds hair constantly?"),
        ("How should I store tomatoes?", "How should I store tomatoes that were picked green?"),
        ("Best camera for travel?", "Best camera for travel with a battery that lasts a whole week?"),
        ("Are bonuses subject to payroll tax?", "Are bonuses subject to payroll tax within a salary sacrifice scheme?"),
        ("Can I get a refund on my train ticket?", "Can I get a refund on my train ticket during a rail strike?"),
    ],
)
def test_a_clause_added_to_the_plain_question_is_another_question(plain: str, restricted: str) -> None:
    for first, second in ((plain, restricted), (restricted, plain)):
        assert added_clause(first, second) is not None
        verdict = EntityGuard().check(first, second)
        assert verdict is not None and "a clause on one side" in verdict.reason


@pytest.mark.parametrize(
    ("plain", "other"),
    [
        # The clause restates the plain side in other words, or brings one word only.
        ("What's the best way to keep fresh coriander?", "What's the best way to keep coriander that I just bought?"),
        ("grill salmon time 200 degrees", "How long should I grill salmon if the oven is at 200 degrees?"),
        # Courtesy, and a story told before the question in the same run of words.
        ("How do I defrost a freezer?", "How do I defrost a freezer, if you don't mind me asking?"),
        (
            "How do I hem trousers?",
            "I'm a nurse who never learnt to sew and my uniform is too long 😅 how do I hem trousers?",
        ),
        # The phrase names the plain side's own words again: a terse query spelt out.
        ("docker attach container shell", "How do I get a shell inside a running docker container?"),
        # The clause tells what the asker did: the same thing described again.
        ("How do I unlock my phone?", "How do I unlock my phone which I locked remotely from the website?"),
        ("How do I return a sofa?", "How do I return a sofa that we bought at a warehouse sale?"),
        # Both sides carry a clause: another rule's business, not an added one.
        ("Can I park here when the sign is covered?", "Can I park here if the sign is covered up?"),
    ],
)
def test_a_clause_that_adds_nothing_new_passes(plain: str, other: str) -> None:
    assert added_clause(plain, other) is None
    assert added_clause(other, plain) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How many yen do I get for 300 pesos?", "How many pesos is 300 yen?"),
        ("How many hours of work is 40 dollars?", "How many dollars is 40 hours of work?"),
    ],
)
def test_the_amount_asked_and_the_amount_given_swapped_is_a_role_swap(query: str, candidate: str) -> None:
    for first, second in ((query, candidate), (candidate, query)):
        verdict = DirectionGuard().check(first, second)
        assert verdict is not None and verdict.guard == "direction"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How many yen do I get for 300 pesos?", "How many yen will 300 pesos buy me?"),
        ("How many calories are in 3 eggs?", "How many calories do 3 eggs have?"),
        ("How many 5 star hotels are in Lisbon?", "How many five-star hotels does Lisbon have?"),
    ],
)
def test_the_same_amounts_in_other_words_pass(query: str, candidate: str) -> None:
    assert DirectionGuard().check(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("What does `padding: 4px 0` do?", "What does `padding: 0 4px` do?"),
        ("Why does `b - a` give a negative number?", "Why does `a - b` give a negative number?"),
        ("What does `mv new old` do?", "What does `mv old new` do?"),
    ],
)
def test_code_with_its_tokens_reordered_is_other_code(query: str, candidate: str) -> None:
    verdict = CodeGuard().check(query, candidate)
    assert verdict is not None and "reordered" in verdict.reason


def test_the_same_code_spans_in_another_order_pass() -> None:
    assert CodeGuard().check("Is `map` faster than `filter`?", "Is `filter` slower than `map`?") is None
    assert CodeGuard().check("What does `ls  -la` do?", "What does `ls -la` do?") is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        # "only" added where both sides have a universal word ("all" / "every").
        ("How do I export all my contacts?", "How do I export only the contacts I starred, each one with a photo?"),
        ("How do I mute all my group chats?", "How can I mute only the group chats that ping me every hour?"),
    ],
)
def test_only_against_all_restricts_the_scope(query: str, candidate: str) -> None:
    for first, second in ((query, candidate), (candidate, query)):
        verdict = ScopeGuard().check(first, second)
        assert verdict is not None and verdict.guard == "scope"


def test_only_against_only_or_without_a_whole_passes() -> None:
    assert ScopeGuard().check("How do I export only my contacts?", "How can I export just my contacts only?") is None
    assert (
        GuardSet.default().first_rejection("How do I mute all notifications?", "How to mute every notification?")
        is None
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            "Why does the dishwasher drain when the door is not latched?",
            "Why does the dishwasher not drain when the door is latched?",
        ),
        (
            "Can I board the ferry if my passport is not stamped?",
            "Can I not board the ferry if my passport is stamped?",
        ),
        (
            "Why do my lights flicker when the fan isn't spinning?",
            "Why do my lights not flicker when the fan is spinning?",
        ),
    ],
)
def test_a_negation_moved_to_the_other_verb_is_another_question(one: str, other: str) -> None:
    for first, second in ((one, other), (other, one)):  # one negator a side: only which verb it negates differs
        verdict = NegationGuard().check(first, second)
        assert verdict is not None and "negation moved" in verdict.reason


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Why isn't my printer printing?", "Why is my printer not printing?"),  # before the subject, then after
        ("How do I cancel a booking without paying a fee?", "How can I cancel a booking without fees being paid?"),
        (
            "How do I rename a folder in Windows without losing its links?",
            "How can I rename a folder without Windows losing its links?",
        ),
    ],
)
def test_the_same_negation_said_in_another_place_is_not_a_moved_one(one: str, other: str) -> None:
    for first, second in ((one, other), (other, one)):
        verdict = NegationGuard().check(first, second)
        assert verdict is None or "negation moved" not in verdict.reason, verdict
