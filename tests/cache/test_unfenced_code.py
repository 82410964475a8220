"""Code written without backticks on the real Redis, the default decision (issue 13, nineteenth session): a run
that glues a symbol to a letter or digit ("^[a-z]+$", "=B2&C2", "$arr[]") or an index on a name ("User[keyof
User]") is read as a backticked span would be, so a question that changes one symbol of it is not served the other's
answer; a rewording that keeps the same code still is. Pairs written for the rule, not the sets' words."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap

# Stored, then asked: each pair near enough that only the code tells them apart (cosine 0.90 to 0.97).
TRAPS = {
    "a quantifier": (
        "Which strings does the pattern ^[a-z]+$ accept?",
        "Which strings does the pattern ^[a-z]*$ accept?",
    ),
    "an operator": (
        "What does the formula =B2&C2 give when B2 is 4 and C2 is 3?",
        "What does the formula =B2+C2 give when B2 is 4 and C2 is 3?",
    ),
    "an index": ("In PHP, what does $arr[] = 5 do?", "In PHP, what does $arr = 5 do?"),
    "symbols around the same words": (
        "What type is User[keyof User] in TypeScript?",
        "What type is keyof User in TypeScript?",
    ),
}
REWORDED = {
    "the same code": ("At the end of a cron line, what does 2>&1 do?", "What is 2>&1 doing at the end of a cron line?"),
    "the same pattern": (
        "Which strings does the pattern ^[a-z]+$ accept?",
        "What strings are accepted by the pattern ^[a-z]+$?",
    ),
    "the code in words": (
        "How do I turn a List<Integer> into an int array in Java?",
        "How do I turn a list of integers into an int array in Java?",
    ),
}


@pytest.fixture
async def guarded(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[SemanticCache]:
    cache = await bootstrap.open_cache(settings.model_copy(update={"guards": True}), local_embedder)  # the default
    yield cache
    await drop_index(cache.redis, cache.spec.name, delete_entries=True)
    await cache.close()


@pytest.mark.parametrize("name", TRAPS)
async def test_one_symbol_changed_in_unfenced_code_is_refused(guarded: SemanticCache, name: str) -> None:
    stored, asked = TRAPS[name]
    scope = Scope.build(model="gpt-4o", tenant=f"unfenced-{name}")
    await guarded.store(stored, "the stored answer", scope)
    result = await guarded.lookup(asked, scope)
    assert result.match is None and result.rejected_by == "code", result.to_dict()


@pytest.mark.parametrize("name", REWORDED)
async def test_a_rewording_with_the_same_code_is_served(guarded: SemanticCache, name: str) -> None:
    stored, asked = REWORDED[name]
    scope = Scope.build(model="gpt-4o", tenant=f"unfenced-{name}")
    await guarded.store(stored, "the stored answer", scope)
    assert (await guarded.lookup(asked, scope)).match == "semantic"
