"""A conversation whose context was refused, compared again turn by turn with the chatter one side alone says left
out (:mod:`nearhit.cache.turns`): a greeting only the asker says no longer hides a reworded story; a turn swapped
on each side is no chatter; an entry stored before its turns were embedded one by one is served as before.
Invented conversations, other words than the dev sets'. Real Redis."""

from __future__ import annotations

import numpy as np
import pytest
from redis.asyncio import Redis

from nearhit.cache import SemanticCache, clause, entry, turns
from nearhit.cache.conversation import Context
from tests.support import wire
from tests.support.lookups import Turns, ask

STORY: Turns = [
    ("user", "My sourdough starter smells like nail polish remover."),
    ("assistant", "That sharp smell usually means the starter is hungry."),
]
GREETING: Turns = [
    ("user", "Hey there, hope you're not too busy this afternoon!"),
    ("assistant", "Not at all! What can I do for you?"),
]
"""A greeting with a negation: chatter to the second chance (it greets, :func:`turns._fact_free`), yet no opener a
story retold in other turns takes as stating nothing (:func:`conversation._opener` reads the negation as marked), so
the lookup reaches the second chance these tests are about."""
RETOLD: Turns = [
    ("user", "The sourdough starter I keep has a strong nail polish remover smell."),
    ("assistant", "That usually means it is hungry and needs feeding."),
]
FLOUR: Turns = [("user", "I use wholemeal flour for it."), ("assistant", "Wholemeal ferments faster.")]
JAR: Turns = [("user", "I keep it in a sealed glass jar."), ("assistant", "A sealed jar traps the gases.")]
ANSWER = "Feed it twice a day until the smell goes."


async def test_a_greeting_only_the_asker_says_no_longer_hides_a_retold_story(cache: SemanticCache) -> None:
    await cache.store(ask(cache, STORY, "How often should I feed it?"), ANSWER)
    result = await cache.lookup(ask(cache, GREETING + RETOLD, "How often does it need feeding?"))
    assert result.hit and result.answer is not None and result.answer.response == ANSWER, result.rejection_reason
    assert result.context is not None and result.context["turn_by_turn"] is True
    assert "turn_by_turn" in result.timings_ms
    assert [c.guard for c in result.candidates] == [None]  # its first refusal (the whole turns') replaced


async def test_a_turn_swapped_on_each_side_is_no_chatter(cache: SemanticCache) -> None:
    """Each side has a turn the other lacks, short and fact-free: left out on both sides, the stories would be
    the same; it is another context ("wholemeal flour" / "a sealed glass jar")."""
    await cache.store(ask(cache, FLOUR + STORY, "How often should I feed it?"), ANSWER)
    result = await cache.lookup(ask(cache, JAR + STORY, "How often should I feed it?"))
    assert not result.hit and result.rejected_by == "context", result.rejection_reason
    # Left out on one side, the other side's turn stays and the checks refuse it: the turns are not compared again.
    assert "turn_by_turn" not in result.timings_ms


async def test_an_entry_stored_without_its_turns_embedded_is_served_as_before(
    cache: SemanticCache, redis_client: Redis
) -> None:
    key = await cache.store(ask(cache, STORY, "How often should I feed it?"), ANSWER)
    assert await redis_client.hget(key, entry.TURN_VECTORS)  # kept with a conversation's entry
    await redis_client.hdel(key, entry.TURN_VECTORS)  # as an entry stored before they were kept
    result = await cache.lookup(ask(cache, GREETING + RETOLD, "How often does it need feeding?"))
    assert "turn_by_turn" not in result.timings_ms
    # Served, if at all, by the user turns' words (conversation_lookup.user_turns, no turn vectors needed).
    assert result.context is None or result.context.get("user_turns") is True
    # A damaged value is no vector either.
    await redis_client.hset(key, entry.TURN_VECTORS, "not base64!")
    again = await cache.lookup(ask(cache, GREETING + RETOLD, "How often does it need feeding?"))
    assert "turn_by_turn" not in again.timings_ms
    assert turns.vectors_of("", 2, 384) is None
    inf = np.full((2, 384), np.inf, dtype=np.float16)
    assert turns.vectors_of(turns.vectors_text(inf), 2, 384) is None  # an edit to infinities is no vector


def test_only_the_whole_turns_cosine_or_a_turn_said_alone_gets_a_second_chance() -> None:
    assert turns.refused_by_turns("the earlier turns are about something else (similarity 0.600 < 0.8)")
    assert turns.refused_by_turns("the user's turns say something the other's do not: 'haha / '")
    assert turns.refused_by_turns("a detail of the earlier turns changed: 'cheers' vs 'the limit screws'")
    assert not turns.refused_by_turns("the earlier turns state other facts: 3 vs 4")
    assert not turns.refused_by_turns(None)


