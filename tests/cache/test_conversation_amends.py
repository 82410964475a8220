"""The asker's own story changed: a clause or turn that binds the answer ("we have to use their caterer"), a
correction ("oh wait, sorry, I took the test in an automatic"), a follow-up about another person or another item of
a list ("can he drive?" / "can I drive?", "the first one" / "the second one"). Such a pair is not served; a pair whose
one side adds small talk or an apology that names nothing of the story still is. With those checks in place, what
they made safe is served too (``data/conversation_loosened.jsonl``): a user turn that names something in passing
("my 14 month old, Leo, ...", "with my friend Sarah"; not a name said with how the thing was got: "through my
Kestrel contract"), a story told in short turns against the same story asked at once though one telling says "but"
or "never" where the other does not, and a history retold at a contexts' cosine of 0.78–0.80. Dev pairs of the
conversation sets (``data/conversation_amends.jsonl``), each looked up as ``nearhit eval`` looks it up (its ``a``
stored in a scratch scope, its ``b`` judged by the default decision) on the real embedded Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit import evaluation
from nearhit.cache import SemanticCache, constraints
from nearhit.cache.conversation import differs_from_one, other_referent
from nearhit.decision import Decision
from nearhit.evaluation.dataset import Pair, load_jsonl
from nearhit.guards import GuardSet

DATA = Path(__file__).parent / "data"
PAIRS = load_jsonl(DATA / "conversation_amends.jsonl") + load_jsonl(DATA / "conversation_loosened.jsonl")


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


def test_a_name_said_with_how_the_thing_was_got_is_a_channel() -> None:
    assert constraints.channel("I signed up through my Kestrel phone contract") == "through"
    assert constraints.channel("it's billed via my phone bill") == "via"
    assert constraints.channel("with my friend Sarah") is None


def test_told_as_one_a_correction_mark_on_one_side_is_another_story() -> None:
    told = "my sofa is velvet. scratch that, it's leather\nhow do I clean it?"
    assert differs_from_one(told, "How do I clean a velvet sofa?") is not None
    # A second thought is how a story told in short turns words itself: no mark here.
    assert constraints.correction("actually it's a rescue dog") is None
