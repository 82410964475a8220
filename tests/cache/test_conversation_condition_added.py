"""A condition one side's user turns add inside a turn both tell is never an aside: a medicine named by its generic
name ("they started me on apixaban"), a condition phrase of ``data/constraints.json`` the other side does not say
("plus insulin glargine at night" beside "type 2 diabetes"), a disability told by its mark ("visually impaired", "a
Blue Badge"). A question that stands alone after its turns is not served a stored answer that rests on what only the
stored turns say (:mod:`nearhit.cache.answer_rests_on`), as a follow-up is not. The conversations are the fit traps
nhc94-constraint_added-001, nhc90-constraint_added-001, nhc96-constraint_added-004 and nhc94-constraint_added-014,
shortened; the real embedded Redis and the local embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, constraints
from tests.support.lookups import Turns, ask, asked_alone, assert_refused, assert_served


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("oh and they started me on apixaban last month as well", {"apixaban"}),
        ("plus tramadol for my back", {"tramadol"}),
        ("since my doctor put me on simvastatin", {"simvastatin"}),
        ("I already take levothyroxine first thing", {"levothyroxine"}),
        ("rate-controlled with bisoprolol", {"bisoprolol"}),
        ("back in April I bought a pram for the baby", set()),
        ("the mountains were abandoned", set()),
    ],
)
def test_a_medicine_is_named_by_its_generic_stem(text: str, found: set[str]) -> None:
    assert constraints.medicines(text.casefold()) == found
    assert ("medication" in constraints.conditions_of(text)) == bool(found)


AF = "I was diagnosed with AF last year, it's rate-controlled with bisoprolol and I feel fine most days."
AFTER_AF = ("assistant", "Good to hear it's well controlled.")
BACK = "I've done my back in lifting boxes though, proper agony. what can I take for it?"


async def test_a_medicine_added_inside_a_turn_is_no_aside(guarded_cache: SemanticCache) -> None:
    cache = guarded_cache
    stored: Turns = [("user", AF), AFTER_AF]
    key = await cache.store(ask(cache, stored, BACK), "ibuprofen or paracetamol")
    same = await cache.lookup(ask(cache, stored, BACK))
    assert_served(same, key)  # the control: the very same turns
    added: Turns = [("user", f"{AF} oh and they started me on apixaban last month as well."), AFTER_AF]
    assert_refused(await cache.lookup(ask(cache, added, BACK)), "apixaban")


DIABETES = "I've type 2 diabetes and take metformin{}. Thinking of trying a low-carb diet to lose weight."
SAFE = "is it safe for me to do that?"


async def test_a_condition_phrase_added_inside_a_turn_is_no_aside(guarded_cache: SemanticCache) -> None:
    cache = guarded_cache
    after = ("assistant", "Lots of people with type 2 find low-carb helpful.")
    await cache.store(ask(cache, [("user", DIABETES.format("")), after], SAFE), "usually, with your GP's advice")
    result = await cache.lookup(
        ask(cache, [("user", DIABETES.format(", plus insulin glargine at night")), after], SAFE)
    )
    assert_refused(result, "insulin")


SWIM = "I'm 38 and never learned to swim."
TERRIFIED = " I nearly drowned as a kid, so I'm terrified of water and putting my face in makes me panic."
LEARN = "what's the fastest way to learn to swim as an adult?"
FOR_THE_FEAR = (
    "Since you nearly drowned and putting your face in makes you panic, start with a teacher who works with "
    "nervous adults: get comfortable standing in shallow water before any strokes."
)
ANY_ADULT = "Book a course of adult lessons, two a week, and practise floating and breathing between them."


async def test_a_standalone_question_is_not_served_an_answer_resting_on_turns_it_lacks(
    guarded_cache: SemanticCache,
) -> None:
    cache = guarded_cache
    after = ("assistant", "It's never too late, lots of adults learn.")
    key = await cache.store(asked_alone(cache, [("user", SWIM + TERRIFIED), after], LEARN), FOR_THE_FEAR)
    result = await cache.lookup(asked_alone(cache, [("user", SWIM), after], LEARN))
    assert_refused(result, "the stored answer rests on")
    plain = await cache.store(asked_alone(cache, [("user", SWIM + " My name is Sam."), after], LEARN), ANY_ADULT)
    assert plain != key
    assert_served(await cache.lookup(asked_alone(cache, [("user", SWIM), after], LEARN)), plain)
