"""A conversation's entry another Redis client edited past serving (``entry.whole``), met through its twin by a
single question: no candidate, and no failure of the lookup (it was a ``ValueError`` out of the lookup)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import SemanticCache
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.evaluation.dataset import load_jsonl
from nearhit.guards import GuardSet
from tests.support.lookups import ask

PAIR = next(p for p in load_jsonl(Path(__file__).parent / "data" / "conversation_told_as_one.jsonl") if p.same_answer)


@pytest.mark.parametrize(
    "edit", [{}, {"created_at": "yesterday"}, {"response": " "}], ids=["whole", "created_at edited", "response blanked"]
)
async def test_a_twin_whose_entry_was_edited_is_no_candidate(cache: SemanticCache, edit: dict[str, str]) -> None:
    cache.guards = GuardSet.default()
    key = await cache.store(ask(cache, list(PAIR.b.history), PAIR.b.prompt), "the conversation's answer")
    if edit:
        await cache.redis.hset(key, mapping=edit)
    result = await cache.lookup(ask(cache, [], PAIR.a.prompt), threshold=DEFAULT_SIMILARITY_THRESHOLD)
    assert result.hit == (not edit), result.candidates  # the whole one is served: the twin path was taken
