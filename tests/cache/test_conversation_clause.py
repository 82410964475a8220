"""A clause one side adds inside a turn that says what the person the question asks about has is no aside
(:func:`nearhit.cache.clause.bears_on`); what that person is or does, or a having the question does not ask about,
stays one. Invented conversations (none of the datasets' words), on the rule itself: the embedding does not decide
these outcomes (the contexts' similarity is given), and through the cache on the real embedded Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, clause
from nearhit.cache.conversation import Context, differs
from nearhit.guards import GuardSet
from tests.support.lookups import ask

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
        ("last winter she had a detached retina", "which frames suit her best?"),  # a time said first
        ("she was bitten by a horsefly on her eyelid", "which frames suit her best?"),  # a passive: done to her
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
        ("i was supposed to get them last month", "which frames should i try on?"),  # no passive: a plan
    ],
)
def test_what_another_has_or_what_the_asker_is_stays_an_aside(added: str, question: str) -> None:
    assert differs(question, _told(f"{PLAIN}, {added}"), _told(PLAIN), 0.9) is None


def test_a_sentence_opening_with_had_is_the_askers_having() -> None:
    """Chat leaves the asker unsaid ("Had a cornea graft in May."): the sentence's "had" is the asker's; mid-sentence
    ("... and had them tinted") the subject is the sentence's, and the added words stay an aside."""
    graft = "Had a cornea graft on my left eye."
    reason = differs("which frames should i try on?", _told(f"{PLAIN}. {graft}"), _told(f"{PLAIN}."), 0.9)
    assert reason is not None and "cornea graft" in reason
    assert differs("which frames should i try on?", _told(f"{PLAIN}."), _told(f"{PLAIN}. {graft}"), 0.9) is not None
    assert differs("which frames suit her best?", _told(f"{PLAIN}. {graft}"), _told(f"{PLAIN}."), 0.9) is None
    tinted = f"{PLAIN} and had them tinted"
    assert differs("which frames should i try on?", _told(tinted), _told(PLAIN), 0.9) is None


BOILER = "we're getting a new combi boiler fitted in the utility room"
FLUE = "Roughly how much will it cost?"


@pytest.mark.parametrize(
    "added",
    [
        f"{BOILER}, the flue runs through the neighbour's wall",  # a clause of its own: what the thing does
        f"{BOILER}; the pipework has lead joints everywhere",  # or has
    ],
)
def test_a_clause_saying_what_a_named_thing_does_or_has_is_no_aside(added: str) -> None:
    reason = differs(FLUE, _told(added), _told(BOILER), 0.95)
    assert reason is not None and ("flue" in reason or "pipework" in reason)


@pytest.mark.parametrize(
    "added",
    [
        f"{BOILER}, the room is the one by the back door",  # what the thing is: an aside
        f"{BOILER} the plumber recommended",  # mid-clause: no subject of its own
    ],
)
def test_what_a_named_thing_is_or_a_phrase_inside_the_clause_stays_an_aside(added: str) -> None:
    assert differs(FLUE, _told(added), _told(BOILER), 0.95) is None


CACHE = "my service keeps a lookup table in memory that several request handlers read"
SHARE = "What's the simplest way to share that?"


@pytest.mark.parametrize(
    ("added", "changed"),
    [
        (f"{CACHE} and one of them rebuilds and replaces it", True),  # what the things named do
        (f"{CACHE}, they rebuild it hourly", True),
        (f"{CACHE} and they're all quite small", False),  # what they are: an aside
        (f"{CACHE} and they mostly run at night", True),
    ],
)
def test_a_clause_saying_what_the_things_named_do_is_no_aside(added: str, changed: bool) -> None:
    assert (differs(SHARE, _told(added), _told(CACHE), 0.95) is not None) is changed


def _words(text: str) -> list[str]:
    return text.split()


def test_the_person_is_read_from_the_question() -> None:
    assert clause.bears_on(_words("and i have a narrow nose bridge"), "which frames should I try?") == "i"
    assert clause.bears_on(_words("and i have a narrow nose bridge"), "which frames suit her?") is None
    assert clause.bears_on(_words("so we've got two dogs"), "is our garden big enough?") == "we"
    assert clause.bears_on(_words("and i have to read small print"), "which frames should I try?") is None  # a duty


def test_what_the_thing_acted_on_is_bears_only_on_a_question_acting_on_it() -> None:
    assert clause.bears_on(_words("it's under the nail"), "can i dig it out with a needle?") == "it"
    assert clause.bears_on(_words("and it was leaking"), "how do i clean it?") == "it"
    assert clause.bears_on(_words("it's the shed my grandad built"), "how do i clean it?") is None  # what it is
    assert clause.bears_on(_words("it's a present from my aunt"), "will it take long to dry?") is None  # a subject
    assert clause.bears_on(_words("it's a present from my aunt"), "what if it's raining?") is None
    assert clause.bears_on(_words("she's a keen climber"), "can i dig it out with a needle?") is None


SPLINTER = "I've got a splinter in my finger, a fairly deep one"
DIG = "Can I dig it out with a sterilised needle?"


@pytest.fixture
def guarded(cache: SemanticCache) -> SemanticCache:
    cache.guards = GuardSet.default()
    return cache


