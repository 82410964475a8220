"""A follow-up after the very same turns read as a conversation on one side and as a question standing alone after
them on the other (the two stored and searched in two scopes): the second look with the assistant's last turn
(:func:`conversation_lookup.after_the_answer`) is taken across them too, both ways, as between two conversations. The
entry of a question standing alone after its turns keeps its follow-up told after the answer for it. Invented
conversations, the real embedded Redis, the default guards."""

from __future__ import annotations

from redis.asyncio import Redis

from nearhit.cache import SemanticCache, context_match, entry
from tests.support.lookups import Turns, asked_alone, asked_in_conversation

KETTLE: Turns = [
    ("user", "Our kettle has a thick white crust of limescale inside, we live in a hard water area."),
    ("assistant", "Limescale builds up quickly with hard water; descaling regularly keeps the kettle efficient."),
]
POINTS_BACK = "how can I clear it out?"
STANDS_ALONE = "How do you remove limescale from a kettle?"  # 0.39 alone, 0.92 told after the answer
ANOTHER = "How often should a kettle be descaled in hard water areas?"
BEDS: Turns = [
    ("user", "I'm building a raised vegetable bed from untreated pine sleepers this spring."),
    ("assistant", "Untreated pine will rot within a few years unless you protect it."),
]
TREAT = "what should I treat them with?"
TREATMENT = "What's a safe wood treatment for vegetable beds?"  # 0.85 told after the answer, 0.87 told as one


async def test_a_conversation_is_served_the_question_standing_alone_after_the_same_turns(
    guarded_cache: SemanticCache, redis_client: Redis
) -> None:
    key = await guarded_cache.store(asked_alone(guarded_cache, KETTLE, STANDS_ALONE), "descale answer")
    assert await redis_client.hget(key, entry.FOLLOWUP_VECTOR)  # kept with a question standing alone after turns
    result = await guarded_cache.lookup(asked_in_conversation(guarded_cache, KETTLE, POINTS_BACK))
    assert result.hit and result.answer is not None and result.answer.doc_id == key, result.candidates
    assert result.similarity is not None and result.similarity < result.threshold - context_match.SAME_TURNS_MARGIN
    assert result.context is not None and result.context["after_answer"] >= context_match.AFTER_ANSWER_THRESHOLD


async def test_a_question_standing_alone_is_served_the_conversation_after_the_same_turns(
    guarded_cache: SemanticCache,
) -> None:
    key = await guarded_cache.store(asked_in_conversation(guarded_cache, KETTLE, POINTS_BACK), "descale answer")
    result = await guarded_cache.lookup(asked_alone(guarded_cache, KETTLE, STANDS_ALONE))
    assert result.hit and result.answer is not None and result.answer.doc_id == key, result.candidates
    assert result.context is not None and result.context["after_answer"] >= context_match.AFTER_ANSWER_THRESHOLD


async def test_the_story_band_reads_the_conversations_twin(guarded_cache: SemanticCache) -> None:
    """Under the after-the-answer threshold, the two stories told as one question decide, as between two
    conversations: the conversation's twin is read in the scope the question standing alone is searched in."""
    key = await guarded_cache.store(asked_in_conversation(guarded_cache, BEDS, TREAT), "treatment answer")
    result = await guarded_cache.lookup(asked_alone(guarded_cache, BEDS, TREATMENT))
    assert result.hit and result.answer is not None and result.answer.doc_id == key, result.candidates
    assert result.context is not None
    assert result.context["after_answer"] >= context_match.AFTER_ANSWER_STORY_FLOOR
    assert result.context["after_answer"] < context_match.AFTER_ANSWER_THRESHOLD


async def test_another_question_after_the_same_turns_is_not_served(guarded_cache: SemanticCache) -> None:
    await guarded_cache.store(asked_alone(guarded_cache, KETTLE, ANOTHER), "how often answer")
    result = await guarded_cache.lookup(asked_in_conversation(guarded_cache, KETTLE, POINTS_BACK))
    assert not result.hit, result.candidates


async def test_another_question_standing_alone_is_not_served(guarded_cache: SemanticCache) -> None:
    await guarded_cache.store(asked_in_conversation(guarded_cache, KETTLE, POINTS_BACK), "descale answer")
    result = await guarded_cache.lookup(asked_alone(guarded_cache, KETTLE, ANOTHER))
    assert not result.hit, result.candidates
