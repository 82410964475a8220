"""The asker's own story changed: a clause or turn that binds the answer ("we have to use their caterer"), a
correction ("oh wait, sorry, I took the test in an automatic"), a follow-up about another person or another item of
a list ("can he drive?" / "can I drive?", "the first one" / "the second one"). Such a pair is not served; a pair whose
one side adds small talk or an apology that names nothing of the story still is. Dev pairs of the conversation sets
(``data/conversation_amends.jsonl``), each looked up as ``nearhit eval`` looks it up (its ``a`` stored in a scratch
scope, its ``b`` judged by the default decision) on the real embedded Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit import evaluation
from nearhit.cache import SemanticCache, constraints
from nearhit.cache.conversation import other_referent
from nearhit.decision import Decision
from nearhit.evaluation.dataset import Pair, load_jsonl
from nearhit.guards import GuardSet

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_amends.jsonl")


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_a_story_amended_is_not_served_and_small_talk_still_is(cache: SemanticCache, pair: Pair) -> None:
    runs = await evaluation.evaluate(cache, [pair], guard_sets={"decision": Decision(GuardSet.default())})
    (outcome,) = runs["decision"]
    assert outcome.served is pair.same_answer, (outcome.similarity, outcome.rejected_by)


def test_a_correction_mark_amends_only_with_a_word_of_the_story() -> None:
    story = "I passed my driving test in the UK in a manual car"
    assert constraints.amends("oh wait, sorry, I took the test in an automatic", story) is not None
    assert constraints.amends("sorry, random question, my neighbour's cat keeps visiting", story) is None
    assert constraints.amends("the venue says we have to use their in-house caterer", "") is not None


def test_a_follow_up_about_another_item_or_person_points_elsewhere() -> None:
    assert other_referent("how do I create the second one?", "how do I create the first one?") is not None
    assert other_referent("how long until he can drive?", "how long until I can drive?") is not None
    # "they" is as often the things named: "what paperwork do they ask for?" words "what documents do I need?".
    assert other_referent("what paperwork do they usually ask for?", "what documents do I need?") is None
    assert other_referent("what's the first step?", "where do I start first?") is None
