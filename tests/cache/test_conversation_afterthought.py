"""A condition one side adds as an afterthought or as what the asker holds is no aside: an "oh and" or a closing "by
the way" only frames the clause (:func:`nearhit.cache.conversation._unframed`), a clause telling what the asker is on
bears on a question about the asker (:func:`nearhit.cache.conversation._holds`), and a turn the user says may change
the answer or that tells a deadline is no chatter (:func:`nearhit.cache.clause.flags_bearing`,
:func:`nearhit.cache.clause.tells_deadline`). Invented conversations, other words than the dev sets'. Real Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, clause, conversation
from tests.support.lookups import Turns, ask

GEARS: Turns = [
    ("user", "The gears on my road bike keep slipping."),
    ("assistant", "A small cable tweak usually sorts that."),
]
GEARS_ELECTRONIC: Turns = [
    ("user", "The gears on my road bike keep slipping. Oh, and it has electronic shifting."),
    ("assistant", "A small cable tweak usually sorts that."),
]
ADJUST = "Can I just tighten it with the barrel adjuster?"

ANKLE: Turns = [
    ("user", "My son twisted his ankle at training on Tuesday."),
    ("assistant", "Ankle sprains are common in football."),
]
ANKLE_BEFORE: Turns = [
    ("user", "My son twisted his ankle at training on Tuesday. he had an operation on that ankle last year btw"),
    ("assistant", "Ankle sprains are common in football."),
]
PLAY = "Can he play football this weekend?"

SEATS: Turns = [
    ("user", "I want to add two more seats to our team account."),
    ("assistant", "That's easy to do."),
]
SEATS_PLAN: Turns = [
    ("user", "I want to add two more seats to our team account. We're on the legacy billing plan."),
    ("assistant", "That's easy to do."),
]
ADD = "How do I add them?"

SCISSORS: Turns = [
    ("user", "I'm looking for a pair of kitchen scissors under £20."),
    ("assistant", "There are some good ones at that price."),
]
FLAGGED: Turns = [("user", "I'm left-handed, if that makes a difference."), ("assistant", "It does.")]
BUY = "Which one should I buy?"

LAPTOP: Turns = [
    ("user", "I'm replacing my old laptop and want to get rid of it."),
    ("assistant", "You can trade it in or sell it privately."),
]
DEADLINE: Turns = [("user", "I need the money by this Thursday for the new one."), ("assistant", "Okay.")]
WHICH = "Which should I do?"


@pytest.mark.parametrize(
    ("stored", "asked", "question"),
    [(GEARS, GEARS_ELECTRONIC, ADJUST), (ANKLE, ANKLE_BEFORE, PLAY), (SEATS, SEATS_PLAN, ADD)],
    ids=["oh-and", "closing-btw", "holds"],
)
async def test_a_clause_added_as_an_afterthought_or_a_holding_is_not_served(
    cache: SemanticCache, stored: Turns, asked: Turns, question: str
) -> None:
    await cache.store(ask(cache, stored, question), "the stored answer")
    result = await cache.lookup(ask(cache, asked, question))
    assert not result.hit, result.candidates


@pytest.mark.parametrize(
    ("stored", "added", "question"), [(SCISSORS, FLAGGED, BUY), (LAPTOP, DEADLINE, WHICH)], ids=["flagged", "deadline"]
)
async def test_a_turn_flagged_as_bearing_or_telling_a_deadline_is_no_chatter(
    cache: SemanticCache, stored: Turns, added: Turns, question: str
) -> None:
    await cache.store(ask(cache, stored, question), "the stored answer")
    result = await cache.lookup(ask(cache, stored + added, question))
    assert not result.hit, result.candidates


@pytest.mark.parametrize(
    ("said", "unframed"),
    [
        ("oh and the fence is pine", " and the fence is pine"),
        ("he had shingles last year btw", "he had shingles last year"),
        ("i am on a student visa by the way", "i am on a student visa"),
        ("happy friday btw", "happy friday btw"),  # no subject: small talk still
        ("she is called pip btw and she is a menace", "she is called pip btw and she is a menace"),
    ],
)
def test_the_afterthought_mark_is_read_off(said: str, unframed: str) -> None:
    assert conversation._unframed(said) == unframed


def test_a_holding_but_not_a_platform() -> None:
    assert conversation._holds(["we're", "on", "the", "legacy", "billing", "plan"], "how do I add them?")
    assert not conversation._holds(["i'm", "on", "an", "m2", "macbook"], "how do I add them?")  # depends_on's to judge
    assert not conversation._holds(["we're", "on", "the", "legacy", "billing", "plan"], "how many seats does it allow?")


def test_a_question_about_doing_asks_about_the_asker() -> None:
    had = ["we", "had", "foxes", "in", "the", "garden", "last", "spring"]
    assert clause.bears_on(had, "Is it OK to leave the cat flap open at night?", opens=".") == "we"
    assert clause.bears_on(had, "Is the cat flap draughty?", opens=".") is None


def test_a_name_is_no_having() -> None:
    question = "can she go outside yet?"
    assert clause.bears_on(["she's", "called", "biscuit"], question) is None
    assert clause.bears_on(["she's", "had", "her", "jabs"], question) == "she"


@pytest.mark.parametrize(
    ("turn", "flagged", "deadline"),
    [
        ("I'm left-handed, if that makes a difference.", True, False),
        ("in case it matters, we rent", True, False),
        ("I need it done by Friday", False, True),
        ("it's due within 3 days", False, True),
        ("we went there on Friday", False, False),
        ("thanks, that helps", False, False),
    ],
)
def test_flagged_and_deadline_turns(turn: str, flagged: bool, deadline: bool) -> None:
    assert clause.flags_bearing(turn) is flagged
    assert clause.tells_deadline(turn) is deadline