async def test_where_the_thing_acted_on_is_refuses_on_the_real_redis(guarded: SemanticCache) -> None:
    """The constraint added earlier: the splinter under the nail is another answer than one in the finger's pad."""
    await guarded.store(ask(guarded, [("user", SPLINTER)], DIG), "needle answer")
    await guarded.background.drain()
    result = await guarded.lookup(ask(guarded, [("user", f"{SPLINTER}, it's right under the nail")], DIG))
    assert not result.hit, result.candidates
    assert any("under the nail" in (candidate.reason or "") for candidate in result.candidates), result.candidates


KNEE = "Just started at a climbing gym, complete beginner, want to get stronger fingers."
START = "Which exercises should I begin with?"


async def test_what_the_things_named_do_refuses_on_the_real_redis(guarded: SemanticCache) -> None:
    """The constraint added earlier: a table one handler rewrites needs another way of sharing than a read-only one."""
    await guarded.store(ask(guarded, [("user", CACHE)], SHARE), "read-only answer")
    await guarded.background.drain()
    result = await guarded.lookup(ask(guarded, [("user", f"{CACHE} and one of them rebuilds and replaces it")], SHARE))
    assert not result.hit, result.candidates
    assert any("rebuilds" in (candidate.reason or "") for candidate in result.candidates), result.candidates


async def test_what_a_named_thing_does_refuses_on_the_real_redis(guarded: SemanticCache) -> None:
    """The constraint added earlier: a flue through the neighbour's wall is another installation."""
    await guarded.store(ask(guarded, [("user", BOILER)], FLUE), "boiler answer")
    await guarded.background.drain()
    result = await guarded.lookup(
        ask(guarded, [("user", f"{BOILER}, the flue runs through the neighbour's wall")], FLUE)
    )
    assert not result.hit, result.candidates
    assert any("flue" in (candidate.reason or "") for candidate in result.candidates), result.candidates


@pytest.mark.parametrize(
    "added",
    [
        f"{KNEE} Had a pulley tendon repaired in my ring finger.",  # the asker's, "I" unsaid
        f"{KNEE} Climbing outdoors I had a pulley tendon repaired in my ring finger.",  # words before the person
    ],
)
async def test_what_the_asker_had_refuses_on_the_real_redis(guarded: SemanticCache, added: str) -> None:
    """The constraint added earlier: an injury the asker had bears on which exercises to start with."""
    await guarded.store(ask(guarded, [("user", KNEE)], START), "beginner answer")
    await guarded.background.drain()
    result = await guarded.lookup(ask(guarded, [("user", added)], START))
    assert not result.hit, result.candidates
    assert any("tendon" in (candidate.reason or "") for candidate in result.candidates), result.candidates


@pytest.mark.parametrize(
    ("said", "question"),
    [
        (f"hi there, {SPLINTER.lower()}, it's been a long day haha", DIG),  # chatter inside the turn
        (f"{SPLINTER}, it's on my left hand", "How long will it take to heal?"),  # the question's "it" is no object
    ],
)
async def test_chatter_or_an_aside_in_the_same_turn_is_still_served_on_the_real_redis(
    guarded: SemanticCache, said: str, question: str
) -> None:
    await guarded.store(ask(guarded, [("user", SPLINTER)], question), "an answer")
    await guarded.background.drain()
    result = await guarded.lookup(ask(guarded, [("user", said)], question))
    assert result.hit and result.answer is not None and result.answer.response == "an answer", result.candidates


def test_the_state_something_left_the_thing_in_bears_on_any_question() -> None:
    """A passive told of a thing ("the casing is cracked", "which was sanded down last year") says what was done to
    it, which decides what may be done with it; what it is or is for stays an aside."""
    assert clause.bears_on(_words("and the casing is cracked"), "how do i clean it?") == "state"
    assert clause.bears_on(_words("which was sanded down last year"), "what finish should i use?") == "state"
    assert clause.bears_on(_words("where everything was marked as seconds"), "can i swap it?") == "state"
    assert clause.bears_on(_words("it was a present from my aunt"), "can i swap it?") is None  # what it is
    assert clause.bears_on(_words("they're called pip and squeak"), "can i swap it?") is None  # a name
    assert clause.bears_on(_words("sorry it's been a hectic week"), "when can i book?") is None  # a time told


LAMP = "I picked up an old brass desk lamp at a car boot sale on Sunday, it has a green glass shade and a heavy base"
RUN = "Is it fine to plug it straight in and use it?"


async def test_the_state_a_thing_was_left_in_refuses_on_the_real_redis(guarded: SemanticCache) -> None:
    """The constraint added earlier: a lamp whose flex is taped is not the lamp the stored answer is about;
    the control, where it came from said more, is still served."""
    await guarded.store(ask(guarded, [("user", LAMP)], RUN), "lamp answer")
    await guarded.background.drain()
    aside = await guarded.lookup(ask(guarded, [("user", f"{LAMP}, my neighbour spotted it first")], RUN))
    assert aside.hit, aside.candidates
    result = await guarded.lookup(ask(guarded, [("user", f"{LAMP}, the flex is taped")], RUN))
    assert not result.hit, result.candidates
    assert any("taped" in (candidate.reason or "") for candidate in result.candidates), result.candidates
