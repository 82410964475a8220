"""Word-level rules: derivations are other words, truncations and spelt-out acronyms are the same name,
asking for an explanation is framing, and a letter-digit word is a name, not a number."""

from __future__ import annotations

import pytest

from nearhit.guards import EntityGuard, GuardSet


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("What social security contributions does the employer pay?", "What does the employee pay in contributions?"),
        ("What is the executor of a will?", "What is the execution of a will?"),
        ("What is a company's capitalization?", "What is a company's capital?"),
        ("How do I upgrade from Python2?", "How do I upgrade from Python3?"),
    ],
)
def test_other_derivations_and_codes_are_other_words(query: str, candidate: str) -> None:
    assert GuardSet.default().first_rejection(query, candidate) is not None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How do I sort a dictionary by value in Python?", "How do I sort a dict by value in Python?"),
        ("Do I need a passport to fly within the United States?", "do i need a passport to fly within the US"),
        ("How do I install a package with the Node package manager?", "How do I install a package with npm?"),
        ("What is a statute of limitations?", "What does statute of limitations mean?"),
        ("What is a load balancer?", "Could you explain what a load balancer is?"),
        ("How do I change the email on my account?", "How do I chnage the email on my acount?"),
        # a vowel typed wrong in a derivational ending: one known word and its misspelling, not two words
        ("Which documents prove my address?", "which documants prove my address"),
        ("How long does security clearance take?", "how long does security clearence take"),
        (
            "How do I renew my passport?",
            "My passport expires on 14 March and I travel in April. How do I renew my passport?",
        ),
    ],
)
def test_same_name_or_framing_passes(query: str, candidate: str) -> None:
    assert GuardSet.default().first_rejection(query, candidate) is None


def test_a_name_in_the_question_still_counts() -> None:
    verdict = EntityGuard().check(
        "I live in Leeds. How do I renew my passport?", "How do I renew my passport in Leeds?"
    )
    assert verdict is None
    verdict = EntityGuard().check("How do I get to Rome?", "I love Rome. How do I get to Paris?")
    assert verdict is not None and "paris" in verdict.reason
