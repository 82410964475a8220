"""The stored answer is read against the turns as told (ca54): a turn the stored conversation alone says, left out as
chatter by the turn-by-turn second chance, is still what its answer may rest on; and an answer that takes up one word
of a long span it adds, and hardly a word of the rest of its story, rests on that span. The conversation is the fit
trap nhc104-constraint_added-007 (a gecko that dropped her tail) with the answer written for its ``a``, which the
engine served by ``turn_by_turn`` before. The real embedded Redis and the local embedder."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.cache.answer_rests_on import refuses
from nearhit.cache.conversation import Context
from tests.support.lookups import Turns, ask, assert_refused, assert_served

CALM: Turns = [
    ("user", "My leopard gecko is about a year old and pretty calm."),
    ("assistant", "Leos are usually very tolerant of handling."),
]
TAIL: Turns = [
    *CALM,
    ("user", "She dropped her tail yesterday when the cat spooked her, though."),
    ("assistant", "Oh no—it's a stress response, but they do recover."),
]
HANDLE = "how often can I handle her?"
AFTER_THE_TAIL = (
    "Hold off handling her for now—at least until the tail stump has fully closed and healed, usually 1–2 weeks, and "
    "keep her stress as low as possible. Meanwhile keep the enclosure very clean, swap loose substrate for paper towel "
    "so nothing sticks to the wound, keep feeding her well since she's lost her fat store, and see a reptile vet if "
    "the stump looks red, swollen or oozes. After that, build back up to short, gentle sessions."
)
ANY_GECKO = (
    "A few short sessions a week of 5 to 15 minutes suit most leopard geckos; let her settle in first, scoop her "
    "from below rather than grabbing from above, and stop if she squeaks or wags."
)

WATCH = (
    "I'm testing my new Christopher Ward automatic. It gains 8 s/day on my wrist but about 15 s/day overnight lying "
    "dial up."
)
PROPER = (
    "I'm testing my new Christopher Ward automatic, it's my first 'proper' watch and I'm a bit obsessed with timing "
    "it. It gains 8 s/day on my wrist but about 15 s/day overnight lying dial up."
)
POSITION = "which position should I leave it in at night to slow it down?"
POSITIONS = (
    "Lying dial up is clearly the fast position for your watch, so try the others, one per night at the same times, "
    "and note the gain each morning. Once you've found a position that roughly cancels out the +8 s/day from wearing "
    "it, use that one every night."
)


async def test_a_turn_left_out_as_chatter_that_the_stored_answer_takes_up_is_not_served(
    guarded_cache: SemanticCache,
) -> None:
    await guarded_cache.store(ask(guarded_cache, TAIL, HANDLE), AFTER_THE_TAIL)
    result = await guarded_cache.lookup(ask(guarded_cache, CALM, HANDLE))
    # The first look's refusal is the one kept (the turn said alone); turn by turn, the turn left out, the stored
    # answer's reading against the whole turns refuses it again (the same turns with another answer are served).
    assert_refused(result, "she dropped her tail yesterday")


async def test_the_same_turn_with_an_answer_that_does_not_take_it_up_is_served(guarded_cache: SemanticCache) -> None:
    key = await guarded_cache.store(ask(guarded_cache, TAIL, HANDLE), ANY_GECKO)
    assert_served(await guarded_cache.lookup(ask(guarded_cache, CALM, HANDLE)), key)


def test_one_word_of_a_span_taken_up_more_than_the_rest_of_the_story() -> None:
    tail, calm = Context(tuple(TAIL)), Context(tuple(CALM))
    assert refuses(HANDLE, calm, tail, HANDLE, AFTER_THE_TAIL) is not None
    # "watch" is one word of four in the span, and the answer says most of the rest of the story ("lying dial up",
    # "position", "8 s/day"): no span it rests on.
    proper, plain = Context((("user", PROPER),)), Context((("user", WATCH),))
    assert refuses(POSITION, plain, proper, POSITION, POSITIONS) is None


def test_an_afterthought_closed_by_by_the_way_is_a_span_the_answer_may_rest_on() -> None:
    # nhc109-constraint_added-014: "by the way" closing a clause with a subject of its own is no small talk.
    kitchen = "We're redoing the kitchen in the house we just bought."
    septic = Context((("user", f"{kitchen} The house is on a septic system, by the way."),))
    disposal = "is it ok to install a garbage disposal?"
    answer = "You can, but it's generally discouraged with a septic system: a disposal adds solids to the tank."
    why = refuses(disposal, Context((("user", kitchen),)), septic, disposal, answer)
    assert why is not None and "the house is on a septic system by the way" in why
