"""Words one side adds that coordinate a second value in the frame before them ("one in X and one in Y" against
"both in X") split one thing in two: a changed detail, not an aside (:func:`nearhit.cache.story.another_value`).
Invented conversations (none of the datasets' words), on the rule and through the cache on the real embedded Redis."""

from __future__ import annotations

import re

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.conversation import Context, differs
from nearhit.cache.story import another_value
from nearhit.guards import GuardSet
from tests.support.lookups import ask

BOTH = "we run two print servers, both in the basement rack, same subnet"
SPLIT = "we run two print servers, one in the basement rack and one in the loft rack, same subnet"
QUESTION = "How do I share the queue between them?"
REPLY = ("assistant", "Check that the firewall allows IPP between them.")


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def test_a_coordinated_repeat_of_the_frame_before_is_another_value() -> None:
    words = _words(SPLIT)
    start = words.index("and")
    assert another_value(words, start, start + 6)
    assert another_value(words, start - 1, start + 5)  # the diff's cut, shifted back into place


@pytest.mark.parametrize(
    "said",
    [
        "I bought it with my mum and my sister",  # a person added: no frame repeated
        "it's in the basement rack and it works fine",  # a clause added, nothing of the frame before it repeated
    ],
)
def test_a_coordination_that_repeats_no_frame_is_not_another_value(said: str) -> None:
    words = _words(said)
    start = words.index("and")
    assert not another_value(words, start, len(words))


def test_the_split_value_is_a_changed_story() -> None:
    reason = differs(QUESTION, Context((("user", SPLIT), REPLY)), Context((("user", BOTH), REPLY)), 0.95)
    assert reason is not None and "loft" in reason
    assert differs(QUESTION, Context((("user", BOTH), REPLY)), Context((("user", SPLIT), REPLY)), 0.95) is not None


async def test_the_split_value_refuses_on_the_real_redis(cache: SemanticCache) -> None:
    cache.guards = GuardSet.default()
    await cache.store(ask(cache, [("user", BOTH), REPLY], QUESTION), "same rack answer")
    await cache.background.drain()
    result = await cache.lookup(ask(cache, [("user", SPLIT), REPLY], QUESTION))
    assert not result.hit, result.candidates
    assert any("loft" in (candidate.reason or "") for candidate in result.candidates), result.candidates
