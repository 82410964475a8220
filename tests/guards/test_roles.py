"""Who acts on whom, read from the clause: the same verb with another agent, or a party that acts on one
side and is acted on on the other. Invented pairs (none from an evaluation set)."""

from __future__ import annotations

import pytest

from nearhit.guards import DirectionGuard


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Can I keep my landlord's deposit?", "Can my landlord keep my deposit?"),
        ("What should I do after my neighbour sued me?", "How do I sue my neighbour?"),
        ("What should I do if I was fired?", "How do I fire an employee?"),
        ("What should I do if a cyclist hit me?", "What should I do if I hit a cyclist?"),
        ("Can my brother claim me on his insurance?", "Can I claim my brother on my insurance?"),
        ("What happens if I was overcharged by a supplier?", "What happens if I overcharged a supplier?"),
    ],
)
def test_another_agent_for_the_same_verb_is_a_role_swap(query: str, candidate: str) -> None:
    assert DirectionGuard().check(query, candidate) is not None
    assert DirectionGuard().check(candidate, query) is not None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Hi! Could you tell me why I was billed twice?", "Why was I billed twice?"),
        ("Can you send me the refund policy?", "What is the refund policy?"),
        ("Please help me reset my router.", "How do I reset my router?"),
        ("How can my landlord keep my deposit?", "Can my landlord keep my deposit?"),
        ("Why did the bank charge me a fee?", "Why was I charged a fee by the bank?"),
        ("How do I change the password reset email?", "How do I change the email for password resets?"),
    ],
)
def test_the_same_roles_in_other_words_pass(query: str, candidate: str) -> None:
    assert DirectionGuard().check(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("What do I do with the 1099 form a company sent me?", "How do I issue a 1099 form to a freelancer?"),
        ("What do I do with the notice my tenant handed me?", "How do I hand a notice to my tenant?"),
        ("What do I do when my bank lends me money?", "How do I lend money to a friend?"),
        ("What do I do with the refund voucher a shop gave me?", "How do I issue a refund voucher to a customer?"),
    ],
)
def test_giving_against_receiving_is_a_role_swap(query: str, candidate: str) -> None:
    assert DirectionGuard().check(query, candidate) is not None
    assert DirectionGuard().check(candidate, query) is not None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("What should I do after receiving an eviction notice from my landlord?", "My landlord sent me a notice."),
        ("How do I give my manager feedback?", "How do I give feedback to my manager?"),
        ("My friend lent me money, how do I pay it back?", "How do I repay money a friend lent me?"),
    ],
)
def test_giving_or_receiving_on_both_sides_passes(query: str, candidate: str) -> None:
    assert DirectionGuard().check(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        (
            "How do I pass the admin rights from me to a teammate?",
            "A teammate holds the admin rights, how are they passed to me?",
        ),
        ("Can a refund be sent from us to a customer abroad?", "Can a customer abroad send a refund to us?"),
    ],
)
def test_the_speaker_as_where_a_thing_comes_from_or_goes_is_a_direction(query: str, candidate: str) -> None:
    found = DirectionGuard().signal(query, candidate)
    assert found is not None and found.strength >= DirectionGuard().cut


def test_the_speaker_at_the_same_end_is_no_direction() -> None:
    assert DirectionGuard().signal("How do I get the files sent to me?", "How can I have the files sent to me?") is None
