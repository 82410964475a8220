"""A phrase one side's user adds inside a turn both sides tell is read as an aside even when a greeting or a thanks
that side alone says makes the turns' shapes differ (:func:`nearhit.cache.conversation._in_a_turn`); a turn of its
own is not. A short turn one side alone says with a time and nothing else compared ("happy friday!") is chatter
(:func:`nearhit.cache.conversation.fact_free`). Invented conversations (none of the datasets' words), on the rule
itself (the contexts' similarity given) and through the cache on the real embedded Redis."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.cache.conversation import Context, differs, fact_free
from tests.support.lookups import Turns, ask

REPLY = ("assistant", "A sharp smell like that usually means the starter is hungry.")
TOLD = ("user", "my sourdough starter smells like nail polish remover")
QUESTION = "how often should i feed it?"
HELLO = (("user", "hello there!"), ("assistant", "Hello! What can I help with?"))


def test_a_phrase_added_inside_a_turn_is_an_aside_whatever_the_greeting_turns() -> None:
    plain = Context((TOLD, REPLY))
    aside = Context((*HELLO, ("user", f"{TOLD[1]}, honestly a bit gross"), REPLY))
    assert differs(QUESTION, aside, plain, 0.9) is None
    assert differs(QUESTION, plain, aside, 0.9) is None  # either side may add it


def test_a_turn_of_its_own_is_still_said_more() -> None:
    plain = Context((TOLD, REPLY))
    added = Context((*HELLO, TOLD, REPLY, ("user", "it lives in a warm cupboard above the oven"), REPLY))
    reason = differs(QUESTION, added, plain, 0.9)
    assert reason is not None and "cupboard" in reason


def test_a_phrase_that_bears_on_the_question_is_no_aside_whatever_the_shapes() -> None:
    plain = Context((TOLD, REPLY))
    bound = Context((*HELLO, ("user", f"{TOLD[1]}, and i feed it only rye flour"), REPLY))
    assert differs(QUESTION, bound, plain, 0.9) is not None


def test_a_short_turn_with_only_a_time_is_chatter() -> None:
    assert fact_free("happy friday!")
    assert fact_free("she's been so grumpy this week lol.")
    assert not fact_free("it's 3 years old")


STORY: Turns = [
    ("user", "The hinge on my kitchen cupboard door has come loose and the door now hangs crooked."),
    ("assistant", "A loose hinge usually just needs its screws tightened or replaced."),
]
ANSWER = "Tighten the hinge screws; if they spin, pack the holes with matchsticks and glue."


async def test_a_greeting_with_a_day_no_longer_hides_an_aside_inside_a_turn(cache: SemanticCache) -> None:
    await cache.store(ask(cache, STORY, "How do I fix it?"), ANSWER)
    told = [
        ("user", "happy monday!"),
        ("assistant", "Happy Monday to you too! How can I help?"),
        ("user", f"{STORY[0][1][:-1]}, typical really"),
        STORY[1],
    ]
    result = await cache.lookup(ask(cache, told, "How do I fix it?"))
    assert result.hit and result.answer is not None and result.answer.response == ANSWER, result.rejection_reason


CHAIN: Turns = [
    ("user", "My bike chain keeps slipping off the biggest rear cog when I climb."),
    ("assistant", "That usually means the rear derailleur needs adjusting; the limit screws set how far it moves."),
]
THANKED: Turns = [
    CHAIN[0],
    ("assistant", "That usually means the rear derailleur needs adjusting."),
    ("user", "cheers, you're a star."),
]
TUNED = "Turn the low limit screw a quarter turn anticlockwise and shift up again."


async def test_a_thanks_read_against_the_other_reply_as_a_changed_detail_is_left_out(cache: SemanticCache) -> None:
    """The thanks only the asker says lines up with the tail of the stored reply ("cheers you a star" / "the limit
    screws set how far it moves"): a detail changed, until the turns are compared again without it."""
    await cache.store(ask(cache, CHAIN, "How do I adjust it?"), TUNED)
    result = await cache.lookup(ask(cache, THANKED, "How do I adjust it?"))
    assert result.hit and result.answer is not None and result.answer.response == TUNED, result.rejection_reason
    assert result.context is not None and result.context["turn_by_turn"] is True
