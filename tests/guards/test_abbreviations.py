"""Short forms read as what they stand for: no rejection for "pwd" against "password"."""

from __future__ import annotations

import pytest

from nearhit.guards import GuardSet
from nearhit.guards.text import expand_short_forms


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How do I sort an array in JS?", "How do I sort an array in JavaScript?"),
        ("Can I pay w/o a card?", "Can I pay without a card?"),
        ("How do I reset my pwd?", "How do I reset my password?"),
        ("How much PTO do I get?", "How much paid time off do I get?"),
        ("Can I change my acct email?", "Can I change my account email?"),
        ("How do I clone a repo?", "How do I clone a repository?"),
        ("Can I buy OTC painkillers abroad?", "Can I buy over-the-counter painkillers abroad?"),
        ("how do i move my files to a new pc", "How do I move my files to a new personal computer?"),
        ("whats the max file size for an email attachment", "What is the maximum file size for an email attachment?"),
        ("how to add a bcc in outlook", "How to add a blind carbon copy in Outlook?"),
        ("is this laptop gud for gaming", "Is this laptop good for gaming?"),
        ("how do i review a PR on my phone", "How do I review a pull request on my phone?"),
        ("whats the hq address of the company", "What is the headquarters address of the company?"),
        ("can i get a vpn on my work laptop", "Can I get a virtual private network on my work laptop?"),
    ],
)
def test_short_forms_pass(query: str, candidate: str) -> None:
    assert GuardSet.default().first_rejection(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How do I sort an array in JS?", "How do I sort an array in Python?"),
        ("Can I pay w/o a card?", "Can I pay with a card?"),
        ("Should I buy an SSD?", "Should I buy a hard disk drive?"),
    ],
)
def test_short_forms_still_differ_from_other_words(query: str, candidate: str) -> None:
    assert GuardSet.default().first_rejection(query, candidate) is not None


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("reset my pwd?", "reset my password?"),
        ("pay w/o a card, pls", "pay without a card, please"),
        ("k8s or js.", "kubernetes or javascript."),
        ("Is my ACCT locked", "Is my account locked"),
        ("charge my EV w/out a wallbox, ngl", "charge my electric vehicle without a wallbox, not going to lie"),
    ],
)
def test_short_forms_are_spelt_out_for_the_embedder(text: str, expanded: str) -> None:
    assert expand_short_forms(text) == expanded


@pytest.mark.parametrize("text", ["open db.json", "run ts-node", "the u.s. flag", "cd src/js/app", "v1.js"])
def test_short_forms_inside_names_and_paths_stay(text: str) -> None:
    assert expand_short_forms(text) == text


@pytest.mark.parametrize("prompt", ["Wat kost een abonnement?", "Os preços incluem IVA?", "Co robić po awarii?"])
def test_words_of_other_languages_are_not_read_as_english_short_forms(prompt: str) -> None:
    assert expand_short_forms(prompt) == prompt


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How do I edit the nginx cfg file?", "How do I edit the nginx config file?"),
        ("how do i add a new mbr to the team", "How do I add a new member to the team?"),
        ("where do i find the rcpt for my order", "Where do I find the receipt for my order?"),
        ("My BT speaker keeps cutting out", "My Bluetooth speaker keeps cutting out"),
        ("pg: how do i list every schema", "How do I list every schema in PostgreSQL?"),
    ],
)
def test_a_word_written_as_its_consonants_is_that_word(query: str, candidate: str) -> None:
    # None of these short forms is in data/abbreviations.txt: the entity guard reads them by their letters.
    assert GuardSet.default().first_rejection(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("how do i install pg on my mac", "How do I install pgAdmin on my Mac?"),  # a code lengthened
        ("How do I query SQL from Python?", "How do I query SQLite from Python?"),
        ("How do I style CSS in React?", "How do I style classes in React?"),  # a name, short, is no word
        ("How do I open the HR portal?", "How do I open the hour portal?"),
        ("How do I renew my CDL?", "How do I renew my candle?"),
        ("how do i cancel my rcpt", "How do I cancel my report?"),  # "report" has no "c"
    ],
)
def test_letters_in_order_are_no_short_form_of_another_thing(query: str, candidate: str) -> None:
    assert GuardSet.default().first_rejection(query, candidate) is not None
