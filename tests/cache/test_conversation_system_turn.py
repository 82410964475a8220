"""A system message that opens the history sent to ``/ask`` is the request's system prompt, not a turn of the
conversation (as the gateway reads the leading system messages of a chat request); and a sentence that says the asker
is paid, which such a conversation, now matched by meaning, must not read as an aside. Invented conversations (other
words than the dev sets'), the real embedded Redis and the local embedder."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest
from tests.support.lookups import Turns, ask

PERSONA = "You answer questions for the members of a rowing club."
KAYAK: Turns = [
    ("user", "The rudder cable on my sea kayak has snapped."),
    ("assistant", "Rudder cables are usually stainless steel wire with a crimped end."),
]
KAYAK_RETOLD: Turns = [
    ("user", "The steering wire of my sea kayak broke."),
    ("assistant", "Those wires are normally stainless with a crimp at the end."),
]
CANOE: Turns = [
    ("user", "I bought a second-hand canoe and one of its wooden seats has cracked."),
    ("assistant", "Canoe seats are usually ash frames with cane or webbing."),
]
QUESTION = "How do I replace it myself?"


def _with_system(system: str, turns: Turns) -> Turns:
    return [("system", system), *turns]


async def test_a_reworded_conversation_after_a_system_message_is_served(cache: SemanticCache) -> None:
    """Before, the system turn kept the conversation on the exact rule: only a byte-identical history hit."""
    key = await cache.store(ask(cache, _with_system(PERSONA, KAYAK), QUESTION), "rudder cable answer")
    result = await cache.lookup(ask(cache, _with_system(PERSONA, KAYAK_RETOLD), QUESTION))
    assert result.hit and result.answer is not None and result.answer.doc_id == key, result.candidates


async def test_the_same_question_after_a_system_message_about_another_thing_is_not_served(
    cache: SemanticCache,
) -> None:
    await cache.store(ask(cache, _with_system(PERSONA, KAYAK), QUESTION), "rudder cable answer")
    result = await cache.lookup(ask(cache, _with_system(PERSONA, CANOE), QUESTION))
    assert not result.hit, result.candidates


async def test_another_system_message_is_another_scope(cache: SemanticCache) -> None:
    await cache.store(ask(cache, _with_system(PERSONA, KAYAK), QUESTION), "rudder cable answer")
    other = "You answer questions for the staff of a boat hire company."
    result = await cache.lookup(ask(cache, _with_system(other, KAYAK_RETOLD), QUESTION))
    assert not result.hit, result.candidates


async def test_a_single_question_after_a_system_message_is_the_one_sent_with_a_system_prompt(
    cache: SemanticCache,
) -> None:
    """The system message in the history and the ``system_prompt`` field scope alike (as the gateway's)."""
    key = await cache.store(ask(cache, [("system", PERSONA)], "When does the boathouse open on Sundays?"), "9 am")
    asked = AskRequest("When does the boathouse open on Sundays?", tenant="t", system_prompt=PERSONA)
    query = asked.checked("default", cache.max_prompt_chars).query
    assert query is not None
    result = await cache.lookup(query)
    assert result.hit and result.answer is not None and result.answer.doc_id == key, result.candidates


def test_the_model_still_gets_the_messages_as_sent() -> None:
    history = (ChatMessage("system", PERSONA), ChatMessage("user", "Hello"), ChatMessage("assistant", "Hi!"))
    request = AskRequest("Is the river open today?", history=history)
    assert [m.role for m in request.messages()] == ["system", "user", "assistant", "user"]


BAKING: Turns = [
    ("user", "I'm baking a three-tier cake for my neighbour's wedding next month."),
    ("assistant", "What a lovely thing to do."),
]


async def test_a_sentence_saying_the_asker_is_paid_is_no_aside(cache: SemanticCache) -> None:
    """Saying "She's paying me" names none of the question's words, yet being paid for it is another question (a
    business, not a favour): a payment word, like "paid", makes an added sentence a constraint."""
    await cache.store(ask(cache, BAKING, "Do I need a food hygiene certificate?"), "a favour needs none")
    paid = [(BAKING[0][0], BAKING[0][1] + " She's paying me for it."), BAKING[1]]
    result = await cache.lookup(ask(cache, paid, "Do I need a food hygiene certificate?"))
    assert not result.hit, result.candidates


async def test_a_sentence_of_chatter_added_is_still_an_aside(cache: SemanticCache) -> None:
    key = await cache.store(ask(cache, BAKING, "Do I need a food hygiene certificate?"), "a favour needs none")
    chatty = [(BAKING[0][0], BAKING[0][1] + " She's my oldest friend."), BAKING[1]]
    result = await cache.lookup(ask(cache, chatty, "Do I need a food hygiene certificate?"))
    assert result.hit and result.answer is not None and result.answer.doc_id == key, result.candidates
