"""A clause one side adds inside a turn that says what the person the question asks about has is no aside
(:func:`nearhit.cache.clause.bears_on`); what that person is or does, or a having the question does not ask about,
stays one. Invented conversations (none of the datasets' words), on the rule itself: the embedding does not decide
these outcomes (the contexts' similarity is given)."""

from __future__ import annotations

import pytest

from nearhit.cache import clause
from nearhit.cache.conversation import Context, differs

REPLY = ("assistant", "Some frames suit that better than others.")


def _told(said: str) -> Context:
    return Context((("user", said), REPLY))


PLAIN = "my reading glasses keep sliding down my nose"


@pytest.mark.parametrize(
    ("added", "question"),
    [
        ("and i have a very narrow nose bridge", "which frames should i try on?"),
        ("i've had a lazy eye since school", "which frames should i try on?"),
        ("she's developed a rash on her cheeks", "which frames suit her best?"),
        ("though he has a metal plate in his jaw", "can he wear the titanium ones?"),
    ],
)
def test_what_the_person_asked_about_has_is_no_aside(added: str, question: str) -> None:
    reason = differs(question, _told(f"{PLAIN}, {added}"), _told(PLAIN), 0.9)
    assert reason is not None and added.split()[-1] in reason
    assert differs(question, _told(PLAIN), _told(f"{PLAIN}, {added}"), 0.9) is not None  # either side may add it


@pytest.mark.parametrize(
    ("added", "question"),
    [
        ("i'm a bus driver so i wear them all day", "which frames should i try on?"),  # what the asker is or does
        ("my brother is visiting next week", "which frames should i try on?"),
        ("she has a shop on the high street", "which frames should i try on?"),  # not the person asked about
        ("he's a very fussy customer", "which frames suit him best?"),  # "'s" is "is" here
    ],
)
def test_what_another_has_or_what_the_asker_is_stays_an_aside(added: str, question: str) -> None:
    assert differs(question, _told(f"{PLAIN}, {added}"), _told(PLAIN), 0.9) is None


def _words(text: str) -> list[str]:
    return text.split()


def test_the_person_is_read_from_the_question() -> None:
    assert clause.bears_on(_words("and i have a narrow nose bridge"), "which frames should I try?") == "i"
    assert clause.bears_on(_words("and i have a narrow nose bridge"), "which frames suit her?") is None
    assert clause.bears_on(_words("so we've got two dogs"), "is our garden big enough?") == "we"
    assert clause.bears_on(_words("and i have to read small print"), "which frames should I try?") is None  # a duty