async def test_only_the_second_chance_reads_the_turns_embeddings(
    cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No KNN returns them and no exact read asks for them (nor for the context, which an exact key matched): the
    turns' embeddings (1,024 B a turn) are read for the candidate compared turn by turn, in a read of its own."""
    key = await cache.store(ask(cache, STORY, "How often should I feed it?"), ANSWER)
    await cache.background.drain()
    sent = wire.record(monkeypatch, bytes)
    assert (await cache.lookup(ask(cache, STORY, "How often should I feed it?"))).match == "exact"
    result = await cache.lookup(ask(cache, GREETING + RETOLD, "How often does it need feeding?"))
    assert result.hit and "turn_by_turn" in result.timings_ms, result.rejection_reason
    asked = [payload for payload in sent if entry.TURN_VECTORS.encode() in payload]
    assert len(asked) == 1 and b"HGET" in asked[0] and key.encode() in asked[0] and b"FT.SEARCH" not in asked[0]
    exact_reads = [payload for payload in sent if key.encode() in payload and b"HMGET" in payload]
    assert exact_reads and all(b"$7\r\ncontext\r\n" not in payload for payload in exact_reads)


PAN: Turns = [
    ("user", "My frying pan has a few rusty spots near the handle."),
    ("assistant", "Rust like that usually comes from leaving it damp."),
]
COATED: Turns = [("user", "it's coated in enamel on the inside"), ("assistant", "Noted.")]
SCRUB = "Can I scrub it off with steel wool?"


async def test_a_turn_only_one_side_says_that_bears_on_the_question_is_no_chatter(cache: SemanticCache) -> None:
    """Short, fact-free, said by the asker alone, yet it says what the thing the question acts on is like: the
    scrubbing answer depends on it (:func:`nearhit.cache.clause.turn_bears_on`)."""
    await cache.store(ask(cache, PAN, SCRUB), "yes, scrub it")
    result = await cache.lookup(ask(cache, PAN + COATED, SCRUB))
    assert not result.hit and result.rejected_by == "context", result.rejection_reason
    # The turn is kept in every reading the second chance may make: none can serve, so it embeds nothing.
    readings = turns.readings(Context(tuple(PAN + COATED)), Context(tuple(PAN)), SCRUB, 16)
    assert readings and all(COATED[0] in mine.turns for mine, _ in readings)
    assert "turn_by_turn" not in result.timings_ms
    # The same turn before a question that does not act on "it" is left out as chatter, and served.
    await cache.store(ask(cache, PAN, "Why does rust form so fast?"), "damp")
    result = await cache.lookup(ask(cache, PAN + COATED, "Why does rust form so fast?"))
    assert result.hit and result.answer is not None and result.answer.response == "damp", result.rejection_reason


def test_a_turn_bears_on_the_question_by_any_of_its_sentences() -> None:
    assert clause.turn_bears_on("Thanks. And I have a pacemaker.", "can I use the sauna?") == "i"
    assert clause.turn_bears_on("it's coated in enamel on the inside", SCRUB) == "it"
    assert clause.turn_bears_on("Hey, hope you're well!", SCRUB) is None
    assert clause.turn_bears_on("Thanks. And I have a pacemaker.", "can she use the sauna?") is None


SLEEPY: Turns = [
    ("user", "morning! my brain hasn't woken up yet, sorry"),
    ("assistant", "No worries at all, take your time."),
]
RINSED: Turns = [("user", "we never rinse the jar after baking")]


async def test_a_greeting_turn_with_a_negation_is_still_chatter(cache: SemanticCache) -> None:
    """The asker's greeting says "hasn't" and the reply "No worries": said to the assistant about the talk, not of the
    starter, they are left out as chatter."""
    await cache.store(ask(cache, STORY, "How often should I feed it?"), ANSWER)
    result = await cache.lookup(ask(cache, SLEEPY + STORY, "How often should I feed it?"))
    assert result.hit and result.answer is not None and result.answer.response == ANSWER, result.rejection_reason
    assert result.context is not None and result.context["turn_by_turn"] is True


def test_a_negation_is_let_through_only_in_a_reply_or_a_turn_that_greets_or_thanks() -> None:
    stored = Context(tuple(STORY))
    assert turns.may_leave_out(Context(tuple(SLEEPY + STORY)), stored, "How often should I feed it?")
    assert turns.may_leave_out(
        Context((("user", "thanks, that actually helps a lot"), *STORY)), stored, "How often should I feed it?"
    )
    assert turns.may_leave_out(
        Context((("assistant", "No problem, happy to help."), *STORY)), stored, "How often should I feed it?"
    )
    # The asker's own negation, greeting no one, tells the story: no chatter to leave out.
    assert not turns.may_leave_out(Context(tuple(RINSED + STORY)), stored, "How often should I feed it?")
