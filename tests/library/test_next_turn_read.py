"""The library reads no chat's next turn ahead (the service does, lt59/lt60): its calls match a chat's earlier turns
exactly (the scope), never by meaning, so its next call reads none of what the read would keep. The real Redis."""

from __future__ import annotations

from nearhit import AsyncCache
from nearhit.cache import conversation
from tests.api.test_conversations import CACHED, QUESTION
from tests.cache.test_next_turn_read import NEXT, kept_readings
from tests.support.readings import forget_readings

ANSWER = "Open Account, then Membership, and choose Cancel: it runs to the 14th."


async def llm(prompt: str) -> str:
    return ANSWER


async def test_neither_a_store_nor_a_hit_reads_the_next_turn_ahead(acache: AsyncCache) -> None:
    """A chat's turn answered by the LLM (stored), then by the cache: its next call has no context to read (its turns
    are its scope), and nothing of the next turn was read in the background (each read was ~1 ms of CPU p50, p90
    ~12 ms, after every store, and would be after every hit)."""
    engine, history = acache.engine, [(message["role"], message["content"]) for message in CACHED]
    forget_readings()
    assert not (await acache.answer(QUESTION, llm, history=history)).cached
    hit = await acache.answer(QUESTION, llm, history=history)
    assert hit.match == "exact"
    await engine.background.drain()
    sent = [*history, ("user", QUESTION), ("assistant", hit.text)]
    assert engine.prepare(NEXT, acache.scope(history=sent)).context is None
    for turns in (history, []):  # the chat's turns, or the question and its answer alone (a Lookup has no others)
        kept = kept_readings(engine, conversation.next_turn(turns, QUESTION, hit.text))
        whole = [*kept[:5], kept[-1]]  # not the last two turns' stems: the question's own are read by its lookup
        assert not any(whole), (turns, kept)
