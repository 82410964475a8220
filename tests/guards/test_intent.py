"""The intent guard: another ask-type about the same subject is another question; rewordings of one
ask-type are not. Invented pairs."""

from __future__ import annotations

import pytest

from nearhit.guards import GuardSet, IntentGuard
from nearhit.guards.intent import ask_type, asks_one_kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("How do I renew my library card?", "how_to"),
        ("What's the easiest way to renew a library card?", "how_to"),
        ("Is there a way to renew my library card online?", "how_to"),
        ("Why does my library card keep expiring?", "why"),
        ("What happens if my library card expires?", "what_if"),
        ("Is it safe to lend my library card to a friend?", "safe"),
        ("Can I renew my library card by phone?", "can"),
        ("Can the library cancel my card?", "can_other"),
        ("Should I renew my library card early?", "should"),
        ("Do I have to renew my library card every year?", "must"),
        ("How long is a library card valid?", "how_long"),
        ("How much does a library card cost?", "how_much"),
        ("When can I renew my library card?", "when"),
        ("Where do I renew a library card?", "where"),
        ("Who can renew a library card?", "who"),
        ("What is a library card?", None),
        # a courtesy wrapper is skipped; a one-word ask in the middle of a clause is not an ask
        ("Can you tell me how to renew my library card?", "how_to"),
        ("I'm a student who lost my card, how do I get a new one?", "how_to"),
        # a "when" that opens a condition leaves the ask to what follows it
        ("When I move house, do I need to renew my library card?", "must"),
        ("I moved house last week. Why was my library card blocked?", "why"),  # the question clause only
    ],
)
def test_the_ask_type_is_read_from_the_question_clause(text: str, kind: str | None) -> None:
    assert ask_type(text) == kind


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How do I unsubscribe from the newsletter?", "What happens if I unsubscribe from the newsletter?"),
        ("How do I defrost the freezer?", "Why does my freezer need defrosting?"),
        ("How do I clean a cast iron pan with soap?", "Is it safe to clean a cast iron pan with soap?"),
        ("How do I rebase my feature branch?", "Should I rebase my feature branch?"),
        ("Can I skip the second dose?", "Should I skip the second dose?"),
        ("How do I return a rental car late?", "Can the rental company charge me for returning late?"),
        ("How long does the visa take to process?", "Where do I apply for the visa?"),
    ],
)
def test_another_ask_type_about_the_same_subject_is_vetoed(query: str, candidate: str) -> None:
    found = IntentGuard().signal(query, candidate)
    assert found is not None and found.strength >= IntentGuard().cut
    assert found.reason.startswith("asks for another thing:")
    assert GuardSet.default().first_rejection(query, candidate, 0.95) is not None
    assert not GuardSet.default().quiet(query, candidate)


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How do I unsubscribe from the newsletter?", "What's the way to unsubscribe from the newsletter?"),
        ("How can I export my contacts?", "How do I export my contacts?"),
        ("How do I export my contacts?", "Could you tell me how to export my contacts?"),
        ("Why is my phone battery draining?", "How come my phone battery is draining?"),
        ("When I fly abroad, should I tell my bank?", "Should I tell my bank when I fly abroad?"),
        ("How do I export my contacts?", "Export my contacts"),  # no ask-type on one side: not compared
    ],
)
def test_rewordings_of_one_ask_type_are_not_a_difference(query: str, candidate: str) -> None:
    assert IntentGuard().signal(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Can I change my username, and how?", "How do I change my username?"),  # asking leave often asks how
        ("How long does shipping take?", "When will my parcel arrive?"),
        ("Should I tell my employer?", "Do I need to tell my employer?"),
    ],
)
def test_ask_types_that_often_reword_each_other_are_a_weak_signal(query: str, candidate: str) -> None:
    found = IntentGuard().signal(query, candidate)
    assert found is not None and found.strength < IntentGuard().cut
    assert GuardSet.default().first_rejection(query, candidate, 0.9) is None


def test_languages_the_ask_types_are_not_listed_for_get_no_signal() -> None:
    assert IntentGuard().signal("¿Cómo cancelo mi pedido?", "¿Por qué cancelaron mi pedido?") is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Can I renew my passport early?", "How do I renew my passport early?"),
        ("How can I sublet my flat?", "Can we sublet our flat?"),
    ],
)
def test_can_i_without_how_against_a_how_question_asks_whether_not_a_way(query: str, candidate: str) -> None:
    found = IntentGuard().signal(query, candidate)
    assert found is not None and found.strength >= IntentGuard().cut


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Can I renew my passport early, and how?", "How do I renew my passport early?"),
        ("What can I use to renew my passport?", "How do I renew my passport?"),
        ("Can I renew my passport early?", "Is there a way to renew my passport early?"),
        ("Can I get a blank cell instead of the error?", "How do I make the cell show blank instead of the error?"),
    ],
)
def test_a_can_that_asks_a_way_stays_a_near_type(query: str, candidate: str) -> None:
    found = IntentGuard().signal(query, candidate)
    assert found is None or found.strength < IntentGuard().cut


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How many weeks should I wait before I repaint it?", "When can I repaint it?"),
        ("How do I read the bucket name from the stack?", "How can the stack pass on the bucket name?"),
        ("Can she eat raisins?", "Are raisins safe to give her?"),
        ("Should I ring the plumber or the electrician?", "Who should I get round, plumber or electrician?"),
        ("Is the deposit held by me or by the agent?", "Who holds the deposit?"),
        ("How often should I water it?", "Should it get water every day or less often?"),
        ("Do I use LEFT or INNER for that?", "Which join keeps the rows, LEFT or INNER?"),
    ],
)
def test_two_ask_types_of_one_kind_of_answer(query: str, candidate: str) -> None:
    assert asks_one_kind(query, candidate)


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Can I take the dog on the bus?", "Should I take the dog on the bus?"),
        ("How long does the repaint take?", "How much does the repaint cost?"),
        ("Should I repaint it or sell it as it is?", "How do I repaint it?"),
        ("Should I learn the standard language or the dialect?", "How long will it take me to learn it?"),
        ("Is it paid by me or by the agent?", "Why is it paid at all?"),
    ],
)
def test_ask_types_of_other_kinds_of_answer(query: str, candidate: str) -> None:
    assert not asks_one_kind(query, candidate)
