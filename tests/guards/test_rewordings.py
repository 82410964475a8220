"""Rewordings the guards used to read as another subject: short forms, verb synonyms, a country's names,
greetings, misspelt stop words and contractions typed without the apostrophe; and the traps beside them."""

from __future__ import annotations

import pytest

from nearhit.guards import EntityGuard, GuardSet, NegationGuard, NumberGuard


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("how to rename a var in ts", "How do I rename a variable in TypeScript?"),
        ("do i need a lic to sell food from home", "Do I need a license to sell food from home?"),
        ("can i claim biz mileage", "Can I claim business mileage?"),
        ("whats the diff between a loan and a grant", "What is the difference between a loan and a grant?"),
        ("How do I eliminate blank rows in a spreadsheet?", "How do I remove blank rows in a spreadsheet?"),
        ("Where can I view my payslips?", "Where can I see my payslips?"),
        ("Who should I inform when I move house?", "Who should I notify when I move house?"),
        ("Do I have to tell my landlord before I sublet?", "Do I have to notify my landlord before I sublet?"),
        ("How do I get rid of old kernels on Ubuntu?", "How do I remove old kernels on Ubuntu?"),
    ],
)
def test_short_forms_and_synonyms_pass(query: str, candidate: str) -> None:
    assert GuardSet.default().first_rejection(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Can a US citizen work in Norway?", "Can an American citizen work in Norway?"),
        ("How do I renew a British driving licence?", "How do I renew a UK driving licence?"),
        ("What is the minimum wage in America?", "What is the minimum wage in the USA?"),
    ],
)
def test_a_countrys_names_are_one_name(query: str, candidate: str) -> None:
    assert EntityGuard().signal(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Can a US citizen work in Norway?", "Can a Canadian citizen work in Norway?"),
        ("What is the minimum wage in America?", "What is the minimum wage in Mexico?"),
        ("Is tipping expected in Japan?", "Is tipping expected in China?"),
    ],
)
def test_other_countries_still_differ(query: str, candidate: str) -> None:
    assert GuardSet.default().first_rejection(query, candidate) is not None


def test_a_greeting_is_no_subject_word() -> None:
    assert EntityGuard().signal("yo how do i merge two dicts", "How do I merge two dicts?") is None
    assert EntityGuard().signal("can i deduct my home office or nah", "Can I deduct my home office?") is None


def test_a_misspelt_stop_word_is_that_word() -> None:
    # "receive" reads as "get", a stop word: its misspelling must not stay a subject word of its own.
    assert EntityGuard().signal("i never recieved my refund", "I never received my refund.") is None


def test_a_bare_contraction_matches_the_other_sides_negation() -> None:
    guard = NegationGuard()
    assert guard.signal("my parcel didnt arrive", "My parcel didn't arrive.") is None
    assert guard.signal("why doesnt my laptop charge", "Why doesn't my laptop charge?") is None


def test_a_bare_contraction_still_differs_from_no_negation_against_a_negated_side() -> None:
    guard = NegationGuard()
    # One bare contraction cannot stand for two negations, and the apostrophe form on one side still counts.
    assert guard.signal("my parcel didnt arrive", "My parcel didn't arrive and I was not told.") is not None
    assert guard.signal("my parcel did arrive", "My parcel didn't arrive.") is not None


def test_a_number_said_twice_is_one_number() -> None:
    guard = NumberGuard()
    told_twice = "I have 2 lists of user ids. How do I merge two lists in Python?"
    assert guard.signal(told_twice, "How do I merge two lists in Python?") is None
    # Another number, or the number said twice against one side that has a different one, still differs.
    assert guard.signal(told_twice, "How do I merge three lists in Python?") is not None
    assert guard.signal("Is 2 + 2 equal to 4?", "Is 2 + 3 equal to 4?") is not None


def test_a_separable_verb_is_its_one_word_form() -> None:
    guard = EntityGuard()
    assert guard.signal("Wie kann ich mein Konto zurücksetzen?", "Wie setze ich mein Konto zurück?") is None
    # The particle carries the meaning: "herunterladen" (download) is not "hochladen" (upload).
    assert guard.signal("Wie kann ich die Datei hochladen?", "Wie lade ich die Datei herunter?") is not None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How do I log in to the staff portal?", "How do I login to the staff portal?"),
        ("How do I set up a printer on my laptop?", "How do I setup a printer on my laptop?"),
    ],
)
def test_two_words_written_as_one_are_that_word(query: str, candidate: str) -> None:
    assert EntityGuard().signal(query, candidate) is None


def test_a_negator_split_in_two_matches_the_other_sides() -> None:
    guard = NegationGuard()
    assert guard.signal("can i rent a car with out a credit card", "Can I rent a car without a credit card?") is None
    assert guard.signal("can i rent a car with a credit card", "Can I rent a car without a credit card?") is not None
