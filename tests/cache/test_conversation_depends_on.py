"""A place or a platform one side's user turns tell and the other's do not is a change only before a question whose
answer depends on it (:mod:`nearhit.cache.depends_on`): a permit, a fee, a shortcut, not the wood stain that lasts
longest. Invented conversations (none of the datasets' words), on the rule itself (the contexts' similarity is
given) and through the cache on the real embedded Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, depends_on
from nearhit.cache.conversation import Context, differs, standalone
from nearhit.guards import GuardSet
from tests.support.lookups import ask

REPLY = ("assistant", "Sounds like a nice project.")
SHED = "I'm putting up a small garden shed at the bottom of the lawn"
THERE = f"{SHED}, here in Winnipeg"
PERMIT = "Do I need a permit for it?"
STAIN = "Which wood stain lasts longest?"
FILES = "I rename dozens of scanned receipts by hand every evening"
ON_IT = "I rename dozens of scanned receipts by hand every evening on my Chromebook"


def _told(*said: str) -> Context:
    return Context(tuple(turn for text in said for turn in (("user", text), REPLY)))


@pytest.mark.parametrize(
    ("text", "told"),
    [
        ("we moved to Winnipeg last year", {"place": {"winnipeg"}}),
        ("my brother lives in the Netherlands", {"place": {"netherlands"}}),
        ("it's on my Chromebook", {"platform": {"chromeos"}}),
        ("I finished it in March", {}),  # a time, not a place
    ],
)
def test_what_a_text_tells_of_places_and_platforms(text: str, told: dict[str, set[str]]) -> None:
    assert depends_on.told(text) == told


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        (PERMIT, {"place"}),
        ("How much is the fee?", {"place"}),
        ("Is there a shortcut for that?", {"platform"}),
        (STAIN, set()),
    ],
)
def test_the_kinds_a_question_depends_on(question: str, kinds: set[str]) -> None:
    assert depends_on.depends_on(question) == kinds


def test_a_told_place_differs_only_before_a_question_that_depends_on_it() -> None:
    assert differs(PERMIT, _told(THERE), _told(SHED), 0.9) is not None
    assert differs(PERMIT, _told(SHED), _told(THERE), 0.9) is not None
    assert differs(STAIN, _told(THERE), _told(SHED), 0.9) is None


def test_a_city_beside_a_place_the_other_side_tells_is_where_in_it() -> None:
    """ "in Portugal" / "in Lisbon": a city or region against a place the other tells is no new place; a country
    against other countries is."""
    assert depends_on.told_for("we are in Winnipeg", "we are in Canada", PERMIT) is None
    assert depends_on.told_for("I'm in Canada and she's in Japan", "I'm in Canada", PERMIT) is not None


@pytest.fixture
def guarded(cache: SemanticCache) -> SemanticCache:
    cache.guards = GuardSet.default()
    return cache


@pytest.mark.parametrize(("told", "question"), [(THERE, PERMIT), (ON_IT, "Is there a shortcut for that?")])
async def test_a_told_place_or_platform_refuses_on_the_real_redis(
    guarded: SemanticCache, told: str, question: str
) -> None:
    plain = SHED if told == THERE else FILES
    await guarded.store(ask(guarded, [("user", plain)], question), "the answer")
    await guarded.background.drain()
    result = await guarded.lookup(ask(guarded, [("user", told)], question))
    assert not result.hit, result.candidates
    assert any("tell where" in (candidate.reason or "") for candidate in result.candidates), result.candidates


@pytest.mark.parametrize(("told", "question"), [(THERE, STAIN), (ON_IT, "What naming scheme works best?")])
async def test_a_told_place_or_platform_is_still_served_on_the_real_redis(
    guarded: SemanticCache, told: str, question: str
) -> None:
    plain = SHED if told == THERE else FILES
    await guarded.store(ask(guarded, [("user", plain)], question), "the answer")
    await guarded.background.drain()
    result = await guarded.lookup(ask(guarded, [("user", told)], question))
    assert result.hit and result.answer is not None and result.answer.response == "the answer", result.candidates


STREET = "We've just moved into a terraced street with no driveway"
FINE = "What's the fine for parking on the pavement?"


def test_a_question_set_where_the_turns_tell_does_not_stand_alone() -> None:
    """ "What's the fine for ...?" stands alone after turns that tell no place; after "we live in Lisbon now" it is
    asked there (:func:`nearhit.cache.depends_on.set_by`), and a question that names its own place stands alone."""
    assert standalone(FINE, [("user", STREET), REPLY])
    assert not standalone(FINE, [("user", f"{STREET}, we live in Lisbon now"), REPLY])
    assert standalone("What's the fine for parking on the pavement in Lisbon?", [("user", "we live in Lisbon"), REPLY])


async def test_a_question_set_where_the_turns_tell_refuses_on_the_real_redis(guarded: SemanticCache) -> None:
    await guarded.store(ask(guarded, [("user", STREET), REPLY], FINE), "the answer")
    await guarded.background.drain()
    result = await guarded.lookup(ask(guarded, [("user", f"{STREET}, we live in Lisbon now"), REPLY], FINE))
    assert not result.hit, result.candidates


STEPS = "How do I make it rename them all in one go?"


def test_a_platform_the_turns_tell_binds_a_question_asking_steps() -> None:
    """ "How do I ...?", "what's the quickest way?", "can I just run ...?" ask for the platform's steps
    (:func:`nearhit.cache.depends_on.platform_for_steps`), though no shortcut or setting is named; a platform said only
    in a side's question frames what it asks, and "win 11" is Windows as "win11" is."""
    assert differs(STEPS, _told(ON_IT), _told(FILES), 0.9) is not None
    assert differs(STEPS, _told(FILES), _told(ON_IT), 0.9) is not None
    assert differs("What naming scheme works best?", _told(ON_IT), _told(FILES), 0.9) is None
    assert (
        depends_on.platform_for_steps((FILES, FILES), (FILES, f"{FILES}\nHow do I do it on my Chromebook?"), STEPS)
        is None
    )
    assert depends_on.told("I'm on win 11") == {"platform": {"windows"}}


async def test_a_platform_the_turns_tell_refuses_steps_on_the_real_redis(guarded: SemanticCache) -> None:
    await guarded.store(ask(guarded, [("user", FILES), REPLY], STEPS), "the answer")
    await guarded.background.drain()
    control = await guarded.lookup(
        ask(guarded, [("user", FILES), REPLY], "How can I get it to rename them all in one go?")
    )
    assert control.hit, control.candidates
    result = await guarded.lookup(ask(guarded, [("user", ON_IT), REPLY], STEPS))
    assert not result.hit, result.candidates
    assert any("steps asked depend on" in (candidate.reason or "") for candidate in result.candidates), (
        result.candidates
    )
