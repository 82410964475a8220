"""A name said in passing inside a user's turn ("my cat Pickles", "our hallway in Norwich", "for my friend Tomasz")
is an aside, like any other phrase that cannot change what the question asks; a name said with how the thing was
paid for ("that I got through Fitlink") is not, nor is a detail that binds the answer said beside a name (an
allergy). Invented conversations (``data/conversation_named_aside.jsonl``, none of the dev sets' words), each
``a`` stored and its ``b`` looked up through the engine on the real embedded Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import SemanticCache
from nearhit.evaluation.dataset import Pair, load_jsonl
from tests.support.lookups import stored_then_asked

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_named_aside.jsonl")


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_a_name_in_passing_is_an_aside_and_a_constraint_beside_a_name_is_not(
    cache: SemanticCache, pair: Pair
) -> None:
    result = await stored_then_asked(cache, pair)
    if not pair.same_answer:
        assert result.rejected_by == "context", (result.rejected_by, result.rejection_reason)
